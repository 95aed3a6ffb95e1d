/* zsdm-dump: print a .zsdm file (metadata and rows) as text / TSV. */
#include "common.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void usage(void)
{
    printf("Usage: zsdm-dump [OPTIONS] FILE.zsdm|-\n"
           "Print the metadata of a .zsdm file as '#' comment lines and its rows as\n"
           "tab-separated values (one row per voxel or pattern).\n\n"
           "  -H, --header-only   print the metadata only\n"
           "  -R, --rows-only     print the TSV rows (with their column line) only\n"
           "  -n, --max-rows N    print at most N rows\n"
           "      --centers       add voxel centre columns x y z (voxel files)\n"
           "  -o, --output FILE   write to FILE (default: stdout)\n"
           "  -q, --quiet         no progress output\n"
           "  -h, --help, -V, --version\n\n"
           "Columns: index, label, flags, the per-row parameters, then one column\n"
           "per bin named by its left edge in nm. Exit 0 ok, 1 bad data, 2 usage.\n");
}

/* Text with tabs, newlines and backslashes escaped. */
static void put_text(FILE *fp, const char *s)
{
    for (; *s; s++) {
        if (*s == '\t') fputs("\\t", fp);
        else if (*s == '\n') fputs("\\n", fp);
        else if (*s == '\r') fputs("\\r", fp);
        else if (*s == '\\') fputs("\\\\", fp);
        else fputc(*s, fp);
    }
}

static void print_meta(FILE *fp, const csro_zsdm_meta *m, const char *path)
{
    double lo, hi, u[3];
    fprintf(fp, "# file\t");
    put_text(fp, path);
    fprintf(fp, "\n# kind\t%s\n", csro_zsdm_meta_kind(m) == CSRO_ZSDM_VOXELS ? "voxels" : "bank");
    fprintf(fp, "# nbins\t%zu\n# radius_nm\t%.17g\n# bin_width_nm\t%.17g\n", csro_zsdm_meta_nbins(m),
            csro_zsdm_meta_radius(m), csro_zsdm_meta_bin_width(m));
    if (!csro_zsdm_meta_crop(m, &lo, &hi)) fprintf(fp, "# crop_nm\t%.17g\t%.17g\n", lo, hi);
    fprintf(fp, "# first_bin\t%zu\n", csro_zsdm_meta_first_bin(m));
    if (!csro_zsdm_meta_direction(m, u)) fprintf(fp, "# direction\t%.17g\t%.17g\t%.17g\n", u[0], u[1], u[2]);
    if (csro_zsdm_meta_pair(m, 0)) {
        fprintf(fp, "# pair\t");
        put_text(fp, csro_zsdm_meta_pair(m, 0));
        fputc('\t', fp);
        put_text(fp, csro_zsdm_meta_pair(m, 1));
        fputc('\n', fp);
    }
    const csro_grid *g = csro_zsdm_meta_grid(m);
    if (g) {
        double glo[3], ghi[3];
        size_t d[3];
        csro_grid_lo(g, glo);
        csro_grid_hi(g, ghi);
        csro_grid_dims(g, d);
        fprintf(fp, "# grid_lo_nm\t%.17g\t%.17g\t%.17g\n# grid_hi_nm\t%.17g\t%.17g\t%.17g\n", glo[0], glo[1], glo[2],
                ghi[0], ghi[1], ghi[2]);
        fprintf(fp, "# voxel_nm\t%.17g\n# stride_nm\t%.17g\n# shape\t%s\n# dims\t%zu\t%zu\t%zu\n# voxels\t%zu\n",
                csro_grid_voxel(g), csro_grid_stride(g), csro_grid_shape(g) == CSRO_VOXEL_CUBE ? "cube" : "sphere",
                d[0], d[1], d[2], csro_grid_count(g));
    }
    fprintf(fp, "# preprocess\t%s\n", tool_preprocess_name(csro_zsdm_meta_preprocess(m)));
    for (size_t i = 0; i < csro_zsdm_meta_nclasses(m); i++) {
        fprintf(fp, "# class\t%zu\t", i);
        put_text(fp, csro_zsdm_meta_class(m, i));
        fputc('\n', fp);
    }
    for (size_t i = 0; i < csro_zsdm_meta_nparams(m); i++) {
        fprintf(fp, "# param\t%zu\t", i);
        put_text(fp, csro_zsdm_meta_param(m, i));
        fputc('\n', fp);
    }
    for (size_t i = 0; i < csro_zsdm_meta_ntexts(m); i++) {
        const char *k = csro_zsdm_meta_text_key(m, i);
        fprintf(fp, "# text\t");
        put_text(fp, k);
        fputc('\t', fp);
        put_text(fp, csro_zsdm_meta_text(m, k));
        fputc('\n', fp);
    }
}

/* Column line and rows (at most max_rows). */
static void print_rows(FILE *fp, csro_zsdm_reader *r, int centers, uint64_t max_rows)
{
    const csro_zsdm_meta *m = csro_zsdm_reader_meta(r);
    const csro_grid *g = csro_zsdm_meta_grid(m);
    const size_t nb = csro_zsdm_meta_nbins(m), np = csro_zsdm_meta_nparams(m), chunk = 256;
    fprintf(fp, "index\tlabel\tflags");
    if (centers) fprintf(fp, "\tx\ty\tz");
    for (size_t j = 0; j < np; j++) { fputc('\t', fp); put_text(fp, csro_zsdm_meta_param(m, j)); }
    for (size_t j = 0; j < nb; j++) fprintf(fp, "\t%.6g", csro_zsdm_meta_bin_left(m, j));
    fputc('\n', fp);
    float *prof = malloc(chunk * nb * sizeof *prof), *par = malloc(chunk * (np ? np : 1) * sizeof *par);
    uint64_t idx[256];
    int32_t lab[256];
    uint32_t fl[256];
    if (!prof || !par) tool_die(TOOL_EDATA, "out of memory");
    uint64_t done = 0;
    size_t k;
    int rc;
    while (done < max_rows) {
        size_t want = max_rows - done < chunk ? (size_t)(max_rows - done) : chunk;
        if ((rc = csro_zsdm_reader_read(r, want, prof, idx, lab, fl, par, &k))) tool_fail(rc);
        if (!k) break;
        for (size_t i = 0; i < k; i++) {
            fprintf(fp, "%llu\t%d\t%u", (unsigned long long)idx[i], (int)lab[i], (unsigned)fl[i]);
            if (centers) {
                double cc[3];
                csro_grid_center(g, (size_t)idx[i], cc);
                fprintf(fp, "\t%.9g\t%.9g\t%.9g", cc[0], cc[1], cc[2]);
            }
            for (size_t j = 0; j < np; j++) fprintf(fp, "\t%.9g", par[i * np + j]);
            for (size_t j = 0; j < nb; j++) fprintf(fp, "\t%.9g", prof[i * nb + j]);
            fputc('\n', fp);
        }
        done += k;
    }
    free(prof);
    free(par);
}

int main(int argc, char **argv)
{
    tool_init("zsdm-dump", usage);
    enum { O_CENTERS = 256 };
    static const struct option lo[] = {
        {"header-only", no_argument, 0, 'H'}, {"rows-only", no_argument, 0, 'R'},
        {"max-rows", required_argument, 0, 'n'}, {"centers", no_argument, 0, O_CENTERS},
        {"output", required_argument, 0, 'o'}, {0, 0, 0, 0}};
    int header_only = 0, rows_only = 0, centers = 0, c;
    uint64_t max_rows = UINT64_MAX;
    const char *out = "-";
    while ((c = tool_getopt(argc, argv, "HRn:o:", lo)) != -1) {
        switch (c) {
        case 'H': header_only = 1; break;
        case 'R': rows_only = 1; break;
        case 'n': max_rows = tool_u64("--max-rows", optarg); break;
        case O_CENTERS: centers = 1; break;
        case 'o': out = optarg; break;
        }
    }
    if (header_only && rows_only) tool_usage_error("--header-only and --rows-only exclude each other");
    if (optind + 1 != argc) tool_usage_error("expected one input file (- for stdin)");
    const char *in = argv[optind];
    tool_input_as(in, TOOL_IN_ZSDM);
    tool_out_ext("-o", out, NULL, "text");
    FILE *fp = tool_out_open(out);

    csro_zsdm_reader *r;
    int rc = csro_zsdm_reader_open(&r, in);
    if (rc) tool_fail(rc);
    const csro_zsdm_meta *m = csro_zsdm_reader_meta(r);
    if (centers && !csro_zsdm_meta_grid(m)) tool_die(TOOL_EDATA, "%s: --centers: the file has no grid", in);
    if (!rows_only) print_meta(fp, m, in);
    if (!header_only) print_rows(fp, r, centers, max_rows);
    csro_zsdm_reader_close(r);
    tool_commit();
    return 0;
}
