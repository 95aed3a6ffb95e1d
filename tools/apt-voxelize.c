/* apt-voxelize: z-SDM profiles of every voxel of a reconstruction for one
 * or more species pairs, written as .zsdm files. The reconstruction is
 * streamed and the voxels computed slab by slab along z (memory set by the
 * slab, not by the ion count); --part K/N computes one run of layers. */
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
           "      --slab N           voxel layers per slab (default: about 16 MiB of\n"
           "                         profiles; memory is set by the slab)\n"
           "      --part K/N         only the K-th of N equal runs of voxel layers along z\n"
           "                         (same grid; csro-map, csro-extract and csro-stats merge\n"
           "                         the classified parts)\n"
           "      --compress L       zlib level 0-9 of the output (default 0: stored)\n"
           "  -j, --threads N        worker threads (0 = all cores, default)\n"
           "  -q, --quiet            no progress\n"
           "  -h, --help, -V, --version\n\n"
           "Exit status: 0 ok, 1 bad data or I/O, 2 usage.\n");
}

typedef struct {
    char a[TOOL_SPECIES_MAX], b[TOOL_SPECIES_MAX], name[2 * TOOL_SPECIES_MAX + 1], *out;
    size_t sa, sb;   /* species sets of A and B (zstore) */
    csro_zsdm_writer *w;
} pair;

/* ---- streamed input ----
 * The reconstruction is read in chunks (csro_recon_stream): a first pass
 * finds the bounding box, a second routes the atoms of every species set
 * that the voxels of this run (or part) can reach into temporary bucket
 * files by z; each slab of voxel layers then loads only its buckets. Memory
 * is set by the slab, not by the ion count. */
#define MAX_SETS (2 * MAX_PAIRS)
#define NBUCKETS 1000        /* at most; about one per BUCKET_IONS ions */
#define BUCKET_IONS 500000
#define CHUNK 65536
#define LOAD_ATOMS 1000000   /* atoms loaded (and sorted by z) at a time, about */
typedef struct { float x, y, z; uint32_t set; } atomrec;
typedef struct { float *x, *y, *z; size_t n, cap; } atoms;

typedef struct {
    char *spec[MAX_SETS];
    int *wt[MAX_SETS];      /* per range-file ion: > 0 selects */
    size_t nsets;
    FILE *bucket[NBUCKETS];
    uint64_t count[NBUCKETS], total[MAX_SETS];
    uint64_t nset[NBUCKETS][MAX_SETS]; /* count by set */
    size_t nb;
    double z0, bw;          /* bucket k holds z in [z0 + k bw, z0 + (k+1) bw) */
    atoms set[MAX_SETS];    /* buckets [lb0, lb1] loaded, each set sorted by z */
    size_t lb0, lb1;
    int loaded;
    atomrec *rec;           /* load buffer */
    size_t reccap;
} zstore;

static size_t set_of(zstore *zs, const csro_ranges *rg, const char *spec, int flags)
{
    for (size_t k = 0; k < zs->nsets; k++)
        if (!strcmp(zs->spec[k], spec)) return k;
    size_t k = zs->nsets++, ni = csro_ranges_nions(rg);
    zs->spec[k] = (char *)spec;
    if (!(zs->wt[k] = calloc(ni ? ni : 1, sizeof *zs->wt[k]))) tool_die(TOOL_EDATA, "out of memory");
    int rc = csro_ranges_species_weights(rg, spec, flags, zs->wt[k], ni);
    if (rc) tool_fail(rc);
    return k;
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
 * no pairs at all: said before the voxels are computed. na, nb: the
 * species' atoms in the whole reconstruction. */
static void check_species_atoms(const pair *pp, uint64_t na, uint64_t nb, const char *ranges_path,
                                const char *recon_path)
{
    const char *sp = na == 0 ? pp->a : nb == 0 ? pp->b : NULL;
    if (sp)
        tool_die(TOOL_EDATA, "%s: no ion of %s is ranged as %s, so the pair %s has no data; "
                 "check -p and the range windows of %s", ranges_path, recon_path, sp, pp->name, sp);
    if (!strcmp(pp->a, pp->b) && na < 2)
        tool_die(TOOL_EDATA, "%s: only one ion of %s is ranged as %s: no %s pairs can form; "
                 "check -p and the range windows of %s", ranges_path, recon_path, pp->a, pp->name, pp->a);
}

/* Atoms and window edges go through the same double arithmetic (monotone
 * in z), so an atom with zlo <= z < zhi is in buckets [bucket_of(zlo),
 * bucket_of(zhi)]. */
static size_t bucket_of(const zstore *zs, double z)
{
    double b = floor((z - zs->z0) / zs->bw);
    return b < 0 ? 0 : b >= (double)zs->nb ? zs->nb - 1 : (size_t)b;
}

/* An unlinked temporary file in $TMPDIR (default /tmp). */
static FILE *spill_file(void)
{
    const char *d = getenv("TMPDIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/apt-voxelize.XXXXXX", d && *d ? d : "/tmp");
    int fd = mkstemp(path);
    FILE *f = fd < 0 ? NULL : fdopen(fd, "w+b");
    if (!f) tool_die(TOOL_EDATA, "%s: cannot create a temporary file (set TMPDIR)", path);
    unlink(path);
    return f;
}

/* Progress of a pass over the stream: done of its ions read. */
static void pass_progress(const csro_recon_stream *st, uint64_t done)
{
    uint64_t all = csro_recon_stream_count(st);
    if (all) tool_progress((double)done / (double)all, NULL);
}

/* Pass 1: bounding box of every ion (as csro_recon_bounds). */
static void stream_bounds(csro_recon_stream *st, const char *path, double lo[3], double hi[3])
{
    float *buf = malloc(4 * CHUNK * sizeof *buf);
    if (!buf) tool_die(TOOL_EDATA, "out of memory");
    float *x = buf, *y = buf + CHUNK, *z = buf + 2 * CHUNK, *m = buf + 3 * CHUNK;
    float mn[3] = {INFINITY, INFINITY, INFINITY}, mx[3] = {-INFINITY, -INFINITY, -INFINITY};
    size_t n, tot = 0;
    int rc;
    while (!(rc = csro_recon_stream_read(st, CHUNK, x, y, z, m, &n)) && n) {
        const float *c[3] = {x, y, z};
        for (int a = 0; a < 3; a++)
            for (size_t i = 0; i < n; i++) {
                mn[a] = c[a][i] < mn[a] ? c[a][i] : mn[a];
                mx[a] = c[a][i] > mx[a] ? c[a][i] : mx[a];
            }
        tot += n;
        pass_progress(st, tot);
    }
    free(buf);
    if (rc) tool_fail(rc);
    tool_progress_done();
    if (!tot) tool_die(TOOL_EDATA, "%s: the reconstruction has no ions", path);
    for (int a = 0; a < 3; a++) { lo[a] = mn[a]; hi[a] = mx[a]; }
    if ((rc = csro_recon_stream_rewind(st))) tool_fail(rc);
}

/* Pass 2: atoms with z in [zlo, zhi) of every set into the buckets; the
 * composition counts (comp != NULL: nv x nelements) on the way. */
static uint64_t stream_buckets(csro_recon_stream *st, const csro_ranges *rg, zstore *zs, double zlo, double zhi,
                               const csro_grid *g, uint32_t *comp)
{
    float *buf = malloc(4 * CHUNK * sizeof *buf);
    int32_t *ion = malloc(CHUNK * sizeof *ion);
    atomrec *rec = malloc(CHUNK * sizeof *rec);
    size_t ne = csro_ranges_nelements(rg), nv = csro_grid_count(g), n;
    float *ex = comp ? malloc(4 * CHUNK * sizeof *ex) : NULL;
    if (!buf || !ion || !rec || (comp && !ex)) tool_die(TOOL_EDATA, "out of memory");
    float *x = buf, *y = buf + CHUNK, *z = buf + 2 * CHUNK, *m = buf + 3 * CHUNK;
    uint64_t tot = 0;
    int rc;
    while (!(rc = csro_recon_stream_read(st, CHUNK, x, y, z, m, &n)) && n) {
        tot += n;
        pass_progress(st, tot);
        if ((rc = csro_ranges_assign(rg, m, n, ion))) tool_fail(rc);
        for (size_t s = 0; s < zs->nsets; s++) {
            const int *wt = zs->wt[s];
            size_t k = 0, all = 0;
            for (size_t i = 0; i < n; i++) {
                if (!(ion[i] >= 0 && wt[ion[i]] > 0)) continue;
                all++;
                if (z[i] >= zlo && z[i] < zhi) rec[k++] = (atomrec){x[i], y[i], z[i], (uint32_t)s};
            }
            for (size_t i = 0; i < k; i++) {
                size_t b = bucket_of(zs, (double)rec[i].z);
                if (fwrite_unlocked(&rec[i], sizeof rec[i], 1, zs->bucket[b]) != 1)
                    tool_die(TOOL_EDATA, "cannot write a temporary file (disk full? set TMPDIR)");
                zs->count[b]++;
                zs->nset[b][s]++;
            }
            zs->total[s] += all; /* every atom of the set, as the header's atoms_a/b */
        }
        /* molecular ions contribute their atoms: at most 4 per ion here,
         * in blocks (the counts add up) */
        for (size_t e = 0; comp && e < ne; e++) {
            float *ey = ex + CHUNK, *ez = ex + 2 * CHUNK;
            size_t k = 0;
            for (size_t i = 0; i < n; i++) {
                int c = ion[i] < 0 ? 0 : csro_ranges_ion_element_count(rg, (size_t)ion[i], e);
                for (int r = 0; r < c; r++) {
                    if (k == CHUNK) {
                        if ((rc = csro_grid_count_points(g, ex, ey, ez, k, 0, nv, comp + e * nv))) tool_fail(rc);
                        k = 0;
                    }
                    ex[k] = x[i]; ey[k] = y[i]; ez[k] = z[i]; k++;
                }
            }
            if ((rc = csro_grid_count_points(g, ex, ey, ez, k, 0, nv, comp + e * nv))) tool_fail(rc);
        }
    }
    if (rc) tool_fail(rc);
    tool_progress_done();
    for (size_t b = 0; b < zs->nb; b++)
        if (fflush(zs->bucket[b])) tool_die(TOOL_EDATA, "cannot write a temporary file (disk full? set TMPDIR)");
    free(buf); free(ion); free(rec); free(ex);
    return tot;
}

static int cmp_rec(const void *p, const void *q)
{
    const atomrec *a = p, *b = q;
    if (a->set != b->set) return a->set < b->set ? -1 : 1;
    return a->z < b->z ? -1 : a->z > b->z;
}

/* Buckets covering [zlo, zhi) in memory, each set sorted by z: loaded from
 * the first of them on, as many as about LOAD_ATOMS allow, so that
 * consecutive slabs find their atoms already there. */
static void ensure_loaded(zstore *zs, double zlo, double zhi)
{
    size_t b0 = bucket_of(zs, zlo), b1 = bucket_of(zs, zhi);
    if (zs->loaded && zs->lb0 <= b0 && b1 <= zs->lb1) return;
    uint64_t n = 0;
    for (size_t b = b0; b <= b1; b++) n += zs->count[b];
    while (b1 + 1 < zs->nb && n + zs->count[b1 + 1] <= LOAD_ATOMS) n += zs->count[++b1];
    if (n > zs->reccap) {
        free(zs->rec);
        zs->reccap = (size_t)n;
        if (!(zs->rec = malloc(zs->reccap * sizeof *zs->rec))) tool_die(TOOL_EDATA, "out of memory");
    }
    size_t k = 0;
    for (size_t b = b0; b <= b1; b++) {
        FILE *f = zs->bucket[b];
        if (!zs->count[b]) continue;
        if (fseeko(f, 0, SEEK_SET) || fread(zs->rec + k, sizeof *zs->rec, zs->count[b], f) != zs->count[b])
            tool_die(TOOL_EDATA, "cannot read a temporary file");
        k += zs->count[b];
    }
    qsort(zs->rec, k, sizeof *zs->rec, cmp_rec);
    for (size_t s = 0; s < zs->nsets; s++) {
        atoms *a = &zs->set[s];
        uint64_t m = 0;
        for (size_t b = b0; b <= b1; b++) m += zs->nset[b][s];
        if (m > a->cap) {
            free(a->x); free(a->y); free(a->z);
            a->cap = (size_t)m;
            a->x = malloc(a->cap * sizeof *a->x);
            a->y = malloc(a->cap * sizeof *a->y);
            a->z = malloc(a->cap * sizeof *a->z);
            if (!a->x || !a->y || !a->z) tool_die(TOOL_EDATA, "out of memory");
        }
        a->n = 0;
    }
    for (size_t i = 0; i < k; i++) {
        atoms *a = &zs->set[zs->rec[i].set];
        a->x[a->n] = zs->rec[i].x; a->y[a->n] = zs->rec[i].y; a->z[a->n] = zs->rec[i].z; a->n++;
    }
    zs->lb0 = b0;
    zs->lb1 = b1;
    zs->loaded = 1;
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


/* --composition: per-voxel atom counts of every element of the range file
 * (molecular ions contribute their atoms), TSV, voxels with atoms only. */
static void write_composition(const char *path, const csro_grid *g, const csro_ranges *rg, const uint32_t *cnt,
                              const tool_prov *pv)
{
    size_t ne = csro_ranges_nelements(rg), nv = csro_grid_count(g);
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
}

/* Output name: pattern with %p replaced by the pair name. */
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
    int part_k, part_n, level; /* --part K/N, --compress L */
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
           O_RANDOM, O_COUNTS, O_PRE, O_SLAB, O_SKIP, O_COMP, O_PART, O_LEVEL };
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
        {"threads", required_argument, 0, 'j'}, {"skip-empty", no_argument, 0, O_SKIP},
        {"part", required_argument, 0, O_PART}, {"compress", required_argument, 0, O_LEVEL}, {0, 0, 0, 0}};
    *A = (args){ .voxel = 1.0, .stride = 0.5, .radius = NAN, .binw = NAN, .shape = CSRO_VOXEL_SPHERE,
                 .pre = CSRO_PRE_RAW, .out = "-", .part_k = 1, .part_n = 1 };
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
        case O_PART: {
            char *end;
            long k = strtol(optarg, &end, 10), n = *end == '/' ? strtol(end + 1, &end, 10) : 0;
            if (*end || k < 1 || n < 1 || k > n || n > 100000)
                tool_usage_error("--part: '%s' is not K/N with 1 <= K <= N", optarg);
            A->part_k = (int)k;
            A->part_n = (int)n;
            break;
        }
        case O_LEVEL: A->level = (int)tool_long("--compress", optarg, 0, 9); break;
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

/* Range file, and the reconstruction as a stream (--random-labels: loaded
 * once, shuffled and streamed from a temporary POS file). */
static csro_recon_stream *open_inputs(const args *A, csro_ranges **rg)
{
    int rc;
    if ((rc = csro_ranges_load(rg, A->ranges_path, NULL))) tool_fail(rc);
    check_species_known(*rg, pairs, npairs, A->flags);
    csro_load_opts *lopts = csro_load_opts_new();
    if (!lopts) tool_die(TOOL_EDATA, "out of memory");
    if (A->infmt > 0) csro_load_opts_set_format(lopts, A->infmt);
    const char *path = A->recon_path;
    char shuffled[4096] = "";
    if (A->random) {
        csro_recon *rec;
        csro_load_opts_set_progress(lopts, tool_progress, NULL);
        tool_progress_label("reading the reconstruction");
        rc = csro_recon_load(&rec, A->recon_path, lopts);
        tool_progress_done();
        if (rc || (rc = csro_recon_shuffle_mass(rec, A->seed))) tool_fail(rc);
        const char *d = getenv("TMPDIR");
        snprintf(shuffled, sizeof shuffled, "%s/apt-voxelize.XXXXXX", d && *d ? d : "/tmp");
        int fd = mkstemp(shuffled);
        if (fd < 0) tool_die(TOOL_EDATA, "%s: cannot create a temporary file (set TMPDIR)", shuffled);
        close(fd);
        if ((rc = csro_recon_save(rec, shuffled, CSRO_FMT_POS))) { unlink(shuffled); tool_fail(rc); }
        csro_recon_free(rec);
        csro_load_opts_set_format(lopts, CSRO_FMT_POS);
        path = shuffled;
    }
    csro_recon_stream *st;
    rc = csro_recon_stream_open(&st, path, lopts);
    if (*shuffled) unlink(shuffled);
    csro_load_opts_free(lopts);
    if (rc) tool_fail(rc);
    return st;
}

static csro_grid *plan_grid(const args *A, csro_recon_stream *st)
{
    double glo[3], ghi[3];
    int rc;
    if (A->have_roi) {
        for (int a = 0; a < 3; a++) { glo[a] = A->roi[a]; ghi[a] = A->roi[3 + a]; }
    } else {
        tool_progress_label("reading the reconstruction");
        stream_bounds(st, A->recon_path, glo, ghi);
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

/* This run's voxel layers [*k0, *k1) (part K of N) and the z range their
 * atoms can come from. */
static void plan_part(const args *A, const csro_grid *g, size_t *k0, size_t *k1, double z[2])
{
    size_t dims[3];
    csro_grid_dims(g, dims);
    *k0 = dims[2] * (size_t)(A->part_k - 1) / (size_t)A->part_n;
    *k1 = dims[2] * (size_t)A->part_k / (size_t)A->part_n;
    if (*k0 == *k1)
        tool_die(TOOL_EDATA, "%s: part %d/%d holds no voxel layer (the grid has %zu); use fewer parts",
                 A->recon_path, A->part_k, A->part_n, dims[2]);
    /* atoms in [z[0], z[1]) can belong to the part's voxels */
    size_t layer = dims[0] * dims[1];
    int rc = csro_sdm_voxels_zrange(g, *k0 * layer, (*k1 - *k0) * layer, z);
    if (rc) tool_fail(rc);
    z[1] = nextafter(z[1], INFINITY);
}

/* Species sets, then the atoms this run can reach into z buckets (and the
 * composition counts); every pair's species checked. */
static zstore *select_pairs(const args *A, const csro_ranges *rg, csro_recon_stream *st, const csro_grid *g,
                            const double z[2], size_t nlayers,
                            const tool_prov *pv)
{
    zstore *zs = calloc(1, sizeof *zs);
    if (!zs) tool_die(TOOL_EDATA, "out of memory");
    for (size_t p = 0; p < npairs; p++) {
        pairs[p].sa = set_of(zs, rg, pairs[p].a, A->flags);
        pairs[p].sb = set_of(zs, rg, pairs[p].b, A->flags);
    }
    uint64_t nb = csro_recon_stream_count(st) / BUCKET_IONS + 1; /* about BUCKET_IONS ions each */
    if (nb > NBUCKETS) nb = NBUCKETS;
    zs->nb = nlayers < nb ? nlayers : (size_t)nb;
    zs->z0 = z[0];
    zs->bw = (z[1] - z[0]) / (double)zs->nb;
    for (size_t b = 0; b < zs->nb; b++) zs->bucket[b] = spill_file();
    size_t ne = csro_ranges_nelements(rg);
    uint32_t *comp = NULL;
    if (A->comp_path && !(comp = calloc(csro_grid_count(g) * (ne ? ne : 1), sizeof *comp)))
        tool_die(TOOL_EDATA, "out of memory");
    tool_progress_label("selecting the atoms in reach");
    uint64_t nions = stream_buckets(st, rg, zs, z[0], z[1], g, comp);
    if (!nions) tool_die(TOOL_EDATA, "%s: the reconstruction has no ions", A->recon_path);
    if (comp) { write_composition(A->comp_path, g, rg, comp, pv); free(comp); }
    for (size_t p = 0; p < npairs; p++)
        check_species_atoms(&pairs[p], zs->total[pairs[p].sa], zs->total[pairs[p].sb], A->ranges_path, A->recon_path);
    return zs;
}

static void open_writers(const args *A, const csro_sdm_opts *so, const csro_grid *g, const zstore *zs,
                         const tool_prov *pv)
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
        snprintf(num, sizeof num, "%llu", (unsigned long long)zs->total[pairs[p].sa]);
        if ((rc = csro_zsdm_meta_set_text(m, "atoms_a", num))) fail(rc);
        snprintf(num, sizeof num, "%llu", (unsigned long long)zs->total[pairs[p].sb]);
        if ((rc = csro_zsdm_meta_set_text(m, "atoms_b", num))) fail(rc);
        if (A->skip_empty && (rc = csro_zsdm_meta_set_text(m, "rows", "voxels with data only"))) fail(rc);
        if (A->part_n > 1) { /* rows of its run of voxel layers only */
            snprintf(num, sizeof num, "%d/%d", A->part_k, A->part_n);
            if ((rc = csro_zsdm_meta_set_text(m, "part", num))) fail(rc);
        }
        if (A->random) {
            snprintf(num, sizeof num, "%llu", (unsigned long long)A->seed);
            if ((rc = csro_zsdm_meta_set_text(m, "random_labels_seed", num))) fail(rc);
        }
        prov_texts(pv, m);
        rc = csro_zsdm_writer_open(&pairs[p].w, tool_out_lib(pairs[p].out), m);
        csro_zsdm_meta_free(m);
        if (!rc) rc = csro_zsdm_writer_set_compression(pairs[p].w, A->level, A->threads);
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

/* The z-SDM of every voxel of layers [kbeg, kend), slab of voxel layers by
 * slab, every pair; each slab's atoms from the loaded buckets. */
static void run_slabs(const args *A, const csro_sdm_opts *so, const csro_grid *g, zstore *zs, size_t kbeg,
                      size_t kend)
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
    if ((size_t)slab > kend - kbeg) slab = (long)(kend - kbeg);
    size_t pdims[3] = {dims[0], dims[1], kend - kbeg}; /* this run's (part's) layers */
    announce_size(pdims, nbins, npairs, (size_t)slab);
    const size_t maxvox = (size_t)slab * layer;
    float *prof = malloc(maxvox * nbins * sizeof *prof);
    uint8_t *nodata = malloc(maxvox);
    uint32_t *fl = malloc(maxvox * sizeof *fl);
    uint64_t *idx = malloc(maxvox * sizeof *idx);
    if (!prof || !nodata || !fl || !idx) { abort_all(); tool_die(TOOL_EDATA, "out of memory"); }
    char label[96];
    snprintf(label, sizeof label, "z-SDM of %zu voxels, %zu pair%s", (kend - kbeg) * layer, npairs, npairs > 1 ? "s" : "");
    tool_progress_label(label);
    int rc;
    for (size_t k0 = kbeg, k1; k0 < kend; k0 = k1) {
        k1 = k0 + (size_t)slab < kend ? k0 + (size_t)slab : kend;
        size_t first = k0 * layer, nvox = (k1 - k0) * layer;
        double zr[2]; /* atoms in this z range can belong to the slab's voxels */
        if ((rc = csro_sdm_voxels_zrange(g, first, nvox, zr))) fail(rc);
        double zlo = zr[0], zhi = nextafter(zr[1], INFINITY);
        ensure_loaded(zs, zlo, zhi);
        for (size_t p = 0; p < npairs; p++) {
            pair *pp = &pairs[p];
            const atoms *a = &zs->set[pp->sa], *b = &zs->set[pp->sb];
            size_t a0 = lower(a->z, a->n, zlo), a1 = lower(a->z, a->n, zhi);
            size_t b0 = lower(b->z, b->n, zlo), b1 = lower(b->z, b->n, zhi);
            for (size_t v = 0; v < nvox; v++) idx[v] = first + v;
            rc = csro_sdm_voxels(so, g, a->x + a0, a->y + a0, a->z + a0, a1 - a0,
                                 b->x + b0, b->y + b0, b->z + b0, b1 - b0,
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
        }
        tool_progress((double)(k1 - kbeg) / (double)(kend - kbeg), NULL);
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
    csro_recon_stream *st = open_inputs(&A, &rg);
    csro_grid *g = plan_grid(&A, st);
    check_size(&A, so, g, rg);
    size_t kbeg, kend;
    double zr[2];
    plan_part(&A, g, &kbeg, &kend, zr);
    record(pv, &A, so, g);
    zstore *zs = select_pairs(&A, rg, st, g, zr, kend - kbeg, pv);
    csro_recon_stream_close(st);
    open_writers(&A, so, g, zs, pv);   /* only now: every input has been checked */
    run_slabs(&A, so, g, zs, kbeg, kend);
    int rc;
    for (size_t p = 0; p < npairs; p++) {
        rc = csro_zsdm_writer_close(pairs[p].w);
        pairs[p].w = NULL;
        if (rc) fail(rc);
    }
    tool_commit();
    for (size_t p = 0; p < npairs; p++) free(pairs[p].out);
    for (size_t k = 0; k < zs->nsets; k++) { free(zs->wt[k]); free(zs->set[k].x); free(zs->set[k].y); free(zs->set[k].z); }
    for (size_t b = 0; b < zs->nb; b++) fclose(zs->bucket[b]);
    free(zs->rec);
    free(zs);
    csro_grid_free(g);
    csro_ranges_free(rg);
    csro_sdm_opts_free(so);
    prov_free(pv);
    return 0;
}
