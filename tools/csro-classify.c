/* csro-classify: run a .csronet ensemble over the z-SDM profiles of a .zsdm
 * file (or TSV rows) and write per-row class probabilities (.prob or TSV),
 * streaming chunk by chunk in bounded memory. */
#include "common.h"
#include "nexus.h"
#include "provenance.h"
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { FMT_PROB, FMT_TSV, FMT_H5 };

#define parse_state tool_preprocess

/* ---- input: .zsdm reader or TSV rows ------------------------------------ */

typedef struct {
    csro_zsdm_reader *zr;
    FILE *fp;            /* TSV */
    const char *path;
    size_t nbins;
    uint64_t line, row;
    char *buf;
    size_t cap;
} input;

/* Read up to max rows: profiles (max*nbins), index, flags. */
static size_t input_read(input *in, size_t max, float *x, uint64_t *index, uint32_t *flags)
{
    if (in->zr) {
        size_t got;
        int rc = csro_zsdm_reader_read(in->zr, max, x, index, NULL, flags, NULL, &got);
        if (rc) tool_fail(rc);
        return got;
    }
    size_t k = 0;
    while (k < max) {
        ssize_t len = getline(&in->buf, &in->cap, in->fp);
        if (len < 0) {
            if (ferror(in->fp)) tool_die(TOOL_EDATA, "%s: read error: %s", in->path, strerror(errno));
            break;
        }
        in->line++;
        char *p = in->buf, *end;
        while (*p == ' ' || *p == '\t') p++;
        if (*p == '\n' || *p == '\r' || *p == 0 || *p == '#') continue;
        size_t j = 0;
        for (;;) {
            while (*p == ' ' || *p == '\t' || *p == ',') p++;
            if (*p == '\n' || *p == '\r' || *p == 0) break;
            errno = 0;
            double v = strtod(p, &end);
            if (end == p) tool_die(TOOL_EDATA, "%s: line %llu: '%.20s' is not a number", in->path,
                                   (unsigned long long)in->line, p);
            if (j < in->nbins) x[k * in->nbins + j] = (float)v;
            j++;
            p = end;
        }
        if (j != in->nbins)
            tool_die(TOOL_EDATA, "%s: line %llu: %zu values, the model expects %zu bins", in->path,
                     (unsigned long long)in->line, j, in->nbins);
        index[k] = in->row++;
        flags[k] = 0;
        k++;
    }
    return k;
}

/* ---- output: .prob writer or TSV (written atomically) ------------------- */

typedef struct {
    int fmt;
    csro_prob_writer *pw;
    FILE *fp;
    const char *path;
    size_t nc;
    /* FMT_H5: every voxel of the grid (rows absent from the input: NaN, no data) */
    const csro_grid *grid;
    size_t nvox;
    float *pm, *ps;
    uint8_t *nod;
} output;

/* "A,B,..." class names of m into buf */
static const char *class_list(const csro_zsdm_meta *m, size_t nc, char *buf, size_t size)
{
    size_t k = 0;
    buf[0] = 0;
    for (size_t c = 0; c < nc && k < size; c++)
        k += (size_t)snprintf(buf + k, size - k, "%s%s", c ? "," : "", csro_zsdm_meta_class(m, c));
    return buf;
}

static void output_open_h5(output *o, const csro_zsdm_meta *m)
{
    o->grid = csro_zsdm_meta_grid(m);
    if (!o->grid) tool_die(TOOL_EDATA, "%s: HDF5 output needs voxel profiles with a grid (apt-voxelize output)", o->path);
    o->nvox = csro_grid_count(o->grid);
    size_t nv = o->nvox ? o->nvox : 1;
    o->pm = malloc(nv * o->nc * sizeof *o->pm);
    o->ps = malloc(nv * o->nc * sizeof *o->ps);
    o->nod = malloc(nv);
    if (!o->pm || !o->ps || !o->nod) tool_die(TOOL_EDATA, "out of memory for %zu voxels", o->nvox);
    for (size_t i = 0; i < o->nvox * o->nc; i++) o->pm[i] = o->ps[i] = NAN;
    memset(o->nod, 1, nv);
}

/* /entry/voxels: probability and std (z, y, x, class), nodata, the grid */
static void output_close_h5(output *o, const csro_zsdm_meta *m, const tool_prov *pv)
{
    size_t d[3], n4[4], n3[3];
    csro_grid_dims(o->grid, d);
    n4[0] = n3[0] = d[2]; n4[1] = n3[1] = d[1]; n4[2] = n3[2] = d[0]; n4[3] = o->nc;
    nx_file *f = nx_create(o->path, pv, "CSRO classification: class probabilities per voxel", "voxels");
    nx_group(f, "voxels", "NXdata");
    nx_f32(f, "voxels/probability", o->pm, 4, n4, NULL);
    nx_attr(f, "voxels/probability", "long_name", "ensemble mean class probability");
    nx_f32(f, "voxels/std", o->ps, 4, n4, NULL);
    nx_attr(f, "voxels/std", "long_name", "standard deviation across the ensemble members");
    nx_u8(f, "voxels/nodata", o->nod, 3, n3);
    const char **cls = malloc(o->nc * sizeof *cls);
    if (!cls) tool_die(TOOL_EDATA, "out of memory");
    for (size_t c = 0; c < o->nc; c++) cls[c] = csro_zsdm_meta_class(m, c);
    nx_strings(f, "voxels/class", cls, o->nc);
    free(cls);
    static const char *const ax[3] = {"x", "y", "z"}, *const axes[4] = {"z", "y", "x", "class"};
    for (int a = 0; a < 3; a++) {
        double *c = malloc((d[a] ? d[a] : 1) * sizeof *c), centre[3];
        if (!c) tool_die(TOOL_EDATA, "out of memory");
        for (size_t i = 0; i < d[a]; i++) {
            size_t idx = a == 0 ? i : a == 1 ? i * d[0] : i * d[0] * d[1];
            csro_grid_center(o->grid, idx, centre);
            c[i] = centre[a];
        }
        char p[32];
        snprintf(p, sizeof p, "voxels/%s", ax[a]);
        nx_f64(f, p, c, 1, &d[a], "nm");
        free(c);
    }
    double lo[3];
    size_t three = 3;
    csro_grid_lo(o->grid, lo);
    nx_f64(f, "voxels/origin", lo, 1, &three, "nm");
    nx_attr(f, "voxels/origin", "long_name", "low corner of the region of interest: x, y, z");
    nx_scalar(f, "voxels/stride", csro_grid_stride(o->grid), "nm");
    nx_scalar(f, "voxels/voxel_size", csro_grid_voxel(o->grid), "nm");
    nx_attr(f, "voxels/voxel_size", "shape", csro_grid_shape(o->grid) == CSRO_VOXEL_CUBE ? "cube" : "sphere");
    nx_attr(f, "voxels", "signal", "probability");
    nx_attr_strings(f, "voxels", "axes", axes, 4);
    nx_attr_int(f, "voxels", "z_indices", 0);
    nx_attr_int(f, "voxels", "y_indices", 1);
    nx_attr_int(f, "voxels", "x_indices", 2);
    nx_attr_int(f, "voxels", "class_indices", 3);
    const char *aux = "std";
    nx_attr_strings(f, "voxels", "auxiliary_signals", &aux, 1);
    nx_commit(f);
    free(o->pm); free(o->ps); free(o->nod);
}

static void output_open_tsv(output *o, const csro_zsdm_meta *m, const tool_prov *pv)
{
    o->fp = tool_out_open(o->path);
    prov_comments(pv, o->fp);
    fprintf(o->fp, "index\tnodata");
    for (size_t c = 0; c < o->nc; c++) fprintf(o->fp, "\tmean_%s", csro_zsdm_meta_class(m, c));
    for (size_t c = 0; c < o->nc; c++) fprintf(o->fp, "\tstd_%s", csro_zsdm_meta_class(m, c));
    fputc('\n', o->fp);
}

static void output_write(output *o, size_t n, const uint64_t *index, const uint32_t *flags,
                         const float *mean, const float *sd)
{
    if (o->fmt == FMT_PROB) {
        int rc = csro_prob_writer_write(o->pw, n, index, flags, mean, sd);
        if (rc) tool_fail(rc);
        return;
    }
    if (o->fmt == FMT_H5) {
        for (size_t i = 0; i < n; i++) {
            if (index[i] >= o->nvox) tool_die(TOOL_EDATA, "row index %llu outside the grid of %zu voxels",
                                              (unsigned long long)index[i], o->nvox);
            size_t v = (size_t)index[i];
            o->nod[v] = flags[i] & CSRO_ROW_NODATA ? 1 : 0;
            memcpy(o->pm + v * o->nc, mean + i * o->nc, o->nc * sizeof *mean);
            memcpy(o->ps + v * o->nc, sd + i * o->nc, o->nc * sizeof *sd);
        }
        return;
    }
    for (size_t i = 0; i < n; i++) {
        fprintf(o->fp, "%llu\t%d", (unsigned long long)index[i], flags[i] & CSRO_ROW_NODATA ? 1 : 0);
        for (size_t c = 0; c < o->nc; c++) fprintf(o->fp, "\t%.9g", mean[i * o->nc + c]);
        for (size_t c = 0; c < o->nc; c++) fprintf(o->fp, "\t%.9g", sd[i * o->nc + c]);
        fputc('\n', o->fp);
    }
}

static void output_close(output *o)
{
    if (o->fmt == FMT_PROB) {
        csro_prob_writer *pw = o->pw;
        o->pw = NULL;
        int rc = csro_prob_writer_close(pw);
        if (rc) tool_fail(rc);
    }
    tool_commit();
}

static void usage(void)
{
    printf("Usage: csro-classify [-m MODEL.csronet] [IN.zsdm|-] [-o OUT] [options]\n"
           "Classify every z-SDM profile of IN (default stdin) with the ensemble MODEL\n"
           "and write per-row mean class probabilities, their standard deviation across\n"
           "the members and the no-data flag.\n\n"
           "  -m, --model FILE      .csronet ensemble (default: the default model of the\n"
           "                        input's species pair, see csro-classify(1))\n"
           "  -o, --output FILE     output (default '-' = stdout)\n"
           "  -f, --format F        prob (default, binary csro-prob(5)) or tsv\n"
           "      --tsv             IN holds plain TSV rows (one profile of the model's\n"
           "                        bins per line) instead of a .zsdm file\n"
           "      --tsv-state S     preprocessing of TSV rows: raw, minmax or experimental\n"
           "                        (default: what the model expects)\n"
           "      --preprocess S    feed the model profiles in state S: its own state, or\n"
           "                        experimental (Savitzky-Golay + Moody background +\n"
           "                        min-max) for a min-max model. Default: experimental for\n"
           "                        voxel profiles (raw or min-max) when the model asks for\n"
           "                        it on measured data (imported published models do),\n"
           "                        else the model's state; experimental input stays so\n"
           "      --batch N         rows per batch (default 4096)\n"
           "  -j, --threads N       threads (default 0 = all cores)\n"
           "  -q, --quiet           no messages\n"
           "  -h, --help            this help\n"
           "  -V, --version         version\n");
}

typedef struct {
    const char *model, *out, *in;
    int fmt, tsv, tsv_state, target, threads;
    size_t batch;
} args;

static args parse(int argc, char **argv)
{
    static const struct option lo[] = {
        { "model", required_argument, 0, 'm' }, { "output", required_argument, 0, 'o' },
        { "format", required_argument, 0, 'f' }, { "tsv", no_argument, 0, 'T' },
        { "tsv-state", required_argument, 0, 'S' }, { "preprocess", required_argument, 0, 'P' },
        { "batch", required_argument, 0, 'b' }, { "threads", required_argument, 0, 'j' }, { 0, 0, 0, 0 } };
    args a = { .out = "-", .in = "-", .fmt = FMT_PROB, .tsv_state = -1, .target = CSRO_CLASSIFY_AUTO,
               .batch = 4096 };
    int c;
    while ((c = tool_getopt(argc, argv, "m:o:f:j:", lo)) != -1) {
        switch (c) {
        case 'm': a.model = optarg; break;
        case 'o': a.out = optarg; break;
        case 'f': a.fmt = tool_choice("--format", optarg, "prob|tsv") ? FMT_TSV : FMT_PROB; break;
        case 'T': a.tsv = 1; break;
        case 'S': a.tsv_state = parse_state("--tsv-state", optarg); break;
        case 'P': a.target = parse_state("--preprocess", optarg); break;
        case 'b': a.batch = (size_t)tool_long("--batch", optarg, 1, 1L << 20); break;
        case 'j': a.threads = (int)tool_long("--threads", optarg, 0, 4096); break;
        }
    }
    if (optind < argc) a.in = argv[optind++];
    if (optind < argc) tool_usage_error("more than one input file");
    if (a.tsv_state >= 0 && !a.tsv) tool_usage_error("--tsv-state needs --tsv");
    if (!a.model && a.tsv) tool_usage_error("no model (-m MODEL.csronet): TSV rows name no species pair");
    if (nx_wanted(a.out)) {
        nx_check_output("-o", a.out);
        a.fmt = FMT_H5;
    }
    if (a.fmt == FMT_PROB) tool_refuse_tty(a.out);
    if (a.model) tool_input_as(a.model, TOOL_IN_MODEL);
    tool_input_as(a.in, a.tsv ? TOOL_IN_TEXT : TOOL_IN_ZSDM);
    if (a.fmt == FMT_PROB) tool_out_ext("-o", a.out, "prob", "a .prob file");
    else if (a.fmt != FMT_H5) tool_out_ext("-o", a.out, NULL, "a TSV table");
    return a;
}

/* The model: -m, or the default model of the input's pair. */
static csro_ensemble *load_model(const char **path, const csro_zsdm_meta *in, const char *inp, char *buf, size_t len)
{
    if (!*path) {
        const char *a = csro_zsdm_meta_pair(in, 0), *b = csro_zsdm_meta_pair(in, 1);
        if (!a || !b) tool_die(TOOL_EDATA, "%s: the profiles name no species pair; give a model (-m MODEL.csronet)", inp);
        if (tool_default_model(buf, len, a, b))
            tool_die(TOOL_EDATA, "%s: %s (-m MODEL.csronet)", inp, csro_last_error());
        *path = buf;
        tool_input_as(buf, TOOL_IN_MODEL);
        if (!tool_quiet()) fprintf(stderr, "%s: default model for %s-%s: %s\n", tool_name(), a, b, buf);
    }
    csro_ensemble *e;
    int rc = csro_ensemble_load(&e, *path);
    if (rc) tool_fail(rc);
    return e;
}

/* Input and its metadata (TSV rows: the model's contract in state st). */
static csro_zsdm_meta *open_input(input *in, const char *path, int tsv)
{
    in->path = path;
    if (tsv) {
        if (!strcmp(path, "-")) in->fp = stdin;
        else if (!(in->fp = fopen(path, "r"))) tool_die(TOOL_EDATA, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    int rc = csro_zsdm_reader_open(&in->zr, path);
    if (rc) tool_fail(rc);
    csro_zsdm_meta *m = csro_zsdm_meta_clone(csro_zsdm_reader_meta(in->zr));
    if (!m) tool_die(TOOL_EDATA, "out of memory");
    return m;
}

static csro_zsdm_meta *tsv_meta(const csro_ensemble *e, const char *model, int state)
{
    const csro_zsdm_meta *ct = csro_ensemble_contract(e);
    if (!ct) tool_die(TOOL_EDATA, "%s: model has no input contract", model);
    csro_zsdm_meta *m = csro_zsdm_meta_clone(ct);
    int rc;
    if (!m) tool_die(TOOL_EDATA, "out of memory");
    if ((rc = csro_zsdm_meta_set_preprocess(m, state >= 0 ? state : csro_zsdm_meta_preprocess(ct)))) tool_fail(rc);
    return m;
}

int main(int argc, char **argv)
{
    tool_openblas_single(argv); /* the ensemble runs on our threads */
    tool_init("csro-classify", usage);
    tool_prov *pv = prov_new(argc, argv); /* before getopt permutes argv */
    args a = parse(argc, argv);
    input in = { 0 };
    char defmodel[4096];
    csro_zsdm_meta *inmeta = open_input(&in, a.in, a.tsv);
    csro_ensemble *e = load_model(&a.model, inmeta, a.in, defmodel, sizeof defmodel);
    if (!inmeta) inmeta = tsv_meta(e, a.model, a.tsv_state);

    /* Plan: the library's classify stage decides and checks everything. */
    const char *base = strrchr(a.model, '/');
    csro_classify_opts *o = csro_classify_opts_new();
    csro_classifier *cl;
    int rc;
    if (!o || (rc = csro_classify_opts_set_preprocess(o, a.target)) || (rc = csro_classify_opts_set_batch(o, a.batch)) ||
        (rc = csro_classify_opts_set_threads(o, a.threads)) ||
        (rc = csro_classify_opts_set_model_name(o, base ? base + 1 : a.model)))
        tool_die(TOOL_EDATA, "out of memory");
    if ((rc = csro_classify_new(&cl, e, inmeta, o))) tool_die(TOOL_EDATA, "%s: %s", a.in, csro_last_error());
    if (!tool_quiet()) fprintf(stderr, "%s: %s\n", tool_name(), csro_classify_note(cl));
    size_t nbins = csro_zsdm_meta_nbins(inmeta), nc = csro_ensemble_nclasses(e);
    in.nbins = nbins;

    const csro_zsdm_meta *om = csro_classify_output_meta(cl);
    output out = { .fmt = a.fmt, .path = a.out, .nc = nc };
    prov_input(pv, a.tsv ? "profiles" : "zsdm", a.in);
    const char *mcrc = prov_input(pv, "model", a.model);
    prov_model(pv, "file", "%s", base ? base + 1 : a.model);
    if (mcrc) prov_model(pv, "crc32", "%s", mcrc);
    prov_model(pv, "members", "%zu", csro_ensemble_size(e));
    char clist[512];
    prov_model(pv, "classes", "%s", class_list(om, nc, clist, sizeof clist));
    prov_model(pv, "preprocessing", "%s", csro_classify_note(cl));
    prov_param(pv, "batch", "%zu", a.batch);
    prov_param(pv, "threads", "%d", a.threads);
    if (a.fmt == FMT_PROB) { /* the input's texts (chain of runs) + this run's record */
        csro_zsdm_meta *pm = csro_zsdm_meta_clone(om);
        if (!pm) tool_die(TOOL_EDATA, "out of memory");
        prov_texts(pv, pm);
        if ((rc = csro_prob_writer_open(&out.pw, tool_out_lib(a.out), pm))) tool_fail(rc);
        csro_zsdm_meta_free(pm);
    }
    else if (a.fmt == FMT_H5) output_open_h5(&out, om);
    else output_open_tsv(&out, om, pv);

    size_t B = a.batch;
    float *x = malloc(B * nbins * sizeof *x), *mean = malloc(B * nc * sizeof *mean), *sd = malloc(B * nc * sizeof *sd);
    uint64_t *index = malloc(B * sizeof *index);
    uint32_t *flags = malloc(B * sizeof *flags);
    if (!x || !mean || !sd || !index || !flags) tool_die(TOOL_EDATA, "out of memory");
    /* Progress (terminal only): voxel files hold about one row per voxel. */
    const csro_grid *grid = csro_zsdm_meta_grid(inmeta);
    double total = grid ? (double)csro_grid_count(grid) : 0;
    size_t n;
    while ((n = input_read(&in, B, x, index, flags)) > 0) {
        if ((rc = csro_classify_rows(cl, n, x, index, flags, mean, sd)))
            tool_die(TOOL_EDATA, "%s: %s", a.in, csro_last_error());
        output_write(&out, n, index, flags, mean, sd);
        double done = (double)csro_classify_nrows(cl);
        if (total > 0) tool_progress(done < total ? done / total : 1.0, NULL);
    }
    if (total > 0) tool_progress_done();
    if (a.fmt == FMT_H5) output_close_h5(&out, om, pv);
    output_close(&out);
    prov_free(pv);
    if (!tool_quiet())
        fprintf(stderr, "%s: %llu rows classified, %llu without data\n", tool_name(),
                (unsigned long long)csro_classify_nrows(cl), (unsigned long long)csro_classify_nnodata(cl));
    if (in.zr) csro_zsdm_reader_close(in.zr);
    if (in.fp && in.fp != stdin) fclose(in.fp);
    free(in.buf);
    free(x); free(mean); free(sd); free(index); free(flags);
    csro_classify_free(cl);
    csro_classify_opts_free(o);
    csro_zsdm_meta_free(inmeta);
    csro_ensemble_free(e);
    return 0;
}
