/* csro-score: compare a CSRO probability map with the known truth of a
 * simulated specimen (apt-simulate --truth): ion-level and sub-cell-level
 * precision, recall, F1, IoU, false-positive rate and ROC-AUC. */
#include "common.h"
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(void)
{
    printf("Usage: csro-score -m MAP.prob -t TRUTH [options] RECON\n"
           "Scores a CSRO map against the per-ion truth of a simulated specimen.\n\n"
           "  -m, --map FILE        .prob file from csro-classify\n"
           "  -t, --truth FILE      per-ion truth from apt-simulate --truth\n"
           "  --class NAME          class to score (default: the last class)\n"
           "  --mode sum|mean       sub-cell map (default sum, threshold 3.75)\n"
           "  --threshold T         sub-cells with value > T are CSRO\n"
           "  --rule sphere|cell    ion selection rule of csro-extract (default sphere)\n"
           "  --input-format FMT    reconstruction format when it cannot be guessed\n"
           "  --format tsv|json     output (default tsv)\n"
           "  --condition TEXT      label written in the 'condition' column\n"
           "  --domains FILE        planted domains (apt-simulate --domain-list): also\n"
           "                        the detection rate per 0.5 nm diameter class (a domain\n"
           "                        is detected when a selected sub-cell centre lies in it)\n"
           "  --no-header           omit the TSV header (to append rows)\n"
           "  --help, --version\n");
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

static void emit(FILE *f, int json, const char *level, const conf *c, double auc, const char *cond, int *first)
{
    double p = ratio((double)c->tp, (double)(c->tp + c->fp)), r = ratio((double)c->tp, (double)(c->tp + c->fn));
    double f1 = ratio(2.0 * (double)c->tp, (double)(2 * c->tp + c->fp + c->fn));
    double iou = ratio((double)c->tp, (double)(c->tp + c->fp + c->fn));
    double fpr = ratio((double)c->fp, (double)(c->fp + c->tn));
    if (json) {
        fprintf(f, "%s\n  \"%s\": {\"tp\": %llu, \"fp\": %llu, \"fn\": %llu, \"tn\": %llu, ", *first ? "" : ",", level,
                (unsigned long long)c->tp, (unsigned long long)c->fp, (unsigned long long)c->fn, (unsigned long long)c->tn);
        double v[6] = {p, r, f1, iou, fpr, auc};
        const char *k[6] = {"precision", "recall", "f1", "iou", "false_positive_rate", "roc_auc"};
        for (int i = 0; i < 6; i++) {
            if (isnan(v[i])) fprintf(f, "\"%s\": null%s", k[i], i < 5 ? ", " : "}");
            else fprintf(f, "\"%s\": %.6f%s", k[i], v[i], i < 5 ? ", " : "}");
        }
    } else {
        fprintf(f, "%s\t%s\t%llu\t%llu\t%llu\t%llu\t%.6f\t%.6f\t%.6f\t%.6f\t%.6f\t%.6f\n", cond, level,
                (unsigned long long)c->tp, (unsigned long long)c->fp, (unsigned long long)c->fn, (unsigned long long)c->tn,
                p, r, f1, iou, fpr, auc);
    }
    *first = 0;
}

/* Domain-level detection: fraction of planted spheres containing the
 * centre of at least one selected sub-cell, per 0.5 nm diameter class. */
static void score_domains(const char *path, const csro_probmap *pm, double thr, int json, const char *cond)
{
    FILE *f = fopen(path, "r");
    if (!f) tool_die(TOOL_EDATA, "%s: cannot open", path);
    char line[512];
    enum { NCLS = 16 };
    unsigned nd[NCLS] = {0}, det[NCLS] = {0}, total = 0, found = 0;
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
        total++;
        found += (unsigned)hit;
    }
    fclose(f);
    if (json) {
        printf(",\n  \"domains\": {\"planted\": %u, \"detected\": %u, \"by_diameter\": [", total, found);
        int first = 1;
        for (int k = 0; k < NCLS; k++)
            if (nd[k]) {
                printf("%s{\"diameter_nm\": [%.1f, %.1f], \"planted\": %u, \"detected\": %u}", first ? "" : ", ",
                       0.5 * k, 0.5 * (k + 1), nd[k], det[k]);
                first = 0;
            }
        printf("]}");
    } else {
        printf("\n# domain detection\ncondition\tdiameter_nm\tplanted\tdetected\trate\n");
        for (int k = 0; k < NCLS; k++)
            if (nd[k]) printf("%s\t%.1f-%.1f\t%u\t%u\t%.4f\n", cond, 0.5 * k, 0.5 * (k + 1), nd[k], det[k], (double)det[k] / nd[k]);
        printf("%s\tall\t%u\t%u\t%.4f\n", cond, total, found, total ? (double)found / total : NAN);
    }
}

int main(int argc, char **argv)
{
    tool_init("csro-score");
    const char *map = NULL, *truth = NULL, *cls = NULL, *infmt = NULL, *cond = "-", *domains = NULL;
    int mode = CSRO_PROBMAP_SUM, rule = CSRO_EXTRACT_SPHERE, json = 0, header = 1, have_thr = 0;
    double thr = 3.75;
    static const struct option lo[] = {
        {"map", 1, 0, 'm'}, {"truth", 1, 0, 't'}, {"class", 1, 0, 'c'}, {"mode", 1, 0, 'M'},
        {"threshold", 1, 0, 'T'}, {"rule", 1, 0, 'r'}, {"input-format", 1, 0, 'I'}, {"format", 1, 0, 'f'},
        {"condition", 1, 0, 'C'}, {"domains", 1, 0, 'D'}, {"no-header", 0, 0, 'n'}, {"help", 0, 0, 'h'}, {"version", 0, 0, 'V'}, {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "m:t:f:h", lo, NULL)) != -1) {
        switch (c) {
        case 'm': map = optarg; break;
        case 't': truth = optarg; break;
        case 'c': cls = optarg; break;
        case 'M':
            mode = tool_map_mode("--mode", optarg);
            break;
        case 'T': thr = tool_double("--threshold", optarg); have_thr = 1; break;
        case 'r':
            if (!strcmp(optarg, "sphere")) rule = CSRO_EXTRACT_SPHERE;
            else if (!strcmp(optarg, "cell")) rule = CSRO_EXTRACT_CELL;
            else tool_usage_error("--rule: '%s' is not sphere or cell", optarg);
            break;
        case 'I': infmt = optarg; break;
        case 'f':
            if (!strcmp(optarg, "json")) json = 1;
            else if (strcmp(optarg, "tsv")) tool_usage_error("--format: '%s' is not tsv or json", optarg);
            break;
        case 'C': cond = optarg; break;
        case 'D': domains = optarg; break;
        case 'n': header = 0; break;
        case 'h': usage(); return 0;
        case 'V': tool_version();
        default: tool_usage_error("unknown option");
        }
    }
    if (!map || !truth) tool_usage_error("-m MAP and -t TRUTH are required");
    if (optind + 1 != argc) tool_usage_error("expected one reconstruction file");
    if (!have_thr && mode == CSRO_PROBMAP_MEAN) thr = 0.5;

    csro_probmap *pm;
    int rc = csro_probmap_load(&pm, map, cls, CSRO_PROBMAP_MEANS, mode);
    if (rc) tool_fail(rc);
    csro_load_opts *lopts = csro_load_opts_new();
    if (infmt) csro_load_opts_set_format(lopts, tool_recon_format("--input-format", infmt));
    csro_recon *r;
    rc = csro_recon_load(&r, argv[optind], lopts);
    csro_load_opts_free(lopts);
    if (rc) tool_fail(rc);
    uint8_t *t;
    size_t nt, n = csro_recon_count(r);
    if ((rc = csro_truth_load(&t, &nt, truth))) tool_fail(rc);
    if (nt != n) tool_die(TOOL_EDATA, "%s: %zu truth entries for %zu ions in %s", truth, nt, n, argv[optind]);

    /* ion level: the ions csro-extract would select vs the truth */
    uint8_t *keep = malloc(n ? n : 1);
    if (!keep) tool_die(TOOL_EDATA, "out of memory");
    if ((rc = csro_probmap_extract(pm, thr, INFINITY, rule, csro_recon_x(r), csro_recon_y(r), csro_recon_z(r), n,
                                   keep, NULL)))
        tool_fail(rc);
    conf ion = {0, 0, 0, 0};
    for (size_t i = 0; i < n; i++) {
        if (keep[i]) { if (t[i]) ion.tp++; else ion.fp++; }
        else { if (t[i]) ion.fn++; else ion.tn++; }
    }
    /* sub-cell level: truth = at least half of the cell's ions in a domain */
    size_t d[3], nc = csro_probmap_count(pm);
    double org[3], sp = csro_probmap_spacing(pm);
    csro_probmap_dims(pm, d);
    csro_probmap_origin(pm, org);
    uint32_t *tot = calloc(nc, sizeof *tot), *pos = calloc(nc, sizeof *pos);
    if (!tot || !pos) tool_die(TOOL_EDATA, "out of memory");
    const float *x = csro_recon_x(r), *y = csro_recon_y(r), *z = csro_recon_z(r);
    for (size_t i = 0; i < n; i++) {
        double q[3] = {x[i], y[i], z[i]};
        size_t ix[3];
        int in = 1;
        for (int k = 0; k < 3 && in; k++) {
            double f = floor((q[k] - org[k]) / sp);
            if (f < 0 || f >= (double)d[k]) in = 0;
            else ix[k] = (size_t)f;
        }
        if (!in) continue;
        size_t cidx = (ix[2] * d[1] + ix[1]) * d[0] + ix[0];
        tot[cidx]++;
        pos[cidx] += t[i];
    }
    const float *v = csro_probmap_data(pm);
    scored *sc = malloc((nc ? nc : 1) * sizeof *sc);
    size_t ns = 0;
    conf cell = {0, 0, 0, 0};
    for (size_t i = 0; i < nc; i++) {
        if (!tot[i] || isnan(v[i])) continue;
        int tr = 2 * pos[i] >= tot[i], pr = v[i] > thr;
        if (pr) { if (tr) cell.tp++; else cell.fp++; }
        else { if (tr) cell.fn++; else cell.tn++; }
        sc[ns].v = v[i];
        sc[ns].t = (uint8_t)tr;
        ns++;
    }
    double auc = roc_auc(sc, ns);
    int first = 1;
    if (json) {
        printf("{\"condition\": \"%s\", \"threshold\": %g, \"ions\": %zu, \"subcells\": %zu,", cond, thr, n, ns);
        emit(stdout, 1, "ion", &ion, NAN, cond, &first);
        emit(stdout, 1, "subcell", &cell, auc, cond, &first);
        if (domains) score_domains(domains, pm, thr, 1, cond);
        printf("\n}\n");
    } else {
        if (header) printf("condition\tlevel\ttp\tfp\tfn\ttn\tprecision\trecall\tf1\tiou\tfalse_positive_rate\troc_auc\n");
        emit(stdout, 0, "ion", &ion, NAN, cond, &first);
        emit(stdout, 0, "subcell", &cell, auc, cond, &first);
        if (domains) score_domains(domains, pm, thr, 0, cond);
    }
    if (fflush(stdout)) tool_die(TOOL_EDATA, "-: write error");
    free(sc); free(tot); free(pos); free(keep);
    csro_free(t);
    csro_recon_free(r);
    csro_probmap_free(pm);
    return 0;
}
