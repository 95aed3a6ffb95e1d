/* apt-voxelize: z-SDM profiles of every voxel of a reconstruction for one
 * or more species pairs, written as .zsdm files. Works slab by slab along
 * z (bounded memory for the profiles). */
#include "common.h"
#include "provenance.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_PAIRS 16

static void usage(void)
{
    printf("Usage: apt-voxelize -r RANGES -p A-B [-p C-D ...] [OPTIONS] RECON -o OUT.zsdm\n"
           "Compute the z-SDM of every voxel of a reconstruction (POS, EPOS, APT, CSV;\n"
           "- = stdin) for each species pair and write one .zsdm file per pair.\n\n"
           "  -r, --ranges FILE      range file (RRNG or RNG)\n"
           "  -p, --pair A-B         species pair, e.g. Ni-Ni, Ni-Co, Ni (= Ni-Ni); each\n"
           "                         side is a species list of csro_ranges_species_weights\n"
           "                         (\"Ni\", \"Co,Ni\", an ion name); repeat for several pairs\n"
           "  -o, --output FILE      output (- = stdout, one pair only); with several\n"
           "                         pairs FILE must contain %%p, replaced by the pair (Ni-Co)\n"
           "      --voxel V          voxel edge in nm (default 1)\n"
           "      --stride S         voxel stride in nm (default 0.5)\n"
           "      --composition FILE per-voxel atom counts of every element (TSV): a\n"
           "                         composition map on the same grid\n"
           "  -i, --input-format F   pos, epos, apt or csv when RECON's name does not say\n"
           "                         (POS and EPOS on stdin need it)\n"
           "      --roi X0,Y0,Z0,X1,Y1,Z1  region of interest in nm (default: the bounding\n"
           "                         box of the reconstruction)\n"
           "      --shape sphere|cube  voxel shape (default sphere of radius 0.75 V)\n"
           "      --radius R         z-SDM pair radius in nm (default 1.5)\n"
           "      --bin-width W      z-SDM bin width in nm (default 0.015)\n"
           "      --crop LO,HI       kept bin left edges in nm (default -0.7,0.7)\n"
           "      --direction X,Y,Z  analysis direction (default 0,0,1)\n"
           "      --decompose        molecular ions contribute their atoms of the species\n"
           "      --random-labels SEED  shuffle mass-to-charge values among the ions\n"
           "                         first (random-label null control)\n"
           "      --counts           store raw pair counts (the default; --preprocess raw)\n"
           "      --preprocess P     raw (default: csro-classify preprocesses for its\n"
           "                         model), minmax or experimental\n"
           "      --skip-empty       write no row for voxels without data (no-data flag)\n"
           "      --slab N           voxel layers per slab (default: automatic)\n"
           "  -j, --threads N        worker threads (0 = all cores, default)\n"
           "  -q, --quiet            no progress\n"
           "  -h, --help, -V, --version\n\n"
           "Exit status: 0 ok, 1 bad data or I/O, 2 usage.\n");
}

typedef struct {
    char a[TOOL_SPECIES_MAX], b[TOOL_SPECIES_MAX], name[2 * TOOL_SPECIES_MAX + 1], *out;
    float *ax, *ay, *az, *bx, *by, *bz; /* sorted by z */
    size_t na, nb;
    csro_zsdm_writer *w;
} pair;

/* Atoms of ions with weight > 0, as z-sorted float arrays. */
typedef struct { float z; uint32_t i; } zkey;
static int cmp_z(const void *p, const void *q)
{
    const zkey *a = p, *b = q;
    return a->z < b->z ? -1 : a->z > b->z ? 1 : (a->i > b->i) - (a->i < b->i);
}

static void select_species(const csro_ranges *rg, const char *spec, int flags, const int32_t *ion,
                           const float *x, const float *y, const float *z, size_t n,
                           float **ox, float **oy, float **oz, size_t *on)
{
    size_t ni = csro_ranges_nions(rg);
    int *wt = calloc(ni ? ni : 1, sizeof *wt);
    if (!wt) tool_die(TOOL_EDATA, "out of memory");
    int rc = csro_ranges_species_weights(rg, spec, flags, wt, ni);
    if (rc) tool_fail(rc);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) k += ion[i] >= 0 && wt[ion[i]] > 0;
    zkey *key = malloc((k ? k : 1) * sizeof *key);
    *ox = malloc((k ? k : 1) * sizeof **ox);
    *oy = malloc((k ? k : 1) * sizeof **oy);
    *oz = malloc((k ? k : 1) * sizeof **oz);
    if (!key || !*ox || !*oy || !*oz) tool_die(TOOL_EDATA, "out of memory");
    k = 0;
    for (size_t i = 0; i < n; i++)
        if (ion[i] >= 0 && wt[ion[i]] > 0) { key[k].z = z[i]; key[k].i = (uint32_t)i; k++; }
    qsort(key, k, sizeof *key, cmp_z);
    for (size_t j = 0; j < k; j++) {
        (*ox)[j] = x[key[j].i];
        (*oy)[j] = y[key[j].i];
        (*oz)[j] = z[key[j].i];
    }
    *on = k;
    free(key);
    free(wt);
}

/* Species the range file does not know: said before the reconstruction
 * is read (that can take minutes). */
static void check_species_known(const csro_ranges *rg, const pair *prs, size_t npairs, int flags)
{
    size_t ni = csro_ranges_nions(rg);
    int *wt = calloc(ni ? ni : 1, sizeof *wt);
    if (!wt) tool_die(TOOL_EDATA, "out of memory");
    for (size_t p = 0; p < 2 * npairs; p++) {
        const char *sp = p % 2 ? prs[p / 2].b : prs[p / 2].a;
        if (csro_ranges_species_weights(rg, sp, flags, wt, ni))
            tool_die(TOOL_EDATA, "%s; check -p %s", csro_last_error(), prs[p / 2].name);
    }
    free(wt);
}

/* A species with no ranged ion (or one ion of a same-species pair) gives
 * no pairs at all: said before the voxels are computed. */
static void check_species_atoms(const pair *pp, const char *ranges_path, const char *recon_path)
{
    const char *sp = pp->na == 0 ? pp->a : pp->nb == 0 ? pp->b : NULL;
    if (sp)
        tool_die(TOOL_EDATA, "%s: no ion of %s is ranged as %s, so the pair %s has no data; "
                 "check -p and the range windows of %s", ranges_path, recon_path, sp, pp->name, sp);
    if (!strcmp(pp->a, pp->b) && pp->na < 2)
        tool_die(TOOL_EDATA, "%s: only one ion of %s is ranged as %s: no %s pairs can form; "
                 "check -p and the range windows of %s", ranges_path, recon_path, pp->a, pp->name, pp->a);
}

/* First index with z[i] >= v in a sorted array. */
static size_t lower(const float *z, size_t n, double v)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t m = lo + (hi - lo) / 2;
        if ((double)z[m] < v) lo = m + 1;
        else hi = m;
    }
    return lo;
}

/* Output name: pattern with %p replaced by the pair name. */
/* --composition: per-voxel atom counts of every element of the range file
 * (molecular ions contribute their atoms), TSV, voxels with atoms only. */
static void write_composition(const char *path, const csro_grid *g, const csro_ranges *rg, const int32_t *ion,
                              const float *x, const float *y, const float *z, size_t n, const tool_prov *pv)
{
    size_t ne = csro_ranges_nelements(rg), nv = csro_grid_count(g);
    uint32_t *cnt = calloc(nv * (ne ? ne : 1), sizeof *cnt);
    float *ex = malloc(n * sizeof *ex), *ey = malloc(n * sizeof *ey), *ez = malloc(n * sizeof *ez);
    if (!cnt || !ex || !ey || !ez) tool_die(TOOL_EDATA, "out of memory");
    for (size_t e = 0; e < ne; e++) {
        size_t m = 0;
        for (size_t i = 0; i < n; i++) {
            int k = ion[i] < 0 ? 0 : csro_ranges_ion_element_count(rg, (size_t)ion[i], e);
            for (int r = 0; r < k; r++) {
                if (m == n) { /* more atoms than ions (molecular ions): flush */
                    int rc = csro_grid_count_points(g, ex, ey, ez, m, 0, nv, cnt + e * nv);
                    if (rc) tool_fail(rc);
                    m = 0;
                }
                ex[m] = x[i]; ey[m] = y[i]; ez[m] = z[i]; m++;
            }
        }
        int rc = csro_grid_count_points(g, ex, ey, ez, m, 0, nv, cnt + e * nv);
        if (rc) tool_fail(rc);
    }
    FILE *f = tool_out_open(path);
    prov_comments(pv, f);
    fprintf(f, "index\tx_nm\ty_nm\tz_nm\tatoms");
    for (size_t e = 0; e < ne; e++) fprintf(f, "\t%s", csro_ranges_element(rg, e));
    fputc('\n', f);
    for (size_t v = 0; v < nv; v++) {
        uint64_t tot = 0;
        for (size_t e = 0; e < ne; e++) tot += cnt[e * nv + v];
        if (!tot) continue;
        double c[3];
        csro_grid_center(g, v, c);
        fprintf(f, "%zu\t%.4f\t%.4f\t%.4f\t%llu", v, c[0], c[1], c[2], (unsigned long long)tot);
        for (size_t e = 0; e < ne; e++) fprintf(f, "\t%u", cnt[e * nv + v]);
        fputc('\n', f);
    }
    free(cnt); free(ex); free(ey); free(ez);
}

static char *out_name(const char *pat, const char *pairname)
{
    size_t n = strlen(pat) + 1, k = strlen(pairname);
    for (const char *s = strstr(pat, "%p"); s; s = strstr(s + 2, "%p")) n += k;
    char *o = malloc(n), *d = o;
    if (!o) tool_die(TOOL_EDATA, "out of memory");
    for (const char *s = pat; *s;) {
        if (s[0] == '%' && s[1] == 'p') { memcpy(d, pairname, k); d += k; s += 2; }
        else *d++ = *s++;
    }
    *d = 0;
    return o;
}

static pair pairs[MAX_PAIRS];
static size_t npairs;

static void abort_all(void)
{
    for (size_t p = 0; p < npairs; p++) {
        csro_zsdm_writer_abort(pairs[p].w);
        pairs[p].w = NULL;
    }
}

static _Noreturn void fail(int rc)
{
    abort_all();
    tool_fail(rc);
}

/* Large jobs: say the work and memory before starting (#14 item 14). */
static void announce_size(const size_t dims[3], size_t nbins, size_t np, size_t slab)
{
    double nvox = (double)dims[0] * (double)dims[1] * (double)dims[2];
    if (tool_quiet() || nvox < 1e7) return;
    double row = (double)nbins * 4 + 16, slab_mb = (double)slab * (double)dims[0] * (double)dims[1] * (row + 13) / 1e6;
    fprintf(stderr, "%s: %zu x %zu x %zu = %.3g voxels x %zu pair(s): up to %.3g GB of profiles before "
            "compression, %.0f MB of memory per slab\n", tool_name(), dims[0], dims[1], dims[2], nvox, np,
            nvox * row * (double)np / 1e9, slab_mb);
}

typedef struct {
    const char *ranges_path, *out, *recon_path, *comp_path;
    double voxel, stride, roi[6], crop[2], dir[3], radius, binw;
    int have_roi, have_crop, have_dir, shape, flags, random, infmt, pre, threads, skip_empty;
    long slab;
    uint64_t seed;
} args;

static void add_pair(const char *s)
{
    if (npairs == MAX_PAIRS) tool_usage_error("at most %d pairs", MAX_PAIRS);
    pair *p = &pairs[npairs++];
    tool_pair("--pair", s, 1, p->a, p->b);
    size_t la = strlen(p->a);
    memcpy(p->name, p->a, la);
    p->name[la] = '-';
    strcpy(p->name + la + 1, p->b);
}

static void parse_args(int argc, char **argv, args *A)
{
    enum { O_VOXEL = 256, O_STRIDE, O_ROI, O_SHAPE, O_RADIUS, O_BINW, O_CROP, O_DIR, O_DECOMP,
           O_RANDOM, O_COUNTS, O_PRE, O_SLAB, O_SKIP, O_COMP };
    static const struct option lo[] = {
        {"ranges", required_argument, 0, 'r'}, {"pair", required_argument, 0, 'p'},
        {"output", required_argument, 0, 'o'}, {"voxel", required_argument, 0, O_VOXEL},
        {"stride", required_argument, 0, O_STRIDE}, {"roi", required_argument, 0, O_ROI},
        {"input-format", required_argument, 0, 'i'}, {"composition", required_argument, 0, O_COMP},
        {"shape", required_argument, 0, O_SHAPE}, {"radius", required_argument, 0, O_RADIUS},
        {"bin-width", required_argument, 0, O_BINW}, {"crop", required_argument, 0, O_CROP},
        {"direction", required_argument, 0, O_DIR}, {"decompose", no_argument, 0, O_DECOMP},
        {"random-labels", required_argument, 0, O_RANDOM}, {"counts", no_argument, 0, O_COUNTS},
        {"preprocess", required_argument, 0, O_PRE}, {"slab", required_argument, 0, O_SLAB},
        {"threads", required_argument, 0, 'j'}, {"skip-empty", no_argument, 0, O_SKIP}, {0, 0, 0, 0}};
    *A = (args){ .voxel = 1.0, .stride = 0.5, .radius = NAN, .binw = NAN, .shape = CSRO_VOXEL_SPHERE,
                 .pre = CSRO_PRE_RAW, .out = "-" };
    int c;
    while ((c = tool_getopt(argc, argv, "r:p:o:i:j:", lo)) != -1) {
        switch (c) {
        case 'r': A->ranges_path = optarg; break;
        case 'p': add_pair(optarg); break;
        case 'o': A->out = optarg; break;
        case O_VOXEL: A->voxel = tool_double("--voxel", optarg); break;
        case O_STRIDE: A->stride = tool_double("--stride", optarg); break;
        case O_ROI: tool_doubles("--roi", optarg, A->roi, 6); A->have_roi = 1; break;
        case O_COMP: A->comp_path = optarg; break;
        case 'i': A->infmt = tool_recon_format("--input-format", optarg); break;
        case O_SHAPE:
            A->shape = tool_choice("--shape", optarg, "sphere|cube") ? CSRO_VOXEL_CUBE : CSRO_VOXEL_SPHERE;
            break;
        case O_RADIUS: A->radius = tool_double("--radius", optarg); break;
        case O_BINW: A->binw = tool_double("--bin-width", optarg); break;
        case O_CROP: tool_doubles("--crop", optarg, A->crop, 2); A->have_crop = 1; break;
        case O_DIR: tool_doubles("--direction", optarg, A->dir, 3); A->have_dir = 1; break;
        case O_DECOMP: A->flags |= CSRO_SPECIES_DECOMPOSE; break;
        case O_RANDOM: A->seed = tool_u64("--random-labels", optarg); A->random = 1; break;
        case O_COUNTS: A->pre = CSRO_PRE_RAW; break;
        case O_PRE: A->pre = tool_preprocess("--preprocess", optarg); break;
        case O_SLAB: A->slab = tool_long("--slab", optarg, 1, 1000000); break;
        case 'j': A->threads = (int)tool_long("--threads", optarg, 0, 4096); break;
        case O_SKIP: A->skip_empty = 1; break;
        }
    }
    if (optind + 1 != argc) tool_usage_error("expected one reconstruction file (- for stdin)");
    A->recon_path = argv[optind];
    if (!A->ranges_path) tool_usage_error("a range file is required (-r FILE)");
    if (!npairs) tool_usage_error("at least one species pair is required (-p A-B)");
    if (npairs > 1 && !strstr(A->out, "%p"))
        tool_usage_error("with %zu pairs the output name must contain %%p (e.g. -o vox-%%p.zsdm)", npairs);
    if (!(A->stride > 0)) tool_usage_error("--stride: %g must be > 0", A->stride);
    if (!(A->voxel > 0)) tool_usage_error("--voxel: %g must be > 0", A->voxel);
    for (size_t p = 0; p < npairs; p++) {
        pairs[p].out = out_name(A->out, pairs[p].name);
        for (size_t q = 0; q < p; q++)
            if (strcmp(pairs[p].out, "-") && !strcmp(pairs[p].out, pairs[q].out))
                tool_usage_error("pairs %s and %s would both be written to %s", pairs[q].name, pairs[p].name, pairs[p].out);
    }
    tool_refuse_tty(pairs[0].out);
    for (size_t p = 0; p < npairs; p++) tool_out_ext("-o", pairs[p].out, "zsdm", "a .zsdm file");
    tool_out_ext("--composition", A->comp_path, NULL, "a TSV table");
    tool_input_as(A->recon_path, TOOL_IN_RECON);
    tool_input_as(A->ranges_path, TOOL_IN_RANGES);
}

static csro_sdm_opts *plan_sdm(const args *A)
{
    csro_sdm_opts *so = csro_sdm_opts_new();
    if (!so) tool_die(TOOL_EDATA, "out of memory");
    int rc = csro_sdm_opts_set_bins(so, isnan(A->radius) ? csro_sdm_opts_radius(so) : A->radius,
                                    isnan(A->binw) ? csro_sdm_opts_bin_width(so) : A->binw);
    if (!rc && A->have_crop) rc = csro_sdm_opts_set_crop(so, A->crop[0], A->crop[1]);
    if (!rc && A->have_dir) rc = csro_sdm_opts_set_direction(so, A->dir[0], A->dir[1], A->dir[2]);
    if (rc) tool_usage_error("%s", csro_last_error());
    const size_t nbins = csro_sdm_opts_nbins(so);
    if (!nbins) tool_usage_error("the crop keeps no z-SDM bins");
    if (A->pre == CSRO_PRE_EXPERIMENTAL && nbins < 15)
        tool_usage_error("--preprocess experimental needs at least 15 bins, the options give %zu", nbins);
    return so;
}

/* Range file, reconstruction and the ion type of every ion. */
static csro_recon *load_inputs(const args *A, csro_ranges **rg, int32_t **ion)
{
    int rc;
    if ((rc = csro_ranges_load(rg, A->ranges_path, NULL))) tool_fail(rc);
    check_species_known(*rg, pairs, npairs, A->flags);
    csro_recon *rec;
    csro_load_opts *lopts = csro_load_opts_new();
    if (!lopts) tool_die(TOOL_EDATA, "out of memory");
    if (A->infmt > 0) csro_load_opts_set_format(lopts, A->infmt);
    csro_load_opts_set_progress(lopts, tool_progress, NULL);
    tool_progress_label("reading the reconstruction");
    rc = csro_recon_load(&rec, A->recon_path, lopts);
    csro_load_opts_free(lopts);
    tool_progress_done();
    if (rc) tool_fail(rc);
    if (A->random && (rc = csro_recon_shuffle_mass(rec, A->seed))) tool_fail(rc);
    size_t n = csro_recon_count(rec);
    if (!n) tool_die(TOOL_EDATA, "%s: the reconstruction has no ions", A->recon_path);
    if (!(*ion = malloc(n * sizeof **ion))) tool_die(TOOL_EDATA, "out of memory");
    if ((rc = csro_ranges_assign(*rg, csro_recon_mass(rec), n, *ion))) tool_fail(rc);
    return rec;
}

static csro_grid *plan_grid(const args *A, const csro_recon *rec)
{
    double glo[3], ghi[3];
    int rc;
    if (A->have_roi) {
        for (int a = 0; a < 3; a++) { glo[a] = A->roi[a]; ghi[a] = A->roi[3 + a]; }
    } else if ((rc = csro_recon_bounds(rec, glo, ghi))) {
        tool_fail(rc);
    }
    csro_grid *g;
    if ((rc = csro_grid_new(&g, glo, ghi, A->voxel, A->stride, A->shape))) {
        if (A->have_roi) tool_usage_error("%s", csro_last_error());
        tool_die(TOOL_EDATA, "%s: %s", A->recon_path, csro_last_error());
    }
    return g;
}

/* Estimate the memory of one layer of voxels (the smallest slab) and of
 * the composition map before allocating, so that a huge ROI is refused
 * with what to change instead of failing with "out of memory". */
static void check_size(const args *A, const csro_sdm_opts *so, const csro_grid *g, const csro_ranges *rg)
{
    size_t dims[3];
    csro_grid_dims(g, dims);
    double layer = (double)dims[0] * (double)dims[1], nv = layer * (double)dims[2];
    double need = layer * ((double)csro_sdm_opts_nbins(so) * sizeof(float) + 1 + 4 + 8);
    if (A->comp_path) {
        double comp = nv * (double)(csro_ranges_nelements(rg) ? csro_ranges_nelements(rg) : 1) * 4;
        if (comp > need) need = comp;
    }
    long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);
    double have = pages > 0 && psz > 0 ? (double)pages * (double)psz : 16e9;
    if (need > have / 2 || nv > 1e15)
        tool_die(TOOL_EUSAGE, "too many voxels: the ROI gives %zu x %zu x %zu = %.3g voxels of stride %g nm, "
                 "which need %.3g GB at once (this machine has %.3g GB); use a smaller --roi or a larger --stride",
                 dims[0], dims[1], dims[2], nv, csro_grid_stride(g), need / 1e9, have / 1e9);
}

static void select_pairs(const args *A, const csro_ranges *rg, const int32_t *ion, const csro_recon *rec)
{
    const float *x = csro_recon_x(rec), *y = csro_recon_y(rec), *z = csro_recon_z(rec);
    size_t n = csro_recon_count(rec);
    for (size_t p = 0; p < npairs; p++) {
        pair *pp = &pairs[p];
        select_species(rg, pp->a, A->flags, ion, x, y, z, n, &pp->ax, &pp->ay, &pp->az, &pp->na);
        if (!strcmp(pp->a, pp->b)) {
            pp->bx = pp->ax; pp->by = pp->ay; pp->bz = pp->az; pp->nb = pp->na;
        } else {
            select_species(rg, pp->b, A->flags, ion, x, y, z, n, &pp->bx, &pp->by, &pp->bz, &pp->nb);
        }
        check_species_atoms(pp, A->ranges_path, A->recon_path);
    }
}

static void open_writers(const args *A, const csro_sdm_opts *so, const csro_grid *g, const tool_prov *pv)
{
    int rc;
    for (size_t p = 0; p < npairs; p++) {
        csro_zsdm_meta *m = csro_zsdm_meta_new(CSRO_ZSDM_VOXELS);
        if (!m) fail(CSRO_ENOMEM);
        char num[64];
        if ((rc = csro_zsdm_meta_set_sdm(m, so)) || (rc = csro_zsdm_meta_set_pair(m, pairs[p].a, pairs[p].b)) ||
            (rc = csro_zsdm_meta_set_grid(m, g)) || (rc = csro_zsdm_meta_set_preprocess(m, A->pre)) ||
            (rc = csro_zsdm_meta_set_text(m, "tool", "apt-voxelize")) ||
            (rc = csro_zsdm_meta_set_text(m, "library_version", csro_version())) ||
            (rc = csro_zsdm_meta_set_text(m, "recon", A->recon_path)) ||
            (rc = csro_zsdm_meta_set_text(m, "ranges", A->ranges_path)) ||
            (rc = csro_zsdm_meta_set_text(m, "species_decompose", (A->flags & CSRO_SPECIES_DECOMPOSE) ? "1" : "0")))
            fail(rc);
        snprintf(num, sizeof num, "%zu", pairs[p].na);
        if ((rc = csro_zsdm_meta_set_text(m, "atoms_a", num))) fail(rc);
        snprintf(num, sizeof num, "%zu", pairs[p].nb);
        if ((rc = csro_zsdm_meta_set_text(m, "atoms_b", num))) fail(rc);
        if (A->skip_empty && (rc = csro_zsdm_meta_set_text(m, "rows", "voxels with data only"))) fail(rc);
        if (A->random) {
            snprintf(num, sizeof num, "%llu", (unsigned long long)A->seed);
            if ((rc = csro_zsdm_meta_set_text(m, "random_labels_seed", num))) fail(rc);
        }
        prov_texts(pv, m);
        rc = csro_zsdm_writer_open(&pairs[p].w, tool_out_lib(pairs[p].out), m);
        csro_zsdm_meta_free(m);
        if (rc) fail(rc);
    }
}

/* Inputs and every parameter as used (after defaults) for the provenance. */
static void record(tool_prov *pv, const args *A, const csro_sdm_opts *so, const csro_grid *g)
{
    prov_input(pv, "recon", A->recon_path);
    prov_input(pv, "ranges", A->ranges_path);
    char list[1024];
    size_t k = 0;
    for (size_t p = 0; p < npairs && k < sizeof list; p++)
        k += (size_t)snprintf(list + k, sizeof list - k, "%s%s", p ? " " : "", pairs[p].name);
    prov_param(pv, "pairs", "%s", list);
    double lo[3], hi[3], dir[3];
    csro_grid_lo(g, lo);
    csro_grid_hi(g, hi);
    prov_param(pv, "roi_nm", "%.9g,%.9g,%.9g,%.9g,%.9g,%.9g", lo[0], lo[1], lo[2], hi[0], hi[1], hi[2]);
    prov_param(pv, "voxel_nm", "%.10g", csro_grid_voxel(g));
    prov_param(pv, "stride_nm", "%.10g", csro_grid_stride(g));
    prov_param(pv, "shape", "%s", csro_grid_shape(g) == CSRO_VOXEL_CUBE ? "cube" : "sphere");
    prov_param(pv, "radius_nm", "%.10g", csro_sdm_opts_radius(so));
    prov_param(pv, "bin_width_nm", "%.10g", csro_sdm_opts_bin_width(so));
    size_t nb = csro_sdm_opts_nbins(so);
    prov_param(pv, "bins", "%zu", nb);
    if (nb) prov_param(pv, "first_bin_left_nm", "%.10g", csro_sdm_opts_bin_left(so, 0));
    csro_sdm_opts_direction(so, dir);
    prov_param(pv, "direction", "%.10g,%.10g,%.10g", dir[0], dir[1], dir[2]);
    prov_param(pv, "preprocess", "%s", tool_preprocess_name(A->pre));
    prov_param(pv, "decompose", "%d", (A->flags & CSRO_SPECIES_DECOMPOSE) ? 1 : 0);
    if (A->random) prov_param(pv, "random_labels_seed", "%llu", (unsigned long long)A->seed);
    prov_param(pv, "skip_empty", "%d", A->skip_empty);
    prov_param(pv, "threads", "%d", A->threads);
}

/* Rows with data to the front; returns their count. */
static size_t compact(float *prof, uint64_t *idx, uint32_t *fl, size_t nvox, size_t nbins)
{
    size_t nw = 0;
    for (size_t v = 0; v < nvox; v++) {
        if (fl[v] & CSRO_ROW_NODATA) continue;
        if (nw != v) {
            memcpy(prof + nw * nbins, prof + v * nbins, nbins * sizeof *prof);
            idx[nw] = idx[v];
            fl[nw] = fl[v];
        }
        nw++;
    }
    return nw;
}

/* The z-SDM of every voxel, slab of voxel layers by slab, every pair. */
static void run_slabs(const args *A, const csro_sdm_opts *so, const csro_grid *g)
{
    const size_t nbins = csro_sdm_opts_nbins(so);
    size_t dims[3];
    csro_grid_dims(g, dims);
    const size_t layer = dims[0] * dims[1];
    long slab = A->slab;
    if (!slab) { /* about 16 MiB of profiles per slab */
        size_t per = layer * nbins * sizeof(float);
        slab = (long)((16u << 20) / (per ? per : 1));
        if (slab < 1) slab = 1;
    }
    if ((size_t)slab > dims[2]) slab = (long)dims[2];
    announce_size(dims, nbins, npairs, (size_t)slab);
    const size_t maxvox = (size_t)slab * layer;
    float *prof = malloc(maxvox * nbins * sizeof *prof);
    uint8_t *nodata = malloc(maxvox);
    uint32_t *fl = malloc(maxvox * sizeof *fl);
    uint64_t *idx = malloc(maxvox * sizeof *idx);
    if (!prof || !nodata || !fl || !idx) { abort_all(); tool_die(TOOL_EDATA, "out of memory"); }
    const size_t nslabs = (dims[2] + (size_t)slab - 1) / (size_t)slab;
    char label[96];
    snprintf(label, sizeof label, "z-SDM of %zu voxels, %zu pair%s", csro_grid_count(g), npairs, npairs > 1 ? "s" : "");
    tool_progress_label(label);
    int rc;
    for (size_t s = 0; s < nslabs; s++) {
        size_t k0 = s * (size_t)slab, k1 = k0 + (size_t)slab < dims[2] ? k0 + (size_t)slab : dims[2];
        size_t first = k0 * layer, nvox = (k1 - k0) * layer;
        double zr[2]; /* atoms in this z range can belong to the slab's voxels */
        if ((rc = csro_sdm_voxels_zrange(g, first, nvox, zr))) fail(rc);
        double zlo = zr[0], zhi = nextafter(zr[1], INFINITY);
        for (size_t p = 0; p < npairs; p++) {
            pair *pp = &pairs[p];
            for (size_t v = 0; v < nvox; v++) idx[v] = first + v;
            size_t a0 = lower(pp->az, pp->na, zlo), a1 = lower(pp->az, pp->na, zhi);
            size_t b0 = lower(pp->bz, pp->nb, zlo), b1 = lower(pp->bz, pp->nb, zhi);
            rc = csro_sdm_voxels(so, g, pp->ax + a0, pp->ay + a0, pp->az + a0, a1 - a0,
                                 pp->bx + b0, pp->by + b0, pp->bz + b0, b1 - b0,
                                 first, nvox, prof, NULL, nodata, A->threads, NULL, NULL);
            if (rc) fail(rc);
            for (size_t v = 0; v < nvox; v++) fl[v] = nodata[v] ? CSRO_ROW_NODATA : 0;
            if (A->pre != CSRO_PRE_RAW) {
                if ((rc = csro_preprocess_rows(NULL, A->pre, prof, prof, nvox, nbins, fl, A->threads))) fail(rc);
                for (size_t v = 0; v < nvox; v++)
                    if (nodata[v]) fl[v] |= CSRO_ROW_NODATA;
            }
            size_t nw = A->skip_empty ? compact(prof, idx, fl, nvox, nbins) : nvox;
            if ((rc = csro_zsdm_writer_write(pp->w, nw, prof, idx, NULL, fl, NULL))) fail(rc);
            tool_progress((double)(s * npairs + p + 1) / (double)(nslabs * npairs), NULL);
        }
    }
    tool_progress_done();
    free(prof); free(nodata); free(fl); free(idx);
}

int main(int argc, char **argv)
{
    tool_init("apt-voxelize", usage);
    tool_prov *pv = prov_new(argc, argv); /* before getopt permutes argv */
    args A;
    parse_args(argc, argv, &A);
    csro_sdm_opts *so = plan_sdm(&A);
    csro_ranges *rg;
    int32_t *ion;
    csro_recon *rec = load_inputs(&A, &rg, &ion);
    csro_grid *g = plan_grid(&A, rec);
    check_size(&A, so, g, rg);
    record(pv, &A, so, g);
    if (A.comp_path)
        write_composition(A.comp_path, g, rg, ion, csro_recon_x(rec), csro_recon_y(rec), csro_recon_z(rec),
                          csro_recon_count(rec), pv);
    select_pairs(&A, rg, ion, rec);
    free(ion);
    open_writers(&A, so, g, pv);   /* only now: every input has been checked */
    run_slabs(&A, so, g);
    int rc;
    for (size_t p = 0; p < npairs; p++) {
        rc = csro_zsdm_writer_close(pairs[p].w);
        pairs[p].w = NULL;
        if (rc) fail(rc);
    }
    tool_commit();
    for (size_t p = 0; p < npairs; p++) {
        pair *pp = &pairs[p];
        if (pp->bx != pp->ax) { free(pp->bx); free(pp->by); free(pp->bz); }
        free(pp->ax); free(pp->ay); free(pp->az);
        free(pp->out);
    }
    csro_grid_free(g);
    csro_recon_free(rec);
    csro_ranges_free(rg);
    csro_sdm_opts_free(so);
    prov_free(pv);
    return 0;
}
