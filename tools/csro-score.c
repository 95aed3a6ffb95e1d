/* csro-score: compare a CSRO probability map with the known truth of a
 * simulated specimen (apt-simulate --truth): ion-level and sub-cell-level
 * precision, recall, F1, IoU, false-positive rate and ROC-AUC. */
#include "common.h"
#include "provenance.h"
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(void)
{
    printf("Usage: csro-score -M MAP.prob --truth TRUTH [options] RECON\n"
           "Scores a CSRO map against the per-ion truth of a simulated specimen.\n\n"
           "  -M, --map FILE          .prob file from csro-classify\n"
           "      --truth FILE        per-ion truth from apt-simulate --truth\n"
           "  -c, --class NAME        class to score (default: the last class)\n"
           "      --mode sum|mean     sub-cell map (default: the map rule the model\n"
           "                          carries, else sum with threshold 3.75)\n"
           "  -t, --threshold T       sub-cells with value > T are CSRO\n"
           "      --rule sphere|cell  ion selection rule of csro-extract (default sphere)\n"
           "  -i, --input-format FMT  reconstruction format when it cannot be guessed\n"
           "  -f, --format tsv|json   output (default tsv)\n"
           "  -o, --output FILE       output (default stdout)\n"
           "      --condition TEXT    label written in the 'condition' column\n"
           "      --domains FILE      planted domains (apt-simulate --domain-list): also\n"
           "                          the detection rate per 0.5 nm diameter class (a domain\n"
           "                          is detected when a selected sub-cell centre lies in it)\n"
           "      --no-header         omit the TSV header (to append rows)\n"
           "  -q, --quiet, -h, --help, -V, --version\n");
}

typedef struct { uint64_t tp, fp, fn, tn; } conf;

static double ratio(double a, double b) { return b > 0 ? a / b : NAN; }

/* ROC-AUC by the rank-sum (Mann-Whitney) statistic, ties averaged. */
typedef struct { float v; uint8_t t; } scored;
static int cmp_scored(const void *a, const void *b)
{
    float x = ((const scored *)a)->v, y = ((const scored *)b)->v;
    return (x > y) - (x < y);
}

static double roc_auc(scored *s, size_t n)
{
    qsort(s, n, sizeof *s, cmp_scored);
    double rank_pos = 0, npos = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && s[j].v == s[i].v) j++;
        double r = 0.5 * (double)(i + 1 + j); /* mean of ranks i+1 .. j */
        for (size_t k = i; k < j; k++)
            if (s[k].t) { rank_pos += r; npos++; }
        i = j;
    }
    double nneg = (double)n - npos;
    if (npos == 0 || nneg == 0) return NAN;
    return (rank_pos - npos * (npos + 1) / 2) / (npos * nneg);
}

static void emit(FILE *f, tool_json *j, const char *level, const conf *c, double auc, const char *cond)
{
    double p = ratio((double)c->tp, (double)(c->tp + c->fp)), r = ratio((double)c->tp, (double)(c->tp + c->fn));
    double f1 = ratio(2.0 * (double)c->tp, (double)(2 * c->tp + c->fp + c->fn));
    double iou = ratio((double)c->tp, (double)(c->tp + c->fp + c->fn));
    double fpr = ratio((double)c->fp, (double)(c->fp + c->tn));
    if (j) {
        tool_json_object(j, level);
        tool_json_inline(j);
        tool_json_int(j, "tp", (long long)c->tp);
        tool_json_int(j, "fp", (long long)c->fp);
        tool_json_int(j, "fn", (long long)c->fn);
        tool_json_int(j, "tn", (long long)c->tn);
        double v[6] = {p, r, f1, iou, fpr, auc};
        const char *k[6] = {"precision", "recall", "f1", "iou", "false_positive_rate", "roc_auc"};
        for (int i = 0; i < 6; i++) tool_json_num(j, k[i], v[i]);
        tool_json_close(j);
    } else {
        fprintf(f, "%s\t%s\t%llu\t%llu\t%llu\t%llu\t%.6f\t%.6f\t%.6f\t%.6f\t%.6f\t%.6f\n", cond, level,
                (unsigned long long)c->tp, (unsigned long long)c->fp, (unsigned long long)c->fn, (unsigned long long)c->tn,
                p, r, f1, iou, fpr, auc);
    }
}

/* Domain-level detection: fraction of planted spheres containing the
 * centre of at least one selected sub-cell, per 0.5 nm diameter class. */
enum { NCLS = 16 };
typedef struct { unsigned nd[NCLS], det[NCLS], total, found; } detection;

static void score_domains(const char *path, const csro_probmap *pm, double thr, detection *D)
{
    FILE *f = fopen(path, "r");
    if (!f) tool_die(TOOL_EDATA, "%s: cannot open: %s", path, strerror(errno));
    char line[512];
    memset(D, 0, sizeof *D);
    unsigned *nd = D->nd, *det = D->det;
    size_t d[3];
    double org[3], sp = csro_probmap_spacing(pm);
    csro_probmap_dims(pm, d);
    csro_probmap_origin(pm, org);
    const float *v = csro_probmap_data(pm);
    int lineno = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        double c[3], dia;
        if (lineno == 1 && strstr(line, "diameter")) continue;
        if (sscanf(line, "%lf %lf %lf %lf", &c[0], &c[1], &c[2], &dia) != 4 || !(dia > 0))
            tool_die(TOOL_EDATA, "%s:%d: expected 'x y z diameter'", path, lineno);
        int hit = 0;
        long lo[3], hi[3];
        for (int k = 0; k < 3; k++) {
            lo[k] = (long)floor((c[k] - dia / 2 - org[k]) / sp);
            hi[k] = (long)floor((c[k] + dia / 2 - org[k]) / sp);
            if (lo[k] < 0) lo[k] = 0;
            if (hi[k] >= (long)d[k]) hi[k] = (long)d[k] - 1;
        }
        for (long kk = lo[2]; kk <= hi[2] && !hit; kk++)
            for (long jj = lo[1]; jj <= hi[1] && !hit; jj++)
                for (long ii = lo[0]; ii <= hi[0] && !hit; ii++) {
                    double q[3] = {org[0] + ((double)ii + 0.5) * sp, org[1] + ((double)jj + 0.5) * sp,
                                   org[2] + ((double)kk + 0.5) * sp};
                    double r2 = 0;
                    for (int k = 0; k < 3; k++) r2 += (q[k] - c[k]) * (q[k] - c[k]);
                    float val = v[((size_t)kk * d[1] + (size_t)jj) * d[0] + (size_t)ii];
                    if (r2 <= dia * dia / 4 && val > thr) hit = 1;
                }
        int cls = (int)(dia / 0.5);
        if (cls >= NCLS) cls = NCLS - 1;
        nd[cls]++;
        det[cls] += (unsigned)hit;
        D->total++;
        D->found += (unsigned)hit;
    }
    fclose(f);
}

static void print_domains(FILE *f, tool_json *j, const detection *D, const char *cond)
{
    if (j) {
        tool_json_object(j, "domains");
        tool_json_int(j, "planted", D->total);
        tool_json_int(j, "detected", D->found);
        tool_json_array(j, "by_diameter");
        for (int k = 0; k < NCLS; k++) {
            if (!D->nd[k]) continue;
            tool_json_object(j, NULL);
            tool_json_inline(j);
            tool_json_array(j, "diameter_nm");
            tool_json_num(j, NULL, 0.5 * k);
            tool_json_num(j, NULL, 0.5 * (k + 1));
            tool_json_close(j);
            tool_json_int(j, "planted", D->nd[k]);
            tool_json_int(j, "detected", D->det[k]);
            tool_json_close(j);
        }
        tool_json_close(j);
        tool_json_close(j);
        return;
    }
    fprintf(f, "\n# domain detection\ncondition\tdiameter_nm\tplanted\tdetected\trate\n");
    for (int k = 0; k < NCLS; k++)
        if (D->nd[k]) fprintf(f, "%s\t%.1f-%.1f\t%u\t%u\t%.4f\n", cond, 0.5 * k, 0.5 * (k + 1), D->nd[k], D->det[k],
                              (double)D->det[k] / D->nd[k]);
    fprintf(f, "%s\tall\t%u\t%u\t%.4f\n", cond, D->total, D->found, D->total ? (double)D->found / D->total : NAN);
}

typedef struct {
    const char *map, *truth, *cls, *cond, *domains, *recon, *out;
    int mode, rule, infmt, json, header;
    double thr;
} args;

static void parse_args(int argc, char **argv, args *A)
{
    enum { O_TRUTH = 256, O_MODE, O_RULE, O_COND, O_DOMAINS, O_NOHEADER };
    static const struct option lo[] = {
        {"map", 1, 0, 'M'}, {"truth", 1, 0, O_TRUTH}, {"class", 1, 0, 'c'}, {"mode", 1, 0, O_MODE},
        {"threshold", 1, 0, 't'}, {"rule", 1, 0, O_RULE}, {"input-format", 1, 0, 'i'}, {"format", 1, 0, 'f'},
        {"output", 1, 0, 'o'}, {"condition", 1, 0, O_COND}, {"domains", 1, 0, O_DOMAINS},
        {"no-header", 0, 0, O_NOHEADER}, {0, 0, 0, 0}};
    *A = (args){ .cond = "-", .mode = -1, .rule = CSRO_EXTRACT_SPHERE, .header = 1, .thr = NAN,
                 .infmt = CSRO_FMT_AUTO, .out = "-" };
    int c;
    while ((c = tool_getopt(argc, argv, "M:c:t:i:f:o:", lo)) != -1) {
        switch (c) {
        case 'M': A->map = optarg; break;
        case O_TRUTH: A->truth = optarg; break;
        case 'c': A->cls = optarg; break;
        case O_MODE: A->mode = tool_map_mode("--mode", optarg); break;
        case 't': A->thr = tool_double("--threshold", optarg); break;
        case O_RULE:
            A->rule = tool_choice("--rule", optarg, "sphere|cell") ? CSRO_EXTRACT_CELL : CSRO_EXTRACT_SPHERE;
            break;
        case 'i': A->infmt = tool_recon_format("--input-format", optarg); break;
        case 'f': A->json = tool_choice("--format", optarg, "tsv|json"); break;
        case 'o': A->out = optarg; break;
        case O_COND: A->cond = optarg; break;
        case O_DOMAINS: A->domains = optarg; break;
        case O_NOHEADER: A->header = 0; break;
        }
    }
    if (!A->map || !A->truth) tool_usage_error("-M MAP and --truth TRUTH are required");
    if (optind + 1 != argc) tool_usage_error("expected one reconstruction file");
    A->recon = argv[optind];
    tool_out_ext("-o", A->out, NULL, A->json ? "JSON" : "a TSV table");
    tool_input_as(A->map, TOOL_IN_PROB);
    tool_input_as(A->truth, TOOL_IN_TRUTH);
    tool_input_as(A->recon, TOOL_IN_RECON);
    if (A->domains) tool_input_as(A->domains, TOOL_IN_TEXT);
}

static void count_ions(const uint8_t *keep, const uint8_t *t, size_t n, conf *ion)
{
    *ion = (conf){0, 0, 0, 0};
    for (size_t i = 0; i < n; i++) {
        if (keep[i]) { if (t[i]) ion->tp++; else ion->fp++; }
        else { if (t[i]) ion->fn++; else ion->tn++; }
    }
}

/* Sub-cell level: truth = at least half of the cell's ions in a domain;
 * returns the ROC-AUC of the sub-cell values against that truth. */
static double score_cells(const csro_probmap *pm, const csro_recon *r, const uint8_t *t, double thr, conf *cell,
                          size_t *nscored)
{
    size_t nc = csro_probmap_count(pm);
    int8_t *ct = malloc(nc ? nc : 1);
    scored *sc = malloc((nc ? nc : 1) * sizeof *sc);
    if (!ct || !sc) tool_die(TOOL_EDATA, "out of memory");
    int rc = csro_probmap_subcell_truth(pm, csro_recon_x(r), csro_recon_y(r), csro_recon_z(r), t, csro_recon_count(r),
                                        ct, nc);
    if (rc) tool_fail(rc);
    const float *v = csro_probmap_data(pm);
    size_t ns = 0;
    *cell = (conf){0, 0, 0, 0};
    for (size_t i = 0; i < nc; i++) {
        if (ct[i] < 0 || isnan(v[i])) continue;
        int tr = ct[i], pr = v[i] > thr;
        if (pr) { if (tr) cell->tp++; else cell->fp++; }
        else { if (tr) cell->fn++; else cell->tn++; }
        sc[ns].v = v[i];
        sc[ns].t = (uint8_t)tr;
        ns++;
    }
    double auc = roc_auc(sc, ns);
    *nscored = ns;
    free(sc); free(ct);
    return auc;
}

int main(int argc, char **argv)
{
    tool_init("csro-score", usage);
    tool_prov *pv = prov_new(argc, argv); /* before getopt permutes argv */
    args A;
    parse_args(argc, argv, &A);
    FILE *f = tool_out_open(A.out);
    int rc;
    csro_probmap *pm = tool_load_map(&A.map, 1, A.cls, A.mode, &A.thr, 0.5);
    prov_input(pv, "prob", A.map);
    prov_prob_model(pv, A.map);
    prov_input(pv, "truth", A.truth);
    prov_input(pv, "recon", A.recon);
    if (A.domains) prov_input(pv, "domains", A.domains);
    prov_param(pv, "class", "%s", csro_probmap_label(pm));
    prov_param(pv, "mode", "%s", csro_probmap_mode(pm) == CSRO_PROBMAP_SUM ? "sum" : "mean");
    prov_param(pv, "threshold", "%.10g", A.thr);
    prov_param(pv, "rule", "%s", A.rule == CSRO_EXTRACT_CELL ? "cell" : "sphere");
    prov_param(pv, "condition", "%s", A.cond);
    csro_load_opts *lopts = csro_load_opts_new();
    if (!lopts) tool_die(TOOL_EDATA, "out of memory");
    csro_load_opts_set_format(lopts, A.infmt);
    csro_recon *r;
    rc = csro_recon_load(&r, A.recon, lopts);
    csro_load_opts_free(lopts);
    if (rc) tool_fail(rc);
    uint8_t *t;
    size_t nt, n = csro_recon_count(r);
    if ((rc = csro_truth_load(&t, &nt, A.truth))) tool_fail(rc);
    if (nt != n) tool_die(TOOL_EDATA, "%s: %zu truth entries for %zu ions in %s", A.truth, nt, n, A.recon);

    /* ion level: the ions csro-extract would select vs the truth */
    uint8_t *keep = malloc(n ? n : 1);
    if (!keep) tool_die(TOOL_EDATA, "out of memory");
    if ((rc = csro_probmap_extract(pm, A.thr, INFINITY, A.rule, csro_recon_x(r), csro_recon_y(r), csro_recon_z(r), n,
                                   keep, NULL)))
        tool_fail(rc);
    conf ion, cell;
    count_ions(keep, t, n, &ion);
    size_t ns;
    double auc = score_cells(pm, r, t, A.thr, &cell, &ns);
    detection D;
    if (A.domains) score_domains(A.domains, pm, A.thr, &D);
    if (A.json) {
        tool_json j;
        tool_json_begin(&j, f);
        tool_json_str(&j, "condition", A.cond);
        tool_json_num(&j, "threshold", A.thr);
        tool_json_int(&j, "ions", (long long)n);
        tool_json_int(&j, "subcells", (long long)ns);
        emit(f, &j, "ion", &ion, NAN, A.cond);
        emit(f, &j, "subcell", &cell, auc, A.cond);
        if (A.domains) print_domains(f, &j, &D, A.cond);
        prov_json(pv, &j);
        tool_json_end(&j);
    } else {
        if (A.header) prov_comments(pv, f); /* not on rows appended with --no-header */
        if (A.header) fprintf(f, "condition\tlevel\ttp\tfp\tfn\ttn\tprecision\trecall\tf1\tiou\tfalse_positive_rate\troc_auc\n");
        emit(f, NULL, "ion", &ion, NAN, A.cond);
        emit(f, NULL, "subcell", &cell, auc, A.cond);
        if (A.domains) print_domains(f, NULL, &D, A.cond);
    }
    tool_commit();
    free(keep);
    csro_free(t);
    csro_recon_free(r);
    csro_probmap_free(pm);
    prov_free(pv);
    return 0;
}
