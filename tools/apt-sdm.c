/* apt-sdm: whole-ROI z-SDM (TSV) and 2D / 3D SDM images (TIFF) of a
 * species pair, to see the lattice planes before voxelizing. */
#include "common.h"
#include "provenance.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(void)
{
    printf("Usage: %s [options] RECON RANGES\n"
           "Whole-ROI spatial distribution maps of a species pair (A -> B).\n"
           "  -p, --pair A-B         species pair (element, ion or list each, as ranges;\n"
           "                         required); A alone means A-A\n"
           "  -a, --species-a SPEC   alias: species A;  -b, --species-b SPEC: species B\n"
           "  -o, --output FILE      1D z-SDM as TSV (default stdout; '-' = stdout)\n"
           "      --full             TSV over all bins of [-R, R), not only the crop\n"
           "      --image FILE.tif   2D SDM (rows dz, columns dx; float32 counts)\n"
           "      --image3d FILE.tif 3D SDM (one page per dz slice; float32 counts)\n"
           "      --bins3d N         bins per axis of the 3D SDM (default 60)\n"
           "      --roi X0,Y0,Z0,X1,Y1,Z1  keep atoms inside this box (nm)\n"
           "      --radius R         pair radius in nm (default 1.5)\n"
           "      --bin-width W      bin width in nm (default 0.015)\n"
           "      --crop LO,HI       kept bin left edges in nm (default -0.7,0.7)\n"
           "      --direction U,V,W  analysis direction (default 0,0,1)\n"
           "  -j, --threads N        threads (0 = all cores, default)\n"
           "  -q, --quiet            no progress bar\n"
           "  -h, --help, -V, --version\n", tool_name());
}

typedef struct { float *x, *y, *z; size_t n; } pts;

static void select_species(const csro_recon *rc, const csro_ranges *rg, const char *spec,
                           const double *roi, pts *p)
{
    size_t ni = csro_ranges_nions(rg), n = csro_recon_count(rc);
    int *w = calloc(ni ? ni : 1, sizeof *w);
    int32_t *ion = malloc((n ? n : 1) * sizeof *ion);
    if (!w || !ion) tool_die(1, "out of memory");
    int e = csro_ranges_species_weights(rg, spec, 0, w, ni ? ni : 1);
    if (e) tool_fail(e);
    const float *x = csro_recon_x(rc), *y = csro_recon_y(rc), *z = csro_recon_z(rc);
    if ((e = csro_ranges_assign(rg, csro_recon_mass(rc), n, ion))) tool_fail(e);
    p->x = malloc((n ? n : 1) * 4); p->y = malloc((n ? n : 1) * 4); p->z = malloc((n ? n : 1) * 4);
    if (!p->x || !p->y || !p->z) tool_die(1, "out of memory");
    p->n = 0;
    for (size_t i = 0; i < n; i++) {
        if (ion[i] < 0 || w[ion[i]] < 1) continue;
        if (roi && !(x[i] >= roi[0] && y[i] >= roi[1] && z[i] >= roi[2] &&
                     x[i] <= roi[3] && y[i] <= roi[4] && z[i] <= roi[5])) continue;
        p->x[p->n] = x[i]; p->y[p->n] = y[i]; p->z[p->n] = z[i];
        p->n++;
    }
    free(w);
    free(ion);
}

typedef struct {
    char sa[TOOL_SPECIES_MAX], sb[TOOL_SPECIES_MAX];
    const char *out, *img, *img3, *recon, *ranges;
    int full, threads, have_roi, have_crop, have_dir;
    long bins3;
    double roi[6], crop[2], dir[3], radius, width;
} args;

static void parse_args(int argc, char **argv, args *A)
{
    enum { O_FULL = 256, O_IMAGE, O_IMAGE3D, O_BINS3D, O_ROI, O_RADIUS, O_WIDTH, O_CROP, O_DIR };
    static const struct option lo[] = {
        {"pair", required_argument, 0, 'p'},
        {"species-a", required_argument, 0, 'a'}, {"species-b", required_argument, 0, 'b'},
        {"output", required_argument, 0, 'o'}, {"full", no_argument, 0, O_FULL},
        {"image", required_argument, 0, O_IMAGE}, {"image3d", required_argument, 0, O_IMAGE3D},
        {"bins3d", required_argument, 0, O_BINS3D}, {"roi", required_argument, 0, O_ROI},
        {"radius", required_argument, 0, O_RADIUS}, {"bin-width", required_argument, 0, O_WIDTH},
        {"crop", required_argument, 0, O_CROP}, {"direction", required_argument, 0, O_DIR},
        {"threads", required_argument, 0, 'j'}, {0, 0, 0, 0}};
    *A = (args){ .out = "-", .bins3 = 60 };
    int c;
    while ((c = tool_getopt(argc, argv, "p:a:b:o:j:", lo)) != -1) {
        switch (c) {
        case 'p': tool_pair("--pair", optarg, 1, A->sa, A->sb); break;
        case 'a': case 'b':
            if (strlen(optarg) >= TOOL_SPECIES_MAX || !*optarg)
                tool_usage_error("--species-%c: '%s' is not a species", c, optarg);
            strcpy(c == 'a' ? A->sa : A->sb, optarg);
            break;
        case 'o': A->out = optarg; break;
        case O_FULL: A->full = 1; break;
        case O_IMAGE: A->img = optarg; break;
        case O_IMAGE3D: A->img3 = optarg; break;
        case O_BINS3D: A->bins3 = tool_long("--bins3d", optarg, 1, 256); break;
        case O_ROI: tool_doubles("--roi", optarg, A->roi, 6); A->have_roi = 1; break;
        case O_RADIUS: A->radius = tool_double("--radius", optarg); break;
        case O_WIDTH: A->width = tool_double("--bin-width", optarg); break;
        case O_CROP: tool_doubles("--crop", optarg, A->crop, 2); A->have_crop = 1; break;
        case O_DIR: tool_doubles("--direction", optarg, A->dir, 3); A->have_dir = 1; break;
        case 'j': A->threads = (int)tool_long("--threads", optarg, 0, 1024); break;
        }
    }
    if (argc - optind != 2) tool_usage_error("expected RECON and RANGES");
    if (!A->sa[0]) tool_usage_error("--pair A-B is required");
    if (!A->sb[0]) strcpy(A->sb, A->sa);
    A->recon = argv[optind];
    A->ranges = argv[optind + 1];
    int to_stdout = !strcmp(A->out, "-");
    if ((A->img && !strcmp(A->img, "-") && (to_stdout || (A->img3 && !strcmp(A->img3, "-")))) ||
        (A->img3 && !strcmp(A->img3, "-") && to_stdout))
        tool_usage_error("only one output can go to stdout (use -o FILE)");
    if (A->have_roi && !(A->roi[0] < A->roi[3] && A->roi[1] < A->roi[4] && A->roi[2] < A->roi[5]))
        tool_usage_error("--roi: the box is empty");
    if (A->img) tool_refuse_tty(A->img);
    if (A->img3) tool_refuse_tty(A->img3);
    tool_out_ext("--image", A->img, "tif|tiff", "a TIFF image");
    tool_out_ext("--image3d", A->img3, "tif|tiff", "a TIFF stack");
    tool_out_ext("-o", A->out, NULL, "a TSV table");
    tool_input_as(A->recon, TOOL_IN_RECON);
    tool_input_as(A->ranges, TOOL_IN_RANGES);
}

static csro_sdm_opts *plan(const args *A)
{
    csro_sdm_opts *o = csro_sdm_opts_new();
    if (!o) tool_die(1, "out of memory");
    int e = 0;
    if ((e = csro_sdm_opts_set_bins(o, A->radius != 0 ? A->radius : csro_sdm_opts_radius(o),
                                    A->width != 0 ? A->width : csro_sdm_opts_bin_width(o))))
        tool_die(2, "%s", csro_last_error());
    if (A->have_crop && (e = csro_sdm_opts_set_crop(o, A->crop[0], A->crop[1]))) tool_die(2, "%s", csro_last_error());
    if (A->have_dir && (e = csro_sdm_opts_set_direction(o, A->dir[0], A->dir[1], A->dir[2]))) tool_die(2, "%s", csro_last_error());
    if (!A->full && csro_sdm_opts_nbins(o) == 0) tool_die(2, "--crop keeps no bins");
    return o;
}

/* Counts as a float32 TIFF written by the library. */
static void write_tiff(const char *path, const uint64_t *h, size_t nx, size_t ny, size_t nz, const tool_prov *pv)
{
    size_t n = nx * ny * nz;
    float *f = malloc(n * sizeof *f);
    if (!f) tool_die(1, "out of memory");
    for (size_t i = 0; i < n; i++) f[i] = (float)h[i];
    char *info = prov_text(pv);
    int e = csro_sdm_tiff_write_info(tool_out_lib(path), f, CSRO_SDM_TIFF_FLOAT32, nx, ny, nz, info);
    if (e) tool_fail(e);
    free(info);
    free(f);
}

static void write_tsv(const args *A, const csro_sdm_opts *o, const uint64_t *prof, size_t na, size_t nb,
                      const tool_prov *pv)
{
    FILE *fp = tool_out_open(A->out);
    double R = csro_sdm_opts_radius(o), w = csro_sdm_opts_bin_width(o);
    size_t nf = csro_sdm_opts_nfull(o);
    size_t k0 = A->full ? 0 : csro_sdm_opts_first_bin(o), k1 = A->full ? nf : k0 + csro_sdm_opts_nbins(o);
    fprintf(fp, "# apt-sdm %s: A %s (%zu atoms), B %s (%zu atoms), R %g nm, bin %g nm, direction %g,%g,%g\n",
            csro_version(), A->sa, na, A->sb, nb, R, w, A->have_dir ? A->dir[0] : 0.0,
            A->have_dir ? A->dir[1] : 0.0, A->have_dir ? A->dir[2] : 1.0);
    prov_comments(pv, fp);
    fprintf(fp, "bin_left_nm\tcount\n");
    for (size_t k = k0; k < k1; k++)
        fprintf(fp, "%.6f\t%llu\n", -R + (double)k * w, (unsigned long long)prof[k]);
}

int main(int argc, char **argv)
{
    tool_init("apt-sdm", usage);
    tool_prov *pv = prov_new(argc, argv); /* before getopt permutes argv */
    args A;
    parse_args(argc, argv, &A);
    csro_sdm_opts *o = plan(&A);
    prov_input(pv, "recon", A.recon);
    prov_input(pv, "ranges", A.ranges);
    prov_param(pv, "pair", "%s-%s", A.sa, A.sb);
    prov_param(pv, "radius_nm", "%.10g", csro_sdm_opts_radius(o));
    prov_param(pv, "bin_width_nm", "%.10g", csro_sdm_opts_bin_width(o));
    double u[3];
    csro_sdm_opts_direction(o, u);
    prov_param(pv, "direction", "%.10g,%.10g,%.10g", u[0], u[1], u[2]);
    if (A.have_roi)
        prov_param(pv, "roi_nm", "%.9g,%.9g,%.9g,%.9g,%.9g,%.9g", A.roi[0], A.roi[1], A.roi[2], A.roi[3], A.roi[4], A.roi[5]);
    prov_param(pv, "full", "%d", A.full);

    csro_recon *rc;
    int e;
    if ((e = csro_recon_load(&rc, A.recon, NULL))) tool_fail(e);
    csro_ranges *rg;
    if ((e = csro_ranges_load(&rg, A.ranges, NULL))) tool_fail(e);
    pts a, b;
    const double *roi = A.have_roi ? A.roi : NULL;
    select_species(rc, rg, A.sa, roi, &a);
    int same = !strcmp(A.sa, A.sb);
    if (same) b = a;
    else select_species(rc, rg, A.sb, roi, &b);
    csro_recon_free(rc);
    csro_ranges_free(rg);
    tool_note("%s: %zu atoms of %s, %zu of %s\n", tool_name(), a.n, A.sa, b.n, A.sb);

    size_t nf = csro_sdm_opts_nfull(o);
    uint64_t *h2 = malloc(nf * nf * sizeof *h2), *prof = malloc(nf * sizeof *prof);
    if (!h2 || !prof) tool_die(1, "out of memory");
    e = csro_sdm_2d(o, a.x, a.y, a.z, a.n, b.x, b.y, b.z, b.n, h2, prof, nf, A.threads, tool_progress, NULL);
    tool_progress_done();
    if (e) tool_fail(e);
    if (A.img) write_tiff(A.img, h2, nf, nf, 1, pv);
    if (A.img3) {
        size_t n = (size_t)A.bins3;
        uint64_t *h3 = malloc(n * n * n * sizeof *h3);
        if (!h3) tool_die(1, "out of memory");
        e = csro_sdm_3d(o, a.x, a.y, a.z, a.n, b.x, b.y, b.z, b.n, h3, n, A.threads, tool_progress, NULL);
        tool_progress_done();
        if (e) tool_fail(e);
        write_tiff(A.img3, h3, n, n, n, pv);
        free(h3);
    }
    write_tsv(&A, o, prof, a.n, b.n, pv);
    tool_commit();

    free(h2); free(prof);
    free(a.x); free(a.y); free(a.z);
    if (!same) { free(b.x); free(b.y); free(b.z); }
    csro_sdm_opts_free(o);
    prov_free(pv);
    return 0;
}
