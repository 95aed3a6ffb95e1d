/* csro-calibrate: choose the map rule of a model (sub-cell threshold and 3D
 * smoothing) that maximises the sub-cell F1 on simulated specimens with
 * known domains, under a false-positive bound on random specimens, and
 * write it into a new model file as the map.* ensemble texts. */
#include "common.h"
#include "pipeline.h"
#include "provenance.h"
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXL 16
#define NTHR 321

static void usage(void)
{
    printf("Usage: csro-calibrate [options] MODEL.csronet -o OUT.csronet\n"
           "Simulate specimens with known CSRO domains (and random ones), run the\n"
           "default flow on them (voxelize + classify with MODEL) and choose the\n"
           "sub-cell threshold and 3D smoothing that maximise the mean sub-cell F1\n"
           "while the random specimens keep a selected fraction <= --max-fp. OUT is\n"
           "MODEL with the rule as texts map.threshold, map.mode, map.smooth,\n"
           "map.threshold_rule, map.class and map.source (MODEL itself is not changed).\n\n"
           "  -o, --output FILE       calibrated model (required)\n"
           "      --box NM            specimen cube edge (16)\n"
           "      --sigma-xy LIST     lateral noise values (0.2,0.4,0.6)\n"
           "      --efficiency LIST   detection efficiencies (0.3,0.5,0.8)\n"
           "      --diameters LIST    domain diameter ranges A:B (1:2,2:3,3:4)\n"
           "      --fraction F        domain volume fraction (0.06)\n"
           "      --sigma-z NM        depth noise (0.03)\n"
           "      --smooth LIST       smoothing sigmas (nm) to try (0,0.25,0.5,0.75,1)\n"
           "      --mode sum|mean     sub-cell map (sum)\n"
           "      --max-fp F          largest selected fraction of the random specimen\n"
           "                          and of the random-label control (0.005)\n"
           "      --seed N            first specimen seed (1000); specimen i uses N+i\n"
           "      --members N         keep only the first N ensemble members in OUT (and\n"
           "                          calibrate with them): smaller shipped models\n"
           "      --rule fixed|expected-f1  threshold rule (fixed): expected-f1 = each map's\n"
           "                          own expected-F1 threshold (csro_probmap_threshold_f1),\n"
           "                          never below the calibrated floor map.threshold\n"
           "                          (mean or context maps only)\n"
           "      --report FILE       TSV: F1, precision, recall per specimen at the rule\n"
           "  -t, --threads N         threads (0 = all cores)\n"
           "  -q, --quiet             no summary\n"
           "  -h, --help, -V, --version\n");
}

typedef struct {
    pipe_spec s;
    int random;             /* 0 domains, 1 random matrix, 2 random labels */
    /* counts per smoothing and threshold: tp, fp, fn, tn */
    uint64_t (*cnt)[NTHR][4];
    /* --rule expected-f1: per smoothing the specimen's own expected-F1
     * threshold (csro_probmap_threshold_f1, no floor) and the counts there */
    double *ta;
    uint64_t (*cnta)[4];
} specimen;

/* Counts of specimen S at smoothing m and floor index h: the floor itself,
 * or the specimen's expected-F1 threshold when that lies above it. */
static const uint64_t *counts_at(const specimen *S, size_t m, size_t h, double vmax)
{
    if (S->ta && vmax * (double)h / (NTHR - 1) < S->ta[m]) return S->cnta[m];
    return S->cnt[m][h];
}

static double f1_of(const uint64_t c[4])
{
    double d = (double)(2 * c[0] + c[1] + c[2]);
    return d > 0 ? 2.0 * (double)c[0] / d : 0;
}

/* Sub-cell counts (tp, fp, fn, tn) of one specimen at every smoothing and
 * threshold index; *vmax receives the map's largest possible value. */
static void count_specimen(specimen *S, const pipe_out *po, int mode, const double *sm, size_t nsm,
                           const csro_context *cx, int ef1, double *vmax_out)
{
    double vmax = 0;
    S->cnt = calloc(nsm, sizeof *S->cnt);
    if (!S->cnt) tool_die(TOOL_EDATA, "out of memory");
    if (ef1) {
        S->ta = calloc(nsm, sizeof *S->ta);
        S->cnta = calloc(nsm, sizeof *S->cnta);
        if (!S->ta || !S->cnta) tool_die(TOOL_EDATA, "out of memory");
    }
    for (size_t m = 0; m < nsm; m++) {
        csro_probmap *map = pipe_map(po, mode, sm[m], cx);
        int8_t *t = pipe_truth(po, map);
        vmax = csro_probmap_max_value(map);
        const float *v = csro_probmap_data(map);
        size_t nc = csro_probmap_count(map);
        /* selected at threshold index h when v > vmax h / (NTHR - 1), i.e. for
         * the h below x = v (NTHR - 1) / vmax: count them, then suffix sums */
        uint64_t hist[2][NTHR + 1] = {{0}}, tot[2] = {0, 0};
        for (size_t q = 0; q < nc; q++) {
            if (t[q] < 0 || isnan(v[q])) continue;
            int tr = S->random ? 0 : t[q];
            double x = (double)v[q] * (NTHR - 1) / vmax;
            size_t nsel = x <= 0 ? 0 : x >= NTHR ? NTHR : (size_t)ceil(x);
            hist[tr][nsel]++;
            tot[tr]++;
        }
        if (ef1) {
            int rc = csro_probmap_threshold_f1(map, 0, &S->ta[m]);
            if (rc) tool_die(TOOL_EDATA, "--rule expected-f1: %s", csro_last_error());
            for (size_t q = 0; q < nc; q++) {
                if (t[q] < 0 || isnan(v[q])) continue;
                int tr = S->random ? 0 : t[q], pr = v[q] > S->ta[m];
                S->cnta[m][pr ? (tr ? 0 : 1) : (tr ? 2 : 3)]++;
            }
        }
        uint64_t above[2] = {0, 0}; /* cells with nsel > h */
        for (size_t h = NTHR; h-- > 0;) {
            above[0] += hist[0][h + 1];
            above[1] += hist[1][h + 1];
            uint64_t *cq = S->cnt[m][h];
            cq[0] = above[1]; cq[1] = above[0]; cq[2] = tot[1] - above[1]; cq[3] = tot[0] - above[0];
        }
        free(t);
        csro_probmap_free(map);
    }
    *vmax_out = vmax;
}

/* The (smoothing, threshold) indices with the best mean F1 over the domain
 * specimens (the first ns - 2) while the two random ones stay <= maxfp
 * selected; returns that F1, or -1 when no rule qualifies. */
static double choose_rule(const specimen *sp, size_t ns, size_t nsm, double maxfp, double vmax, size_t *bm_out,
                          size_t *bh_out, double *fp_out)
{
    size_t nd = ns - 2, bm = 0, bh = 0;
    double best = -1, bestfp = 0;
    for (size_t m = 0; m < nsm; m++)
        for (size_t h = 0; h < NTHR; h++) {
            double fp = 0;
            for (size_t i = nd; i < ns; i++) {
                const uint64_t *q = counts_at(&sp[i], m, h, vmax);
                double f = (double)(q[0] + q[1]) / (double)(q[0] + q[1] + q[2] + q[3] ? q[0] + q[1] + q[2] + q[3] : 1);
                if (f > fp) fp = f;
            }
            if (fp > maxfp) continue;
            double f1 = 0;
            for (size_t i = 0; i < nd; i++) f1 += f1_of(counts_at(&sp[i], m, h, vmax));
            f1 /= (double)nd;
            if (f1 > best + 1e-12) { best = f1; bm = m; bh = h; bestfp = fp; }
        }
    *bm_out = bm;
    *bh_out = bh;
    *fp_out = bestfp;
    return best;
}

/* Per-specimen scores of the chosen rule as TSV. */
static void write_report(const char *report, const tool_prov *pv, const specimen *sp, size_t ns, size_t bm,
                         size_t bh, double vmax)
{
    FILE *f = tool_out_open(report);
    prov_comments(pv, f);
    fprintf(f, "seed\tkind\tsigma_xy\tefficiency\tdiameter_nm\ttp\tfp\tfn\ttn\tprecision\trecall\tf1\tselected_fraction\n");
    for (size_t i = 0; i < ns; i++) {
        const uint64_t *q = counts_at(&sp[i], bm, bh, vmax);
        double p = q[0] + q[1] ? (double)q[0] / (double)(q[0] + q[1]) : NAN;
        double r = q[0] + q[2] ? (double)q[0] / (double)(q[0] + q[2]) : NAN;
        double all = (double)(q[0] + q[1] + q[2] + q[3]);
        fprintf(f, "%llu\t%s\t%g\t%g\t%g-%g\t%llu\t%llu\t%llu\t%llu\t%.4f\t%.4f\t%.4f\t%.5f\n",
                (unsigned long long)sp[i].s.seed, sp[i].random == 1 ? "random-matrix" : sp[i].random == 2 ? "random-label" : "domains",
                sp[i].s.sxy, sp[i].s.eff, sp[i].s.dmin, sp[i].s.dmax, (unsigned long long)q[0], (unsigned long long)q[1],
                (unsigned long long)q[2], (unsigned long long)q[3], p, r, f1_of(q), all > 0 ? (double)(q[0] + q[1]) / all : 0);
    }
}

/* map.source: how the rule was obtained. */
static void source_text(char *src, size_t len, size_t ns, double box, uint64_t seed, const double *sxy, size_t nsxy,
                        const double *eff, size_t neff, const double *dia, size_t ndia, double frac, double sz,
                        double best, double maxfp, double bestfp)
{
    char lists[3][256] = {"", "", ""};
    for (size_t i = 0; i < nsxy; i++) snprintf(lists[0] + strlen(lists[0]), 256 - strlen(lists[0]), "%s%g", i ? "," : "", sxy[i]);
    for (size_t i = 0; i < neff; i++) snprintf(lists[1] + strlen(lists[1]), 256 - strlen(lists[1]), "%s%g", i ? "," : "", eff[i]);
    for (size_t i = 0; i < ndia; i++)
        snprintf(lists[2] + strlen(lists[2]), 256 - strlen(lists[2]), "%s%g:%g", i ? "," : "", dia[2 * i], dia[2 * i + 1]);
    snprintf(src, len,
             "csro-calibrate: %zu simulated %g nm specimens (seeds %llu-%llu): sigma_xy %s nm, efficiency %s, "
             "domains %s nm at %g volume fraction, sigma_z %g nm; plus a random matrix and the random-label control; "
             "max mean sub-cell F1 %.4f under random selected fraction <= %g (got %.4f)",
             ns, box, (unsigned long long)seed, (unsigned long long)(seed + ns - 1), lists[0], lists[1], lists[2], frac, sz,
             best, maxfp, bestfp);
}

int main(int argc, char **argv)
{
    tool_openblas_single(argv);
    tool_init("csro-calibrate", usage);
    tool_prov *pv = prov_new(argc, argv); /* before getopt permutes argv */
    const char *out = NULL, *report = NULL;
    double sxy[MAXL] = {0.2, 0.4, 0.6}, eff[MAXL] = {0.3, 0.5, 0.8}, dia[2 * MAXL] = {1, 2, 2, 3, 3, 4};
    double sm[MAXL] = {0, 0.25, 0.5, 0.75, 1.0};
    size_t nsxy = 3, neff = 3, ndia = 3, nsm = 5;
    double box = 16, frac = 0.06, sz = 0.03, maxfp = 0.005;
    uint64_t seed = 1000;
    int mode = CSRO_PROBMAP_SUM, threads = 0, c, ef1 = 0;
    long members = 0;
    enum { O_BOX = 256, O_SXY, O_EFF, O_DIA, O_FRAC, O_SZ, O_SMOOTH, O_MODE, O_MAXFP, O_SEED, O_REPORT, O_MEMBERS, O_RULE };
    static const struct option lo[] = {
        {"output", 1, 0, 'o'}, {"box", 1, 0, O_BOX}, {"sigma-xy", 1, 0, O_SXY}, {"efficiency", 1, 0, O_EFF},
        {"diameters", 1, 0, O_DIA}, {"fraction", 1, 0, O_FRAC}, {"sigma-z", 1, 0, O_SZ}, {"smooth", 1, 0, O_SMOOTH},
        {"mode", 1, 0, O_MODE}, {"max-fp", 1, 0, O_MAXFP}, {"seed", 1, 0, O_SEED}, {"report", 1, 0, O_REPORT}, {"members", 1, 0, O_MEMBERS},
        {"rule", 1, 0, O_RULE}, {"threads", 1, 0, 't'}, {0, 0, 0, 0}};
    while ((c = tool_getopt(argc, argv, "o:t:", lo)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case O_BOX: box = tool_double("--box", optarg); break;
        case O_SXY: nsxy = pipe_parse_list("--sigma-xy", optarg, sxy, MAXL, 0); break;
        case O_EFF: neff = pipe_parse_list("--efficiency", optarg, eff, MAXL, 0); break;
        case O_DIA: ndia = pipe_parse_list("--diameters", optarg, dia, MAXL, 1); break;
        case O_FRAC: frac = tool_double("--fraction", optarg); break;
        case O_SZ: sz = tool_double("--sigma-z", optarg); break;
        case O_SMOOTH: nsm = pipe_parse_list("--smooth", optarg, sm, MAXL, 0); break;
        case O_MODE: mode = tool_map_mode("--mode", optarg); break;
        case O_MAXFP: maxfp = tool_double("--max-fp", optarg); break;
        case O_SEED: seed = tool_u64("--seed", optarg); break;
        case O_REPORT: report = optarg; break;
        case O_MEMBERS: members = tool_long("--members", optarg, 1, 1000); break;
        case O_RULE: ef1 = tool_choice("--rule", optarg, "fixed|expected-f1"); break;
        case 't': threads = (int)tool_long("--threads", optarg, 0, 4096); break;
        }
    }
    if (optind + 1 != argc) tool_usage_error("expected one model file");
    if (!out) tool_usage_error("missing -o OUT.csronet");
    if (!(box >= 4 && box <= 200)) tool_usage_error("--box: %g nm is not in [4, 200]", box);
    if (!(frac > 0 && frac <= 0.5)) tool_usage_error("--fraction: %g is not in (0, 0.5]", frac);
    if (!(maxfp >= 0 && maxfp <= 1)) tool_usage_error("--max-fp: %g is not in [0, 1]", maxfp);
    for (size_t i = 0; i < nsm; i++)
        if (!(sm[i] >= 0 && sm[i] <= 5)) tool_usage_error("--smooth: %g nm is not in [0, 5]", sm[i]);
    for (size_t i = 0; i < neff; i++)
        if (!(eff[i] > 0 && eff[i] <= 1)) tool_usage_error("--efficiency: %g is not in (0, 1]", eff[i]);
    for (size_t i = 0; i < nsxy; i++)
        if (!(sxy[i] >= 0 && sxy[i] <= 5)) tool_usage_error("--sigma-xy: %g nm is not in [0, 5]", sxy[i]);
    const char *in = argv[optind];
    if (!strcmp(in, out)) tool_usage_error("-o must differ from the input model (it is left untouched)");

    tool_input_as(in, TOOL_IN_MODEL);
    csro_ensemble *e;
    int rc = csro_ensemble_load(&e, in);
    if (rc) tool_fail(rc);
    if (!csro_ensemble_contract(e)) tool_die(TOOL_EDATA, "%s: model has no input contract", in);
    if (members && (size_t)members > csro_ensemble_size(e))
        tool_die(TOOL_EDATA, "%s: --members %ld but the model has %zu", in, members, csro_ensemble_size(e));
    if (members && (rc = csro_ensemble_keep(e, (size_t)members))) tool_fail(rc);
    /* a model with a context stage (map.context) is calibrated on its output */
    csro_context *cx = pipe_model_context(e);
    if (cx) mode = PIPE_CONTEXT;
    if (ef1 && mode == CSRO_PROBMAP_SUM)
        tool_usage_error("--rule expected-f1 needs a map of probabilities: --mode mean or a model with a context stage");

    /* specimens: every (diameter, sigma_xy, efficiency) + a random matrix + the random-label control */
    size_t ns = ndia * nsxy * neff + 2;
    specimen *sp = calloc(ns, sizeof *sp);
    if (!sp) tool_die(TOOL_EDATA, "out of memory");
    size_t k = 0;
    for (size_t d = 0; d < ndia; d++)
        for (size_t i = 0; i < nsxy; i++)
            for (size_t j = 0; j < neff; j++, k++)
                sp[k].s = (pipe_spec){box, sxy[i], sz, eff[j], dia[2 * d], dia[2 * d + 1], frac, 1, seed + k, 0};
    sp[k].s = (pipe_spec){box, 0.3, sz, 0.5, 2, 3, 0, 1, seed + k, 0};
    sp[k++].random = 1;
    sp[k].s = (pipe_spec){box, 0.3, sz, 0.5, 2, 3, frac, 1, seed + k, 1};
    sp[k++].random = 2;

    double vmax = 0;
    for (size_t i = 0; i < ns; i++) {
        pipe_out po;
        pipe_run(e, &sp[i].s, threads, &po);
        count_specimen(&sp[i], &po, mode, sm, nsm, cx, ef1, &vmax);
        if (!tool_quiet()) tool_progress((double)(i + 1) / (double)ns, NULL);
        pipe_free(&po);
    }
    if (!tool_quiet()) tool_progress_done();

    /* best rule: mean F1 over the domain specimens, random ones <= maxfp */
    size_t bm = 0, bh = 0;
    double bestfp = 0, best = choose_rule(sp, ns, nsm, maxfp, vmax, &bm, &bh, &bestfp);
    if (best < 0) tool_die(TOOL_EDATA, "%s: no threshold keeps the random specimens at <= %g selected", in, maxfp);
    double thr = vmax * (double)bh / (NTHR - 1);

    char num[64], src[2048];
    snprintf(num, sizeof num, "%.6g", thr);
    if ((rc = csro_ensemble_set_text(e, "map.threshold", num))) tool_fail(rc);
    const char *mname = mode == PIPE_CONTEXT ? "context" : mode == CSRO_PROBMAP_SUM ? "sum" : "mean";
    if ((rc = csro_ensemble_set_text(e, "map.mode", mname))) tool_fail(rc);
    snprintf(num, sizeof num, "%.6g", sm[bm]);
    if ((rc = csro_ensemble_set_text(e, "map.smooth", num))) tool_fail(rc);
    if ((rc = csro_ensemble_set_text(e, "map.threshold_rule", ef1 ? "expected-f1" : "fixed"))) tool_fail(rc);
    if ((rc = csro_ensemble_set_text(e, "map.class", csro_ensemble_class(e, pipe_csro_class(e))))) tool_fail(rc);
    source_text(src, sizeof src, ns, box, seed, sxy, nsxy, eff, neff, dia, ndia, frac, sz, best, maxfp, bestfp);
    if ((rc = csro_ensemble_set_text(e, "map.source", src))) tool_fail(rc);
    if ((rc = csro_ensemble_save(e, tool_out_lib(out)))) tool_fail(rc);

    if (report) {
        prov_input(pv, "model", in);
        prov_param(pv, "threshold", "%g", thr);
        prov_param(pv, "smooth_nm", "%g", sm[bm]);
        prov_param(pv, "seed", "%llu", (unsigned long long)seed);
        write_report(report, pv, sp, ns, bm, bh, vmax);
    }
    prov_free(pv);
    tool_commit();
    if (!tool_quiet())
        fprintf(stderr, "csro-calibrate: %s: threshold %g%s on the %s map smoothed %g nm: mean sub-cell F1 %.4f, "
                "random selected fraction %.4f\n", out, thr, ef1 ? " (floor of the expected-F1 rule)" : "", mname, sm[bm],
                best, bestfp);
    for (size_t i = 0; i < ns; i++) { free(sp[i].cnt); free(sp[i].ta); free(sp[i].cnta); }
    free(sp);
    csro_context_free(cx);
    csro_ensemble_free(e);
    return 0;
}
