/* csro-classify: run a .csronet ensemble over the z-SDM profiles of a .zsdm
 * file (or TSV rows) and write per-row class probabilities (.prob or TSV),
 * streaming chunk by chunk in bounded memory. */
#include "common.h"
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { FMT_PROB, FMT_TSV };

#define state_name tool_preprocess_name
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
} output;

static void output_open_tsv(output *o, const csro_zsdm_meta *m)
{
    o->fp = tool_out_open(o->path);
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

/* ---- metadata of the output: the input's with the model's classes ------- */

static int same_classes(const csro_zsdm_meta *m, const csro_ensemble *e)
{
    size_t nc = csro_ensemble_nclasses(e);
    if (csro_zsdm_meta_nclasses(m) != nc) return 0;
    for (size_t c = 0; c < nc; c++)
        if (strcmp(csro_zsdm_meta_class(m, c), csro_ensemble_class(e, c))) return 0;
    return 1;
}

static csro_zsdm_meta *output_meta(const csro_zsdm_meta *in, const csro_ensemble *e)
{
    csro_zsdm_meta *m;
    int rc = 0;
    size_t nc = csro_ensemble_nclasses(e);
    if (csro_zsdm_meta_nclasses(in) == 0 || same_classes(in, e)) {
        if (!(m = csro_zsdm_meta_clone(in))) tool_die(TOOL_EDATA, "out of memory");
        if (csro_zsdm_meta_nclasses(in) == 0)
            for (size_t c = 0; c < nc && rc >= 0; c++) rc = csro_zsdm_meta_add_class(m, csro_ensemble_class(e, c));
        if (rc < 0) tool_fail(rc);
        return m;
    }
    /* A labelled bank names its own classes: rebuild without them. */
    if (!(m = csro_zsdm_meta_new(csro_zsdm_meta_kind(in)))) tool_die(TOOL_EDATA, "out of memory");
    csro_sdm_opts *so = csro_zsdm_meta_sdm_opts(in);
    if (so) rc = csro_zsdm_meta_set_sdm(m, so);
    csro_sdm_opts_free(so);
    if (!rc && csro_zsdm_meta_pair(in, 0) && csro_zsdm_meta_pair(in, 1))
        rc = csro_zsdm_meta_set_pair(m, csro_zsdm_meta_pair(in, 0), csro_zsdm_meta_pair(in, 1));
    if (!rc && csro_zsdm_meta_grid(in)) rc = csro_zsdm_meta_set_grid(m, csro_zsdm_meta_grid(in));
    if (!rc) rc = csro_zsdm_meta_set_preprocess(m, csro_zsdm_meta_preprocess(in));
    for (size_t i = 0; i < csro_zsdm_meta_nparams(in) && rc >= 0; i++)
        rc = csro_zsdm_meta_add_param(m, csro_zsdm_meta_param(in, i));
    for (size_t i = 0; i < csro_zsdm_meta_ntexts(in) && rc >= 0; i++) {
        const char *k = csro_zsdm_meta_text_key(in, i);
        rc = csro_zsdm_meta_set_text(m, k, csro_zsdm_meta_text(in, k));
    }
    for (size_t c = 0; c < nc && rc >= 0; c++) rc = csro_zsdm_meta_add_class(m, csro_ensemble_class(e, c));
    if (rc < 0) tool_fail(rc);
    return m;
}

/* ---- preprocessing ------------------------------------------------------ */

/* Bring n profiles from state `from` to state `to` in place (threads as
 * the networks); rows that cannot be normalised (flat profiles) get
 * CSRO_ROW_NODATA, rows flagged in the input keep it. */
static void preprocess(int from, int to, float *x, size_t n, size_t nbins, uint32_t *flags,
                       uint32_t *tmp, int threads)
{
    if (from == to) return;
    memcpy(tmp, flags, n * sizeof *flags);
    int rc = csro_preprocess_rows(NULL, to, x, x, n, nbins, flags, threads);
    if (rc) tool_fail(rc);
    for (size_t i = 0; i < n; i++) flags[i] |= tmp[i] & CSRO_ROW_NODATA;
}

static void usage(void)
{
    printf("Usage: csro-classify -m MODEL.csronet [IN.zsdm|-] [-o OUT] [options]\n"
           "Classify every z-SDM profile of IN (default stdin) with the ensemble MODEL\n"
           "and write per-row mean class probabilities, their standard deviation across\n"
           "the members and the no-data flag.\n\n"
           "  -m, --model FILE      .csronet ensemble (required)\n"
           "  -o, --output FILE     output (default '-' = stdout)\n"
           "  -f, --format F        prob (default, binary csro-prob(5)) or tsv\n"
           "      --tsv             IN holds plain TSV rows (one profile of the model's\n"
           "                        bins per line) instead of a .zsdm file\n"
           "      --tsv-state S     preprocessing of TSV rows: raw, minmax or experimental\n"
           "                        (default: what the model expects)\n"
           "      --preprocess S    bring profiles to state S before the model: its own\n"
           "                        state, or experimental (Savitzky-Golay + Moody\n"
           "                        background + min-max) for a min-max model, as the\n"
           "                        reference does for measured data (default: the\n"
           "                        model's state; experimental input stays so)\n"
           "      --batch N         rows per batch (default 4096)\n"
           "  -j, --threads N       threads (default 0 = all cores)\n"
           "  -q, --quiet           no messages\n"
           "  -h, --help            this help\n"
           "  -V, --version         version\n");
}

int main(int argc, char **argv)
{
    tool_openblas_single(argv); /* the ensemble runs on our threads */
    tool_init("csro-classify", usage);
    static const struct option lo[] = {
        { "model", required_argument, 0, 'm' }, { "output", required_argument, 0, 'o' },
        { "format", required_argument, 0, 'f' }, { "tsv", no_argument, 0, 'T' },
        { "tsv-state", required_argument, 0, 'S' }, { "preprocess", required_argument, 0, 'P' }, { "batch", required_argument, 0, 'b' },
        { "threads", required_argument, 0, 'j' }, { 0, 0, 0, 0 } };
    const char *model = NULL, *outp = "-", *inp = "-";
    int fmt = FMT_PROB, tsv = 0, tsv_state = -1, target = -1, threads = 0, c;
    size_t batch = 4096;
    while ((c = tool_getopt(argc, argv, "m:o:f:j:", lo)) != -1) {
        switch (c) {
        case 'm': model = optarg; break;
        case 'o': outp = optarg; break;
        case 'f': fmt = tool_choice("--format", optarg, "prob|tsv") ? FMT_TSV : FMT_PROB; break;
        case 'T': tsv = 1; break;
        case 'S': tsv_state = parse_state("--tsv-state", optarg); break;
        case 'P': target = parse_state("--preprocess", optarg); break;
        case 'b': batch = (size_t)tool_long("--batch", optarg, 1, 1L << 20); break;
        case 'j': threads = (int)tool_long("--threads", optarg, 0, 4096); break;
        }
    }
    if (!model) tool_usage_error("no model (-m MODEL.csronet)");
    if (optind < argc) inp = argv[optind++];
    if (optind < argc) tool_usage_error("more than one input file");
    if (tsv_state >= 0 && !tsv) tool_usage_error("--tsv-state needs --tsv");
    if (fmt == FMT_PROB) tool_refuse_tty(outp);
    tool_input(model);
    tool_input(inp);

    csro_ensemble *e;
    int rc = csro_ensemble_load(&e, model);
    if (rc) tool_fail(rc);
    const csro_zsdm_meta *contract = csro_ensemble_contract(e);
    if (!contract) tool_die(TOOL_EDATA, "%s: model has no input contract", model);
    int want = csro_zsdm_meta_preprocess(contract);

    /* Input and its metadata. */
    input in = { .path = inp };
    csro_zsdm_meta *inmeta;
    if (tsv) {
        if (!strcmp(inp, "-")) in.fp = stdin;
        else if (!(in.fp = fopen(inp, "r"))) tool_die(TOOL_EDATA, "%s: cannot open: %s", inp, strerror(errno));
        if (!(inmeta = csro_zsdm_meta_clone(contract))) tool_die(TOOL_EDATA, "out of memory");
        if ((rc = csro_zsdm_meta_set_preprocess(inmeta, tsv_state >= 0 ? tsv_state : want))) tool_fail(rc);
    } else {
        if ((rc = csro_zsdm_reader_open(&in.zr, inp))) tool_fail(rc);
        if (!(inmeta = csro_zsdm_meta_clone(csro_zsdm_reader_meta(in.zr)))) tool_die(TOOL_EDATA, "out of memory");
    }
    int have = csro_zsdm_meta_preprocess(inmeta);
    /* Experimental preprocessing ends with a min-max normalisation, so a
     * model trained on min-max patterns takes experimental profiles: the
     * ML-APT reference classifies smoothed, background-removed measured
     * profiles with networks trained on normalised simulated ones. */
    if (target < 0) target = (have == CSRO_PRE_EXPERIMENTAL && want == CSRO_PRE_MINMAX) ? have : want;
    if (target != want && !(target == CSRO_PRE_EXPERIMENTAL && want == CSRO_PRE_MINMAX))
        tool_die(TOOL_EDATA, "%s: --preprocess %s does not give the %s input model %s expects", inp,
                 state_name(target), state_name(want), model);
    if (have != target && !(have == CSRO_PRE_RAW && target != CSRO_PRE_RAW) &&
        !(have == CSRO_PRE_MINMAX && target == CSRO_PRE_EXPERIMENTAL))
        tool_die(TOOL_EDATA, "%s: profiles are %s-preprocessed but %s expects %s input", inp,
                 state_name(have), model, state_name(target));
    /* The model sees the profiles after preprocessing: check that view. */
    csro_zsdm_meta *seen = csro_zsdm_meta_clone(inmeta);
    if (!seen || (rc = csro_zsdm_meta_set_preprocess(seen, want))) tool_die(TOOL_EDATA, "out of memory");
    if ((rc = csro_ensemble_check_input(e, seen))) {
        const char *msg = csro_last_error();
        tool_die(TOOL_EDATA, "%s: does not fit model %s: %s", inp, model, msg && *msg ? msg : csro_strerror(rc));
    }
    csro_zsdm_meta_free(seen);
    size_t nbins = csro_zsdm_meta_nbins(inmeta), nc = csro_ensemble_nclasses(e);
    in.nbins = nbins;

    /* Output. */
    csro_zsdm_meta *om = output_meta(inmeta, e);
    {
        const char *base = strrchr(model, '/');
        if ((rc = csro_zsdm_meta_set_text(om, "classify_model", base ? base + 1 : model))) tool_fail(rc);
    }
    output out = { .fmt = fmt, .path = outp, .nc = nc };
    if (fmt == FMT_PROB) { if ((rc = csro_prob_writer_open(&out.pw, tool_out_lib(outp), om))) tool_fail(rc); }
    else output_open_tsv(&out, om);

    float *x = malloc(batch * nbins * sizeof *x), *xg = malloc(batch * nbins * sizeof *x);
    float *mean = malloc(batch * nc * sizeof *mean), *sd = malloc(batch * nc * sizeof *sd);
    float *gm = malloc(batch * nc * sizeof *gm), *gs = malloc(batch * nc * sizeof *gs);
    uint64_t *index = malloc(batch * sizeof *index);
    uint32_t *flags = malloc(batch * sizeof *flags), *ftmp = malloc(batch * sizeof *ftmp);
    if (!x || !xg || !mean || !sd || !gm || !gs || !index || !flags || !ftmp) tool_die(TOOL_EDATA, "out of memory");
    uint64_t rows = 0, nodata = 0;
    /* Progress (terminal only): voxel files hold about one row per voxel. */
    const csro_grid *grid = csro_zsdm_meta_grid(inmeta);
    double total = grid ? (double)csro_grid_count(grid) : 0;
    size_t n;
    while ((n = input_read(&in, batch, x, index, flags)) > 0) {
        for (size_t i = 0; i < n; i++) {
            if (flags[i] & CSRO_ROW_NODATA) continue;
            for (size_t j = 0; j < nbins; j++)
                if (!isfinite(x[i * nbins + j]))
                    tool_die(TOOL_EDATA, "%s: row %llu (index %llu): non-finite value in bin %zu", inp,
                             (unsigned long long)(rows + i), (unsigned long long)index[i], j);
        }
        preprocess(have, target, x, n, nbins, flags, ftmp, threads);
        size_t g = 0;
        for (size_t i = 0; i < n; i++) g += !(flags[i] & CSRO_ROW_NODATA);
        const float *feed = x;
        if (g < n) { /* compact the rows with data */
            g = 0;
            for (size_t i = 0; i < n; i++)
                if (!(flags[i] & CSRO_ROW_NODATA)) memcpy(xg + g++ * nbins, x + i * nbins, nbins * sizeof *x);
            feed = xg;
        }
        if (g && (rc = csro_ensemble_predict(e, g, feed, gm, gs, threads))) tool_fail(rc);
        for (size_t i = 0, k = 0; i < n; i++) {
            if (flags[i] & CSRO_ROW_NODATA) {
                memset(mean + i * nc, 0, nc * sizeof *mean);
                memset(sd + i * nc, 0, nc * sizeof *sd);
                nodata++;
            } else {
                memcpy(mean + i * nc, gm + k * nc, nc * sizeof *mean);
                memcpy(sd + i * nc, gs + k * nc, nc * sizeof *sd);
                k++;
            }
        }
        output_write(&out, n, index, flags, mean, sd);
        rows += n;
        if (total > 0) tool_progress(rows < total ? (double)rows / total : 1.0, NULL);
    }
    if (total > 0) tool_progress_done();
    output_close(&out);
    if (!tool_quiet())
        fprintf(stderr, "%s: %llu rows classified, %llu without data\n", tool_name(),
                (unsigned long long)rows, (unsigned long long)nodata);
    if (in.zr) csro_zsdm_reader_close(in.zr);
    if (in.fp && in.fp != stdin) fclose(in.fp);
    free(in.buf);
    free(x); free(xg); free(mean); free(sd); free(gm); free(gs); free(index); free(flags); free(ftmp);
    csro_zsdm_meta_free(om);
    csro_zsdm_meta_free(inmeta);
    csro_ensemble_free(e);
    return 0;
}
