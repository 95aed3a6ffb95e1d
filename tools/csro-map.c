/* csro-map: 3D CSRO map (sub-cell probability map) of a .prob file as a
 * float32 TIFF stack, plus optional VTK, quick-look, uncertainty and mask. */
#include "common.h"
#include "nexus.h"
#include "provenance.h"
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
           "  -c, --class NAME|INDEX  class to map (default: the rule's class, else the\n"
           "                          2nd of a 2-class file)\n"
           "      --mode sum|mean     sub-cell value (default: the map rule the model\n"
           "                          carries, else sum: [0, r^3], the reference;\n"
           "                          mean: [0, 1])\n"
           "                          (.h5/.nxs: HDF5/NeXus with the map, its uncertainty\n"
           "                          and the mask above -t as 3D datasets)\n"
           "      --vtk FILE          also write legacy VTK structured points (ParaView)\n"
           "      --vti FILE          also write VTK XML ImageData (.vti, ParaView)\n"
           "      --projection FILE   quick look: z maximum projection + 3 slices (TIFF)\n"
           "      --uncertainty FILE  map of the ensemble standard deviation (mean of\n"
           "                          the contributing voxels) as a TIFF stack\n"
           "      --mask FILE         thresholded map (1 selected, 0 not) as a TIFF stack\n"
           "  -t, --threshold T       threshold of --mask (default: the model's calibrated\n"
           "                          threshold, else 3.75 for sum, 3.75/r^3 for mean);\n"
           "                          selected: value > T\n"
           "  -q, --quiet             no summary on stderr\n"
           "  -h, --help, -V, --version\n");
}

typedef struct {
    const char *out, *cls, *vtk, *vti, *proj, *unc, *maskp, *in;
    const char *const *ins; /* nin inputs: the part files of one grid */
    size_t nin;
    int mode;
    double thr;
} args;

static void parse_args(int argc, char **argv, args *A)
{
    enum { O_MODE = 256, O_VTK, O_PROJ, O_UNC, O_MASK, O_VTI };
    static const struct option lo[] = {
        {"output", 1, 0, 'o'}, {"class", 1, 0, 'c'}, {"mode", 1, 0, O_MODE}, {"vtk", 1, 0, O_VTK}, {"vti", 1, 0, O_VTI},
        {"projection", 1, 0, O_PROJ}, {"uncertainty", 1, 0, O_UNC}, {"mask", 1, 0, O_MASK},
        {"threshold", 1, 0, 't'}, {0, 0, 0, 0}};
    *A = (args){ .mode = -1, .thr = NAN };
    int c;
    while ((c = tool_getopt(argc, argv, "o:c:t:", lo)) != -1) {
        switch (c) {
        case 'o': A->out = optarg; break;
        case 'c': A->cls = optarg; break;
        case O_MODE: A->mode = tool_map_mode("--mode", optarg); break;
        case O_VTK: A->vtk = optarg; break;
        case O_VTI: A->vti = optarg; break;
        case O_PROJ: A->proj = optarg; break;
        case O_UNC: A->unc = optarg; break;
        case O_MASK: A->maskp = optarg; break;
        case 't': A->thr = tool_double("--threshold", optarg); break;
        }
    }
    if (optind >= argc) tool_usage_error("expected an input .prob file (or the part files of one grid)");
    if (!A->out) tool_usage_error("missing -o MAP.tif");
    if (!isnan(A->thr) && !A->maskp && !nx_wanted(A->out)) tool_usage_error("--threshold needs --mask FILE or an HDF5 output");
    const char *outs[6] = {A->out, A->vtk, A->proj, A->unc, A->maskp, A->vti};
    int nstdout = 0;
    for (int i = 0; i < 6; i++) nstdout += outs[i] && !strcmp(outs[i], "-");
    if (nstdout > 1) tool_usage_error("only one output can go to stdout");
    for (int i = 0; i < 6; i++) tool_refuse_tty(outs[i]);
    if (nx_wanted(A->out)) nx_check_output("-o", A->out);
    A->in = argv[optind];
    if (!nx_wanted(A->out)) tool_out_ext("-o", A->out, "tif|tiff", "a TIFF stack");
    tool_out_ext("--vtk", A->vtk, "vtk", "legacy VTK");
    tool_out_ext("--projection", A->proj, "tif|tiff", "a TIFF image");
    tool_out_ext("--uncertainty", A->unc, "tif|tiff", "a TIFF stack");
    tool_out_ext("--mask", A->maskp, "tif|tiff", "a TIFF stack");
    A->ins = (const char *const *)argv + optind;
    A->nin = (size_t)(argc - optind);
    for (size_t i = 0; i < A->nin; i++) tool_input_as(A->ins[i], TOOL_IN_PROB);
}

static void write_mask(const args *A, const csro_probmap *m, const uint8_t *mask, const char *info)
{
    size_t n = csro_probmap_count(m), dims[3];
    csro_probmap_dims(m, dims);
    float *mv = malloc((n ? n : 1) * sizeof *mv);
    if (!mv) tool_die(TOOL_EDATA, "out of memory");
    for (size_t i = 0; i < n; i++) mv[i] = mask[i];
    char ml[160];
    snprintf(ml, sizeof ml, "%s > %g", csro_probmap_label(m), A->thr);
    double origin[3];
    csro_probmap_origin(m, origin);
    int rc = csro_tiff_write_volume_info(tool_out_lib(A->maskp), mv, dims, origin, csro_probmap_spacing(m), ml, info);
    free(mv);
    if (rc) tool_fail(rc);
}

/* -o NAME.h5|.nxs: the map, its uncertainty and the mask in one NXdata */
static void write_nexus(const args *A, const csro_probmap *m, const tool_prov *pv)
{
    size_t n = csro_probmap_count(m), dims[3];
    csro_probmap_dims(m, dims);
    double origin[3];
    csro_probmap_origin(m, origin);
    char title[200];
    snprintf(title, sizeof title, "CSRO map: %s (%s of voxel probabilities per sub-cell)", csro_probmap_label(m),
             A->mode == CSRO_PROBMAP_SUM ? "sum" : "mean");
    nx_file *f = nx_create(A->out, pv, title, "map");
    nx_volume(f, "map", "probability", csro_probmap_data(m), dims, origin, csro_probmap_spacing(m), "",
              csro_probmap_label(m));
    csro_probmap *u;
    int rc = csro_probmap_load_parts(&u, A->ins, A->nin, A->cls, CSRO_PROBMAP_STDS, CSRO_PROBMAP_MEAN);
    if (rc) tool_fail(rc);
    nx_volume_add(f, "map", "uncertainty", csro_probmap_data(u), NULL, "",
                  "ensemble standard deviation, mean of the contributing voxels");
    csro_probmap_free(u);
    uint8_t *mask = malloc(n ? n : 1);
    if (!mask) tool_die(TOOL_EDATA, "out of memory");
    if ((rc = csro_probmap_threshold(m, A->thr, INFINITY, mask, n, NULL))) tool_fail(rc);
    char ml[160];
    snprintf(ml, sizeof ml, "%s > %g", csro_probmap_label(m), A->thr);
    nx_volume_add(f, "map", "mask", NULL, mask, NULL, ml);
    nx_attr(f, "map/mask", "threshold", ml);
    free(mask);
    nx_commit(f);
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
    tool_prov *pv = prov_new(argc, argv); /* before getopt permutes argv */
    args A;
    parse_args(argc, argv, &A);
    int rc;
    csro_probmap *m = tool_load_map(A.ins, A.nin, A.cls, A.mode, &A.thr, 3.75 / 8);
    A.mode = csro_probmap_mode(m);
    for (size_t i = 0; i < A.nin; i++) prov_input(pv, "prob", A.ins[i]);
    prov_prob_model(pv, A.in);
    prov_param(pv, "class", "%s", csro_probmap_label(m));
    prov_param(pv, "mode", "%s", A.mode == CSRO_PROBMAP_SUM ? "sum" : "mean");
    prov_param(pv, "threshold", "%.10g", A.thr);
    prov_param(pv, "spacing_nm", "%.10g", csro_probmap_spacing(m));
    char *info = prov_text(pv);
    if ((rc = csro_probmap_set_info(m, info))) tool_fail(rc);
    size_t n = csro_probmap_count(m), nsel = 0;
    uint8_t *mask = NULL;
    if (A.maskp) {
        mask = malloc(n ? n : 1);
        if (!mask) tool_die(TOOL_EDATA, "out of memory");
        if ((rc = csro_probmap_threshold(m, A.thr, INFINITY, mask, n, &nsel))) tool_fail(rc);
    }
    const char *label = csro_probmap_label(m);
    if (nx_wanted(A.out)) write_nexus(&A, m, pv);
    else if ((rc = csro_probmap_write_tiff(m, tool_out_lib(A.out), label))) tool_fail(rc);
    if (A.vti && (rc = csro_probmap_write_vti(m, tool_out_lib(A.vti), label))) tool_fail(rc);
    if (A.vtk && (rc = csro_probmap_write_vtk(m, tool_out_lib(A.vtk), label))) tool_fail(rc);
    if (A.proj && (rc = csro_probmap_write_quicklook(m, tool_out_lib(A.proj)))) tool_fail(rc);
    if (A.maskp) write_mask(&A, m, mask, info);
    if (A.unc) {
        csro_probmap *u;
        if ((rc = csro_probmap_load_parts(&u, A.ins, A.nin, A.cls, CSRO_PROBMAP_STDS, CSRO_PROBMAP_MEAN))) tool_fail(rc);
        rc = csro_probmap_set_info(u, info);
        if (!rc) rc = csro_probmap_write_tiff(u, tool_out_lib(A.unc), csro_probmap_label(u));
        csro_probmap_free(u);
        if (rc) tool_fail(rc);
    }
    tool_commit();
    if (!tool_quiet()) summary(&A, m, nsel);
    free(mask);
    free(info);
    prov_free(pv);
    csro_probmap_free(m);
    return 0;
}
