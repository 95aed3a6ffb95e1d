/* csro-map: 3D CSRO map (sub-cell probability map) of a .prob file as a
 * float32 TIFF stack, plus optional VTK, quick-look, uncertainty and mask. */
#include "common.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(void)
{
    printf("Usage: csro-map [OPTION]... IN.prob [PART.prob]... -o MAP.tif\n"
           "3D CSRO map of one class of a .prob file (csro-classify output): each\n"
           "stride-sized sub-cell gets the sum (or mean) of the probabilities of the\n"
           "voxels that contain it; written as an ImageJ-compatible float32 TIFF stack.\n"
           "Several inputs: the parts of one grid (apt-voxelize --part K/N), merged.\n\n"
           "  -o, --output FILE       TIFF stack of the map (required; '-' = stdout)\n"
           "  -c, --class NAME|INDEX  class to map (default: the 2nd of a 2-class file)\n"
           "      --mode sum|mean     sub-cell value (default sum: [0, r^3], the\n"
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
}

typedef struct {
    const char *out, *cls, *vtk, *proj, *unc, *maskp, *in;
    const char *const *ins; /* nin inputs: the part files of one grid */
    size_t nin;
    int mode;
    double thr;
} args;

static void parse_args(int argc, char **argv, args *A)
{
    enum { O_MODE = 256, O_VTK, O_PROJ, O_UNC, O_MASK };
    static const struct option lo[] = {
        {"output", 1, 0, 'o'}, {"class", 1, 0, 'c'}, {"mode", 1, 0, O_MODE}, {"vtk", 1, 0, O_VTK},
        {"projection", 1, 0, O_PROJ}, {"uncertainty", 1, 0, O_UNC}, {"mask", 1, 0, O_MASK},
        {"threshold", 1, 0, 't'}, {0, 0, 0, 0}};
    *A = (args){ .mode = CSRO_PROBMAP_SUM, .thr = NAN };
    int c;
    while ((c = tool_getopt(argc, argv, "o:c:t:", lo)) != -1) {
        switch (c) {
        case 'o': A->out = optarg; break;
        case 'c': A->cls = optarg; break;
        case O_MODE: A->mode = tool_map_mode("--mode", optarg); break;
        case O_VTK: A->vtk = optarg; break;
        case O_PROJ: A->proj = optarg; break;
        case O_UNC: A->unc = optarg; break;
        case O_MASK: A->maskp = optarg; break;
        case 't': A->thr = tool_double("--threshold", optarg); break;
        }
    }
    if (optind >= argc) tool_usage_error("expected an input .prob file (or the part files of one grid)");
    if (!A->out) tool_usage_error("missing -o MAP.tif");
    if (!isnan(A->thr) && !A->maskp) tool_usage_error("--threshold needs --mask FILE");
    const char *outs[5] = {A->out, A->vtk, A->proj, A->unc, A->maskp};
    int nstdout = 0;
    for (int i = 0; i < 5; i++) nstdout += outs[i] && !strcmp(outs[i], "-");
    if (nstdout > 1) tool_usage_error("only one output can go to stdout");
    for (int i = 0; i < 5; i++) tool_refuse_tty(outs[i]);
    A->in = argv[optind];
    A->ins = (const char *const *)argv + optind;
    A->nin = (size_t)(argc - optind);
    for (size_t i = 0; i < A->nin; i++) tool_input(A->ins[i]);
}

static void write_mask(const args *A, const csro_probmap *m, const uint8_t *mask)
{
    size_t n = csro_probmap_count(m), dims[3];
    csro_probmap_dims(m, dims);
    float *mv = malloc((n ? n : 1) * sizeof *mv);
    if (!mv) tool_die(TOOL_EDATA, "out of memory");
    for (size_t i = 0; i < n; i++) mv[i] = mask[i];
    char ml[160];
    snprintf(ml, sizeof ml, "%s > %g", csro_probmap_label(m), A->thr);
    int rc = csro_tiff_write_volume(tool_out_lib(A->maskp), mv, dims, csro_probmap_spacing(m), ml);
    free(mv);
    if (rc) tool_fail(rc);
}

static void summary(const args *A, const csro_probmap *m, size_t nsel)
{
    size_t n = csro_probmap_count(m), dims[3];
    csro_probmap_dims(m, dims);
    const float *d = csro_probmap_data(m);
    size_t valid = 0;
    double mx = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(d[i])) { valid++; if (d[i] > mx) mx = d[i]; }
    fprintf(stderr, "csro-map: %s: %zu x %zu x %zu sub-cells of %g nm (%zu with data), %s of %g voxels each, max %g",
            csro_probmap_label(m), dims[0], dims[1], dims[2], csro_probmap_spacing(m), valid,
            A->mode == CSRO_PROBMAP_SUM ? "sum" : "mean", csro_probmap_max_value(m), mx);
    if (A->maskp) fprintf(stderr, "; %zu above %g (%.4g%%)", nsel, A->thr, valid ? 100.0 * nsel / valid : 0.0);
    fputc('\n', stderr);
}

int main(int argc, char **argv)
{
    tool_init("csro-map", usage);
    args A;
    parse_args(argc, argv, &A);
    csro_probmap *m;
    int rc = csro_probmap_load_parts(&m, A.ins, A.nin, A.cls, CSRO_PROBMAP_MEANS, A.mode);
    if (rc) tool_fail(rc);
    if (isnan(A.thr)) A.thr = A.mode == CSRO_PROBMAP_SUM ? 3.75 : 3.75 / 8;
    size_t n = csro_probmap_count(m), nsel = 0;
    uint8_t *mask = NULL;
    if (A.maskp) {
        mask = malloc(n ? n : 1);
        if (!mask) tool_die(TOOL_EDATA, "out of memory");
        if ((rc = csro_probmap_threshold(m, A.thr, INFINITY, mask, n, &nsel))) tool_fail(rc);
    }
    const char *label = csro_probmap_label(m);
    if ((rc = csro_probmap_write_tiff(m, tool_out_lib(A.out), label))) tool_fail(rc);
    if (A.vtk && (rc = csro_probmap_write_vtk(m, tool_out_lib(A.vtk), label))) tool_fail(rc);
    if (A.proj && (rc = csro_probmap_write_quicklook(m, tool_out_lib(A.proj)))) tool_fail(rc);
    if (A.maskp) write_mask(&A, m, mask);
    if (A.unc) {
        csro_probmap *u;
        if ((rc = csro_probmap_load_parts(&u, A.ins, A.nin, A.cls, CSRO_PROBMAP_STDS, CSRO_PROBMAP_MEAN))) tool_fail(rc);
        rc = csro_probmap_write_tiff(u, tool_out_lib(A.unc), csro_probmap_label(u));
        csro_probmap_free(u);
        if (rc) tool_fail(rc);
    }
    tool_commit();
    if (!tool_quiet()) summary(&A, m, nsel);
    free(mask);
    csro_probmap_free(m);
    return 0;
}
