/* apt-sdm: whole-ROI z-SDM (TSV) and 2D / 3D SDM images (TIFF) of a
 * species pair, to see the lattice planes before voxelizing. */
#include "common.h"
#include <errno.h>
#include <getopt.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Noreturn static void usage(void)
{
    printf("Usage: %s [options] RECON RANGES\n"
           "Whole-ROI spatial distribution maps of a species pair (A -> B).\n"
           "  -a, --species-a SPEC   species A (element, ion or list, as ranges; required)\n"
           "  -b, --species-b SPEC   species B (default: A)\n"
           "  -o FILE                1D z-SDM as TSV (default stdout; '-' = stdout)\n"
           "      --full             TSV over all bins of [-R, R), not only the crop\n"
           "      --image FILE.tif   2D SDM (rows dz, columns dx; float32 counts)\n"
           "      --image3d FILE.tif 3D SDM (one page per dz slice; float32 counts)\n"
           "      --bins3d N         bins per axis of the 3D SDM (default 60)\n"
           "      --roi X0,Y0,Z0,X1,Y1,Z1  keep atoms inside this box (nm)\n"
           "      --radius R         pair radius in nm (default 1.5)\n"
           "      --bin-width W      bin width in nm (default 0.015)\n"
           "      --crop LO,HI       kept bin left edges in nm (default -0.7,0.7)\n"
           "      --direction U,V,W  analysis direction (default 0,0,1)\n"
           "      --threads N        threads (0 = all cores, default)\n"
           "      --quiet            no progress bar\n"
           "  -h, --help, --version\n", tool_name());
    exit(0);
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

int main(int argc, char **argv)
{
    tool_init("apt-sdm");
    enum { O_FULL = 256, O_IMAGE, O_IMAGE3D, O_BINS3D, O_ROI, O_RADIUS, O_WIDTH, O_CROP, O_DIR,
           O_THREADS, O_QUIET, O_VERSION };
    static const struct option lo[] = {
        {"species-a", required_argument, 0, 'a'}, {"species-b", required_argument, 0, 'b'},
        {"output", required_argument, 0, 'o'}, {"full", no_argument, 0, O_FULL},
        {"image", required_argument, 0, O_IMAGE}, {"image3d", required_argument, 0, O_IMAGE3D},
        {"bins3d", required_argument, 0, O_BINS3D}, {"roi", required_argument, 0, O_ROI},
        {"radius", required_argument, 0, O_RADIUS}, {"bin-width", required_argument, 0, O_WIDTH},
        {"crop", required_argument, 0, O_CROP}, {"direction", required_argument, 0, O_DIR},
        {"threads", required_argument, 0, O_THREADS}, {"quiet", no_argument, 0, O_QUIET},
        {"help", no_argument, 0, 'h'}, {"version", no_argument, 0, O_VERSION}, {0, 0, 0, 0}};
    const char *sa = NULL, *sb = NULL, *out = "-", *img = NULL, *img3 = NULL;
    int full = 0, threads = 0, have_roi = 0, have_crop = 0, have_dir = 0;
    long bins3 = 60;
    double roi[6], crop[2], dir[3], radius = 0, width = 0;
    int c;
    while ((c = getopt_long(argc, argv, "a:b:o:h", lo, NULL)) != -1) {
        switch (c) {
        case 'a': sa = optarg; break;
        case 'b': sb = optarg; break;
        case 'o': out = optarg; break;
        case O_FULL: full = 1; break;
        case O_IMAGE: img = optarg; break;
        case O_IMAGE3D: img3 = optarg; break;
        case O_BINS3D: bins3 = tool_long("--bins3d", optarg, 1, 256); break;
        case O_ROI: tool_doubles("--roi", optarg, roi, 6); have_roi = 1; break;
        case O_RADIUS: radius = tool_double("--radius", optarg); break;
        case O_WIDTH: width = tool_double("--bin-width", optarg); break;
        case O_CROP: tool_doubles("--crop", optarg, crop, 2); have_crop = 1; break;
        case O_DIR: tool_doubles("--direction", optarg, dir, 3); have_dir = 1; break;
        case O_THREADS: threads = (int)tool_long("--threads", optarg, 0, 1024); break;
        case O_QUIET: tool_set_quiet(1); break;
        case 'h': usage();
        case O_VERSION: tool_version();
        default: tool_usage_error("unknown option");
        }
    }
    if (argc - optind != 2) tool_usage_error("expected RECON and RANGES");
    if (!sa) tool_usage_error("--species-a is required");
    if (!sb) sb = sa;
    int to_stdout = !strcmp(out, "-");
    if ((img && !strcmp(img, "-") && (to_stdout || (img3 && !strcmp(img3, "-")))) ||
        (img3 && !strcmp(img3, "-") && to_stdout))
        tool_usage_error("only one output can go to stdout (use -o FILE)");
    if (have_roi && !(roi[0] < roi[3] && roi[1] < roi[4] && roi[2] < roi[5]))
        tool_usage_error("--roi: the box is empty");

    csro_sdm_opts *o = csro_sdm_opts_new();
    if (!o) tool_die(1, "out of memory");
    int e = 0;
    if ((e = csro_sdm_opts_set_bins(o, radius != 0 ? radius : csro_sdm_opts_radius(o),
                                    width != 0 ? width : csro_sdm_opts_bin_width(o))))
        tool_die(2, "%s", csro_last_error());
    if (have_crop && (e = csro_sdm_opts_set_crop(o, crop[0], crop[1]))) tool_die(2, "%s", csro_last_error());
    if (have_dir && (e = csro_sdm_opts_set_direction(o, dir[0], dir[1], dir[2]))) tool_die(2, "%s", csro_last_error());
    if (!full && csro_sdm_opts_nbins(o) == 0) tool_die(2, "--crop keeps no bins");

    csro_recon *rc;
    if ((e = csro_recon_load(&rc, argv[optind], NULL))) tool_fail(e);
    csro_ranges *rg;
    if ((e = csro_ranges_load(&rg, argv[optind + 1], NULL))) tool_fail(e);
    pts a, b;
    select_species(rc, rg, sa, have_roi ? roi : NULL, &a);
    int same = !strcmp(sa, sb);
    if (same) b = a;
    else select_species(rc, rg, sb, have_roi ? roi : NULL, &b);
    csro_recon_free(rc);
    csro_ranges_free(rg);
    if (!tool_quiet())
        fprintf(stderr, "%s: %zu atoms of %s, %zu of %s\n", tool_name(), a.n, sa, b.n, sb);

    size_t nf = csro_sdm_opts_nfull(o);
    uint64_t *h2 = malloc(nf * nf * sizeof *h2), *prof = malloc(nf * sizeof *prof);
    if (!h2 || !prof) tool_die(1, "out of memory");
    e = csro_sdm_2d(o, a.x, a.y, a.z, a.n, b.x, b.y, b.z, b.n, h2, prof, nf, threads, tool_progress, NULL);
    tool_progress_done();
    if (e) tool_fail(e);

    if (img) {
        float *f = malloc(nf * nf * sizeof *f);
        if (!f) tool_die(1, "out of memory");
        for (size_t i = 0; i < nf * nf; i++) f[i] = (float)h2[i];
        tool_refuse_tty(img);
        if ((e = csro_sdm_tiff_write(img, f, CSRO_SDM_TIFF_FLOAT32, nf, nf, 1))) tool_fail(e);
        free(f);
    }
    if (img3) {
        size_t n = (size_t)bins3, n3 = n * n * n;
        uint64_t *h3 = malloc(n3 * sizeof *h3);
        float *f = malloc(n3 * sizeof *f);
        if (!h3 || !f) tool_die(1, "out of memory");
        e = csro_sdm_3d(o, a.x, a.y, a.z, a.n, b.x, b.y, b.z, b.n, h3, n, threads, tool_progress, NULL);
        tool_progress_done();
        if (e) tool_fail(e);
        for (size_t i = 0; i < n3; i++) f[i] = (float)h3[i];
        tool_refuse_tty(img3);
        if ((e = csro_sdm_tiff_write(img3, f, CSRO_SDM_TIFF_FLOAT32, n, n, n))) tool_fail(e);
        free(h3);
        free(f);
    }

    /* TSV: stdout, or FILE written through a temporary and renamed */
    char *tmp = NULL;
    FILE *fp = stdout;
    if (strcmp(out, "-")) {
        size_t len = strlen(out) + 32;
        if (!(tmp = malloc(len))) tool_die(1, "out of memory");
        snprintf(tmp, len, "%s.tmp%ld", out, (long)getpid());
        if (!(fp = fopen(tmp, "w"))) tool_die(1, "%s: cannot open for writing: %s", out, strerror(errno));
    }
    double R = csro_sdm_opts_radius(o), w = csro_sdm_opts_bin_width(o);
    size_t k0 = full ? 0 : csro_sdm_opts_first_bin(o), k1 = full ? nf : k0 + csro_sdm_opts_nbins(o);
    fprintf(fp, "# apt-sdm %s: A %s (%zu atoms), B %s (%zu atoms), R %g nm, bin %g nm, direction %g,%g,%g\n",
            csro_version(), sa, a.n, sb, b.n, R, w, have_dir ? dir[0] : 0.0, have_dir ? dir[1] : 0.0,
            have_dir ? dir[2] : 1.0);
    fprintf(fp, "bin_left_nm\tcount\n");
    for (size_t k = k0; k < k1; k++)
        fprintf(fp, "%.6f\t%llu\n", -R + (double)k * w, (unsigned long long)prof[k]);
    if (tmp) {
        int bad = ferror(fp);
        if (fclose(fp) || bad || rename(tmp, out)) {
            remove(tmp);
            tool_die(1, "%s: write failed", out);
        }
        free(tmp);
    } else if (fflush(stdout) || ferror(stdout)) {
        tool_die(1, "-: write failed");
    }

    free(h2); free(prof);
    free(a.x); free(a.y); free(a.z);
    if (!same) { free(b.x); free(b.y); free(b.z); }
    csro_sdm_opts_free(o);
    return 0;
}
