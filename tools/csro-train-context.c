/* csro-train-context: train the learned 3D context stage of the CSRO map
 * (csro/context.h) on simulated specimens with known truth and write a new
 * model = the first-stage model + map.mode=context + map.context text. */
#include "common.h"
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(void)
{
    printf("Usage: csro-train-context -m MODEL.csronet -o OUT.csronet --list FILE [options]\n"
           "Train the 3D context stage on simulated specimens with known truth and write\n"
           "OUT = MODEL + the texts map.mode=context, map.context (the stage), map.threshold\n"
           "and map.source (how it was trained). MODEL itself is not changed.\n\n"
           "  -m, --model FILE     first-stage model (.csronet) the .prob files came from\n"
           "  -o, --output FILE    new model (.csronet)\n"
           "  -l, --list FILE      training specimens, one per line: PROB TRUTH RECON\n"
           "                       (csro-classify output, apt-simulate --truth, the\n"
           "                       reconstruction); TRUTH '-' = no CSRO anywhere (random\n"
           "                       specimens, random-label controls); '#' comments;\n"
           "                       relative paths are relative to the list (repeatable)\n"
           "  -c, --class NAME     first-stage class (default: the second of two)\n"
           "      --halfwidth H    neighbourhood half-width in voxel strides (default 4)\n"
           "      --no-std         do not use the ensemble standard deviation\n"
           "      --hidden A,B     hidden layer sizes (default 32,16; 0 = none)\n"
           "      --members K      ensemble size = folds (default 3)\n"
           "      --epochs N       epochs per member (default 12)\n"
           "      --batch N        mini-batch size (default 64)\n"
           "      --lr X           Adam learning rate (default 0.002)\n"
           "      --dropout X      dropout after each hidden layer (default 0.1)\n"
           "      --sample F       fraction of each specimen's sub-cells used (default 1)\n"
           "  -t, --threshold T    map.threshold to store (default: the best sub-cell F1\n"
           "                       on the training specimens; calibrate on others)\n"
           "      --source TEXT    added to map.source (e.g. the simulation conditions)\n"
           "      --seed S         random seed (default 1); same inputs + seed, same bits\n"
           "  -j, --threads N      threads (default 0 = all cores)\n"
           "  -q, --quiet          no progress, no report\n"
           "  -h, --help, -V, --version\n\n"
           "Exit 0 ok, 1 bad data or I/O, 2 usage.\n");
}

typedef struct { char *prob, *truth, *recon; } spec;

/* First-stage mean/std of class cls per voxel (NaN = no data). */
static void read_field(const char *path, const char *cls, csro_grid **g, float **mean, float **std)
{
    csro_prob_reader *r;
    int rc = csro_prob_reader_open(&r, path);
    if (rc) tool_fail(rc);
    const csro_zsdm_meta *meta = csro_prob_reader_meta(r);
    const csro_grid *gg = csro_zsdm_meta_grid(meta);
    if (!gg) tool_die(TOOL_EDATA, "%s: no voxel grid in the header", path);
    size_t nc = csro_zsdm_meta_nclasses(meta), ci = nc;
    if (!cls) {
        if (nc != 2) tool_die(TOOL_EDATA, "%s: %zu classes: name the CSRO class with --class", path, nc);
        ci = 1;
    } else {
        for (size_t c = 0; c < nc; c++)
            if (!strcmp(csro_zsdm_meta_class(meta, c), cls)) ci = c;
        if (ci == nc) tool_die(TOOL_EDATA, "%s: no class '%s'", path, cls);
    }
    double lo[3], hi[3];
    csro_grid_lo(gg, lo);
    csro_grid_hi(gg, hi);
    if ((rc = csro_grid_new(g, lo, hi, csro_grid_voxel(gg), csro_grid_stride(gg), csro_grid_shape(gg))))
        tool_fail(rc);
    size_t count = csro_grid_count(*g), B = 4096;
    *mean = malloc((count ? count : 1) * sizeof **mean);
    *std = malloc((count ? count : 1) * sizeof **std);
    float *bm = malloc(B * nc * sizeof *bm), *bs = malloc(B * nc * sizeof *bs);
    uint64_t *idx = malloc(B * sizeof *idx);
    uint32_t *fl = malloc(B * sizeof *fl);
    if (!*mean || !*std || !bm || !bs || !idx || !fl) tool_die(TOOL_EDATA, "out of memory");
    for (size_t i = 0; i < count; i++) (*mean)[i] = (*std)[i] = NAN;
    for (;;) {
        size_t n;
        if ((rc = csro_prob_reader_read(r, B, idx, fl, bm, bs, &n))) tool_fail(rc);
        if (!n) break;
        for (size_t t = 0; t < n; t++) {
            if (idx[t] >= count) tool_die(TOOL_EDATA, "%s: voxel index outside the grid", path);
            if (fl[t] & CSRO_ROW_NODATA) continue;
            (*mean)[idx[t]] = bm[t * nc + ci];
            (*std)[idx[t]] = bs[t * nc + ci];
        }
    }
    free(bm); free(bs); free(idx); free(fl);
    csro_prob_reader_close(r);
}

static char *join_dir(const char *list, const char *p)
{
    const char *slash = strrchr(list, '/');
    size_t dl = (p[0] == '/' || !slash) ? 0 : (size_t)(slash - list + 1);
    char *s = malloc(dl + strlen(p) + 1);
    if (!s) tool_die(TOOL_EDATA, "out of memory");
    memcpy(s, list, dl);
    strcpy(s + dl, p);
    return s;
}

static void read_list(const char *path, spec **sp, size_t *n)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
    if (!f) tool_die(TOOL_EDATA, "%s: cannot open", path);
    char line[4096];
    int lineno = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        char *h = strchr(line, '#');
        if (h) *h = 0;
        char a[1400], b[1400], c[1400], extra[2];
        int k = sscanf(line, "%1399s %1399s %1399s %1s", a, b, c, extra);
        if (k <= 0) continue;
        if (k != 3) tool_die(TOOL_EDATA, "%s:%d: expected 'PROB TRUTH RECON'", path, lineno);
        spec *ns = realloc(*sp, (*n + 1) * sizeof *ns);
        if (!ns) tool_die(TOOL_EDATA, "out of memory");
        *sp = ns;
        ns[*n].prob = join_dir(path, a);
        ns[*n].truth = strcmp(b, "-") ? join_dir(path, b) : NULL;
        ns[*n].recon = join_dir(path, c);
        (*n)++;
    }
    if (f != stdin) fclose(f);
}

typedef struct { csro_grid *g; float *mean, *std; int8_t *label; size_t n; } loaded;

static void load_spec(const spec *s, const char *cls, loaded *L)
{
    read_field(s->prob, cls, &L->g, &L->mean, &L->std);
    L->n = csro_context_subcells(L->g);
    if (!L->n) tool_die(TOOL_EDATA, "%s: voxel edge is not an integer multiple of the stride", s->prob);
    L->label = malloc(L->n);
    if (!L->label) tool_die(TOOL_EDATA, "out of memory");
    csro_recon *r;
    int rc = csro_recon_load(&r, s->recon, NULL);
    if (rc) tool_fail(rc);
    size_t ni = csro_recon_count(r);
    uint8_t *t = NULL;
    size_t nt = ni;
    if (s->truth) {
        if ((rc = csro_truth_load(&t, &nt, s->truth))) tool_fail(rc);
        if (nt != ni) tool_die(TOOL_EDATA, "%s: %zu truth entries for %zu ions in %s", s->truth, nt, ni, s->recon);
    } else {
        t = calloc(ni ? ni : 1, 1);
        if (!t) tool_die(TOOL_EDATA, "out of memory");
    }
    if ((rc = csro_context_truth(L->label, L->n, L->g, csro_recon_x(r), csro_recon_y(r), csro_recon_z(r), t, ni)))
        tool_fail(rc);
    if (s->truth) csro_free(t);
    else free(t);
    csro_recon_free(r);
}

static void free_loaded(loaded *L)
{
    csro_grid_free(L->g);
    free(L->mean); free(L->std); free(L->label);
}

typedef struct {
    const char *model, *outp, *cls, *source;
    spec *specs;
    size_t nspec;
    double thr;
    int threads;
} args;

/* Options into A; stage settings straight into o. */
static void parse_args(int argc, char **argv, args *A, csro_context_opts *o)
{
    static const struct option lo[] = {
        {"model", 1, 0, 'm'}, {"output", 1, 0, 'o'}, {"list", 1, 0, 'l'}, {"class", 1, 0, 'c'},
        {"halfwidth", 1, 0, 'H'}, {"no-std", 0, 0, 'N'}, {"hidden", 1, 0, 'D'}, {"members", 1, 0, 'K'},
        {"epochs", 1, 0, 'E'}, {"batch", 1, 0, 'B'}, {"lr", 1, 0, 'L'}, {"dropout", 1, 0, 'R'},
        {"sample", 1, 0, 'S'}, {"threshold", 1, 0, 't'}, {"source", 1, 0, 'C'}, {"seed", 1, 0, 's'},
        {"threads", 1, 0, 'j'}, {0, 0, 0, 0}};
    *A = (args){ .thr = NAN };
    int c, rc;
    while ((c = tool_getopt(argc, argv, "m:o:l:c:t:j:", lo)) != -1) {
        rc = 0;
        switch (c) {
        case 'm': A->model = optarg; break;
        case 'o': A->outp = optarg; break;
        case 'l': tool_input_as(optarg, TOOL_IN_TEXT); read_list(optarg, &A->specs, &A->nspec); break;
        case 'c': A->cls = optarg; break;
        case 'H': rc = csro_context_opts_set_halfwidth(o, (int)tool_long("--halfwidth", optarg, 1, 8)); break;
        case 'N': rc = csro_context_opts_set_use_std(o, 0); break;
        case 'D': {
            size_t u[8], nu = 0;
            char *dup = strdup(optarg), *save = NULL;
            if (!dup) tool_die(TOOL_EDATA, "out of memory");
            for (char *tok = strtok_r(dup, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
                if (nu == 4) tool_usage_error("--hidden: at most 4 layers");
                u[nu++] = (size_t)tool_long("--hidden", tok, 0, 1024);
            }
            if (nu == 1 && u[0] == 0) nu = 0;
            for (size_t i = 0; i < nu; i++) if (!u[i]) tool_usage_error("--hidden: sizes must be 1..1024");
            free(dup);
            rc = csro_context_opts_set_hidden(o, nu, u);
            break;
        }
        case 'K': rc = csro_context_opts_set_members(o, (int)tool_long("--members", optarg, 2, 16)); break;
        case 'E': rc = csro_context_opts_set_epochs(o, (int)tool_long("--epochs", optarg, 1, 10000)); break;
        case 'B': rc = csro_context_opts_set_batch(o, (int)tool_long("--batch", optarg, 1, 65536)); break;
        case 'L': rc = csro_context_opts_set_lr(o, tool_double("--lr", optarg)); break;
        case 'R': rc = csro_context_opts_set_dropout(o, tool_double("--dropout", optarg)); break;
        case 'S': rc = csro_context_opts_set_sample(o, tool_double("--sample", optarg)); break;
        case 't':
            A->thr = tool_double("--threshold", optarg);
            if (!(A->thr >= 0 && A->thr < 1)) tool_usage_error("--threshold: %g is not in [0, 1)", A->thr);
            break;
        case 'C': A->source = optarg; break;
        case 's': rc = csro_context_opts_set_seed(o, tool_u64("--seed", optarg)); break;
        case 'j':
            A->threads = (int)tool_long("--threads", optarg, 0, 1024);
            rc = csro_context_opts_set_threads(o, A->threads);
            break;
        }
        if (rc) tool_usage_error("%s", csro_last_error());
    }
    if (!A->model || !A->outp) tool_usage_error("-m MODEL and -o OUT are required");
    if (optind != argc) tool_usage_error("unexpected argument '%s' (specimens go in --list files)", argv[optind]);
    if (!A->nspec) tool_usage_error("no training specimens: give --list FILE");
    tool_refuse_tty(A->outp);
    tool_out_ext("-o", A->outp, "csronet", "a .csronet model");
    tool_input_as(A->model, TOOL_IN_MODEL);
    for (size_t i = 0; i < A->nspec; i++) {
        tool_input_as(A->specs[i].prob, TOOL_IN_PROB);
        tool_input_as(A->specs[i].recon, TOOL_IN_RECON);
        if (A->specs[i].truth) tool_input_as(A->specs[i].truth, TOOL_IN_TRUTH);
    }
}

/* The threshold of best sub-cell F1 over the training specimens (pooled);
 * returns that F1 and sets A->thr. */
static double best_threshold(args *A, const csro_context *cx)
{
    enum { NT = 19 };
    uint64_t tp[NT] = {0}, fp[NT] = {0}, fn[NT] = {0};
    int rc;
    for (size_t i = 0; i < A->nspec; i++) {
        loaded L;
        load_spec(&A->specs[i], A->cls, &L);
        float *p = malloc(L.n * sizeof *p);
        if (!p) tool_die(TOOL_EDATA, "out of memory");
        if ((rc = csro_context_apply(cx, L.g, L.mean, L.std, p, L.n, A->threads))) tool_fail(rc);
        for (size_t q = 0; q < L.n; q++) {
            if (L.label[q] < 0 || isnan(p[q])) continue;
            for (int k = 0; k < NT; k++) {
                int pr = p[q] > 0.05 * (k + 1);
                tp[k] += pr && L.label[q];
                fp[k] += pr && !L.label[q];
                fn[k] += !pr && L.label[q];
            }
        }
        free(p);
        free_loaded(&L);
    }
    double bf = -1;
    for (int k = 0; k < NT; k++) {
        double f1 = tp[k] ? 2.0 * (double)tp[k] / (double)(2 * tp[k] + fp[k] + fn[k]) : 0;
        if (f1 > bf) { bf = f1; A->thr = 0.05 * (k + 1); }
    }
    return bf;
}

int main(int argc, char **argv)
{
    tool_openblas_single(argv);
    tool_init("csro-train-context", usage);
    csro_context_opts *o = csro_context_opts_new();
    if (!o) tool_fail(CSRO_ENOMEM);
    args A;
    parse_args(argc, argv, &A, o);
    const char *model = A.model, *outp = A.outp, *cls = A.cls, *source = A.source;
    spec *specs = A.specs;
    size_t nspec = A.nspec;
    int rc;

    csro_ensemble *e;
    if ((rc = csro_ensemble_load(&e, model))) tool_fail(rc);
    csro_context_data *d;
    if ((rc = csro_context_data_new(&d, o))) tool_fail(rc);
    for (size_t i = 0; i < nspec; i++) {
        loaded L;
        load_spec(&specs[i], cls, &L);
        if ((rc = csro_context_data_add(d, L.g, L.mean, L.std, L.label, L.n)))
            tool_die(TOOL_EDATA, "%s: %s", specs[i].prob, csro_last_error());
        free_loaded(&L);
        if (!tool_quiet()) tool_progress(0.3 * (double)(i + 1) / (double)nspec, NULL);
    }
    size_t ns = csro_context_data_count(d), np = csro_context_data_positives(d);
    if (!np || np == ns)
        tool_die(TOOL_EDATA, "%zu training sub-cells, %zu of them CSRO: the specimens need both", ns, np);
    csro_context *cx;
    csro_train_report *rep = NULL;
    if ((rc = csro_context_train(&cx, &rep, d, o, tool_quiet() ? NULL : tool_progress, NULL))) tool_fail(rc);
    tool_progress_done();
    csro_context_data_free(d);

    double best = NAN;
    if (isnan(A.thr)) best = best_threshold(&A, cx);
    char *text;
    if ((rc = csro_context_to_text(cx, &text))) tool_fail(rc);
    char num[64], src[2048];
    snprintf(num, sizeof num, "%.4g", A.thr);
    snprintf(src, sizeof src,
             "csro-train-context: %zu specimens, %zu training sub-cells (%zu CSRO), h=%d std=%d members=%zu; "
             "threshold %s (%s)%s%s",
             nspec, ns, np, csro_context_halfwidth(cx), csro_context_uses_std(cx), csro_context_members(cx), num,
             isnan(best) ? "given" : "best sub-cell F1 on the training specimens", source ? "; " : "",
             source ? source : "");
    if ((rc = csro_ensemble_set_text(e, "map.mode", "context")) ||
        (rc = csro_ensemble_set_text(e, "map.context", text)) ||
        (rc = csro_ensemble_set_text(e, "map.threshold", num)) ||
        (rc = csro_ensemble_set_text(e, "map.source", src)))
        tool_fail(rc);
    if ((rc = csro_ensemble_save(e, tool_out_lib(outp)))) tool_fail(rc);
    tool_commit();
    if (!tool_quiet()) {
        fprintf(stderr, "%s: %zu specimens, %zu sub-cells (%zu CSRO); held-out accuracy %.4f", tool_name(), nspec,
                ns, np, rep ? csro_train_report_accuracy(rep) : NAN);
        if (!isnan(best)) fprintf(stderr, "; threshold %s (training F1 %.4f)", num, best);
        fprintf(stderr, "\n");
    }
    free(text);
    csro_train_report_free(rep);
    csro_context_free(cx);
    csro_ensemble_free(e);
    csro_context_opts_free(o);
    for (size_t i = 0; i < nspec; i++) { free(specs[i].prob); free(specs[i].truth); free(specs[i].recon); }
    free(specs);
    return 0;
}
