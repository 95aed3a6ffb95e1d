/* csro-map: 3D CSRO map (sub-cell probability map) of a .prob file as a
 * float32 TIFF stack, plus optional VTK, quick-look, uncertainty and mask. */
#include "common.h"
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(void)
{
    printf("Usage: csro-map [OPTION]... IN.prob -o MAP.tif\n"
           "3D CSRO map of one class of a .prob file (csro-classify output): each\n"
           "stride-sized sub-cell gets the sum (or mean) of the probabilities of the\n"
           "voxels that contain it; written as an ImageJ-compatible float32 TIFF stack.\n\n"
           "  -o, --output FILE       TIFF stack of the map (required; '-' = stdout)\n"
           "  -c, --class NAME|INDEX  class to map (default: the 2nd of a 2-class file)\n"
           "  -m, --mode sum|mean     sub-cell value (default sum: [0, r^3], the\n"
           "                          reference; mean: [0, 1])\n"
           "      --vtk FILE          also write legacy VTK structured points (ParaView)\n"
           "      --projection FILE   quick look: z maximum projection + 3 slices (TIFF)\n"
           "      --uncertainty FILE  map of the ensemble standard deviation (mean of\n"
           "                          the contributing voxels) as a TIFF stack\n"
           "      --mask FILE         thresholded map (1 selected, 0 not) as a TIFF stack\n"
           "  -t, --threshold T       threshold of --mask (default 3.75 for sum,\n"
           "                          3.75/r^3 for mean); selected: value > T\n"
           "  -q, --quiet             no summary on stderr\n"
           "  -h, --help, -V, --version\n");
    exit(0);
}

int main(int argc, char **argv)
{
    tool_init("csro-map");
    const char *out = NULL, *cls = NULL, *vtk = NULL, *proj = NULL, *unc = NULL, *maskp = NULL;
    int mode = CSRO_PROBMAP_SUM;
    double thr = NAN;
    static const struct option lo[] = {
        {"output", 1, 0, 'o'}, {"class", 1, 0, 'c'}, {"mode", 1, 0, 'm'}, {"vtk", 1, 0, 1},
        {"projection", 1, 0, 2}, {"uncertainty", 1, 0, 3}, {"mask", 1, 0, 4},
        {"threshold", 1, 0, 't'}, {"quiet", 0, 0, 'q'}, {"help", 0, 0, 'h'},
        {"version", 0, 0, 'V'}, {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "o:c:m:t:qhV", lo, NULL)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case 'c': cls = optarg; break;
        case 'm':
            mode = tool_map_mode("--mode", optarg);
            break;
        case 1: vtk = optarg; break;
        case 2: proj = optarg; break;
        case 3: unc = optarg; break;
        case 4: maskp = optarg; break;
        case 't': thr = tool_double("--threshold", optarg); break;
        case 'q': tool_set_quiet(1); break;
        case 'h': usage(); break;
        case 'V': tool_version(); break;
        default: tool_usage_error("unknown option");
        }
    }
    if (optind + 1 != argc) tool_usage_error("expected one input .prob file");
    if (!out) tool_usage_error("missing -o MAP.tif");
    if (!isnan(thr) && !maskp) tool_usage_error("--threshold needs --mask FILE");
    const char *outs[4] = {vtk, proj, unc, maskp};
    int nstdout = !strcmp(out, "-");
    for (int i = 0; i < 4; i++) nstdout += outs[i] && !strcmp(outs[i], "-");
    if (nstdout > 1) tool_usage_error("only one output can go to stdout");
    for (int i = 0; i < 4; i++) tool_refuse_tty(outs[i]);
    tool_refuse_tty(out);
    const char *in = argv[optind];

    csro_probmap *m;
    int rc = csro_probmap_load(&m, in, cls, CSRO_PROBMAP_MEANS, mode);
    if (rc) tool_fail(rc);
    double r3 = csro_probmap_max_value(m);
    if (isnan(thr)) thr = mode == CSRO_PROBMAP_SUM ? 3.75 : 3.75 / 8;
    size_t n = csro_probmap_count(m), nsel = 0, dims[3];
    csro_probmap_dims(m, dims);
    uint8_t *mask = NULL;
    if (maskp) {
        mask = malloc(n ? n : 1);
        if (!mask) tool_die(TOOL_EDATA, "out of memory");
        if ((rc = csro_probmap_threshold(m, thr, INFINITY, mask, n, &nsel))) tool_fail(rc);
    }
    const char *label = csro_probmap_label(m);
    if ((rc = csro_probmap_write_tiff(m, out, label))) tool_fail(rc);
    if (vtk && (rc = csro_probmap_write_vtk(m, vtk, label))) tool_fail(rc);
    if (proj && (rc = csro_probmap_write_quicklook(m, proj))) tool_fail(rc);
    if (maskp) {
        float *mv = malloc((n ? n : 1) * sizeof *mv);
        if (!mv) tool_die(TOOL_EDATA, "out of memory");
        for (size_t i = 0; i < n; i++) mv[i] = mask[i];
        char ml[160];
        snprintf(ml, sizeof ml, "%s > %g", label, thr);
        rc = csro_tiff_write_volume(maskp, mv, dims, csro_probmap_spacing(m), ml);
        free(mv);
        if (rc) tool_fail(rc);
    }
    if (unc) {
        csro_probmap *u;
        if ((rc = csro_probmap_load(&u, in, cls, CSRO_PROBMAP_STDS, CSRO_PROBMAP_MEAN))) tool_fail(rc);
        rc = csro_probmap_write_tiff(u, unc, csro_probmap_label(u));
        csro_probmap_free(u);
        if (rc) tool_fail(rc);
    }
    if (!tool_quiet()) {
        const float *d = csro_probmap_data(m);
        size_t valid = 0;
        double mx = 0;
        for (size_t i = 0; i < n; i++)
            if (!isnan(d[i])) { valid++; if (d[i] > mx) mx = d[i]; }
        fprintf(stderr, "csro-map: %s: %zu x %zu x %zu sub-cells of %g nm (%zu with data), %s of %g voxels each, max %g",
                label, dims[0], dims[1], dims[2], csro_probmap_spacing(m), valid,
                mode == CSRO_PROBMAP_SUM ? "sum" : "mean", r3, mx);
        if (maskp) fprintf(stderr, "; %zu above %g (%.4g%%)", nsel, thr, valid ? 100.0 * nsel / valid : 0.0);
        fputc('\n', stderr);
    }
    free(mask);
    csro_probmap_free(m);
    return 0;
}
