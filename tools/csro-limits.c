/* csro-limits: detection limits of a model. Sweeps domain size, lateral
 * noise, detection efficiency and the order parameter inside the domains on
 * simulated specimens, runs the default flow (the model's map rule) and
 * writes sub-cell recall, precision and F1 per cell of the grid as TSV. */
#include "common.h"
#include "pipeline.h"
#include "provenance.h"
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAXL 16

static void usage(void)
{
    printf("Usage: csro-limits [options] MODEL.csronet [-o OUT.tsv]\n"
           "Detection limits of MODEL: simulate a specimen per cell of the grid\n"
           "(domain diameter x sigma_xy x efficiency x order parameter S), run the\n"
           "default flow (voxelize + classify + the model's map rule; 3.75 on the sum\n"
           "map for models without a rule) and write sub-cell precision, recall and F1.\n\n"
           "  -o, --output FILE       TSV (default stdout)\n"
           "      --full              the full grid: diameters 1:2,2:3,3:4,4:5,5:6 nm,\n"
           "                          sigma_xy 0.1,0.3,0.5,0.7,0.9 nm, efficiency\n"
           "                          0.3,0.5,0.8, S 1,0.75,0.5 (225 specimens)\n"
           "                          default (fast): diameters 1:2,2:4,4:6, sigma_xy\n"
           "                          0.1,0.5,0.9, efficiency 0.5, S 1,0.5 (18)\n"
           "      --diameters LIST    domain diameter ranges A:B (nm)\n"
           "      --sigma-xy LIST     lateral noise values (nm)\n"
           "      --efficiency LIST   detection efficiencies\n"
           "      --order LIST        order parameters S inside the domains\n"
           "      --box NM            specimen cube edge (16)\n"
           "      --fraction F        domain volume fraction (0.06)\n"
           "      --sigma-z NM        depth noise (0.03)\n"
           "      --seed N            first specimen seed (5000); cell i uses N+i\n"
           "  -t, --threads N         threads (0 = all cores)\n"
           "  -q, --quiet             no progress\n"
           "  -h, --help, -V, --version\n");
}

int main(int argc, char **argv)
{
    tool_openblas_single(argv);
    tool_init("csro-limits", usage);
    tool_prov *pv = prov_new(argc, argv); /* before getopt permutes argv */
    const char *out = "-";
    double dia[2 * MAXL] = {1, 2, 2, 4, 4, 6}, sxy[MAXL] = {0.1, 0.5, 0.9}, eff[MAXL] = {0.5}, ord[MAXL] = {1, 0.5};
    size_t ndia = 3, nsxy = 3, neff = 1, nord = 2;
    int setd = 0, sets = 0, sete = 0, seto = 0, full = 0, threads = 0, c;
    double box = 16, frac = 0.06, sz = 0.03;
    uint64_t seed = 5000;
    enum { O_FULL = 256, O_DIA, O_SXY, O_EFF, O_ORD, O_BOX, O_FRAC, O_SZ, O_SEED };
    static const struct option lo[] = {
        {"output", 1, 0, 'o'}, {"full", 0, 0, O_FULL}, {"diameters", 1, 0, O_DIA}, {"sigma-xy", 1, 0, O_SXY},
        {"efficiency", 1, 0, O_EFF}, {"order", 1, 0, O_ORD}, {"box", 1, 0, O_BOX}, {"fraction", 1, 0, O_FRAC},
        {"sigma-z", 1, 0, O_SZ}, {"seed", 1, 0, O_SEED}, {"threads", 1, 0, 't'}, {0, 0, 0, 0}};
    while ((c = tool_getopt(argc, argv, "o:t:", lo)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case O_FULL: full = 1; break;
        case O_DIA: ndia = pipe_parse_list("--diameters", optarg, dia, MAXL, 1); setd = 1; break;
        case O_SXY: nsxy = pipe_parse_list("--sigma-xy", optarg, sxy, MAXL, 0); sets = 1; break;
        case O_EFF: neff = pipe_parse_list("--efficiency", optarg, eff, MAXL, 0); sete = 1; break;
        case O_ORD: nord = pipe_parse_list("--order", optarg, ord, MAXL, 0); seto = 1; break;
        case O_BOX: box = tool_double("--box", optarg); break;
        case O_FRAC: frac = tool_double("--fraction", optarg); break;
        case O_SZ: sz = tool_double("--sigma-z", optarg); break;
        case O_SEED: seed = tool_u64("--seed", optarg); break;
        case 't': threads = (int)tool_long("--threads", optarg, 0, 4096); break;
        }
    }
    if (optind + 1 != argc) tool_usage_error("expected one model file");
    if (full) {
        static const double fd[] = {1, 2, 2, 3, 3, 4, 4, 5, 5, 6}, fs[] = {0.1, 0.3, 0.5, 0.7, 0.9};
        static const double fe[] = {0.3, 0.5, 0.8}, fo[] = {1, 0.75, 0.5};
        if (!setd) { memcpy(dia, fd, sizeof fd); ndia = 5; }
        if (!sets) { memcpy(sxy, fs, sizeof fs); nsxy = 5; }
        if (!sete) { memcpy(eff, fe, sizeof fe); neff = 3; }
        if (!seto) { memcpy(ord, fo, sizeof fo); nord = 3; }
    }
    if (!(box >= 4 && box <= 200)) tool_usage_error("--box: %g nm is not in [4, 200]", box);
    if (!(frac > 0 && frac <= 0.5)) tool_usage_error("--fraction: %g is not in (0, 0.5]", frac);
    for (size_t i = 0; i < neff; i++)
        if (!(eff[i] > 0 && eff[i] <= 1)) tool_usage_error("--efficiency: %g is not in (0, 1]", eff[i]);
    for (size_t i = 0; i < nord; i++)
        if (!(ord[i] >= 0 && ord[i] <= 1)) tool_usage_error("--order: %g is not in [0, 1]", ord[i]);
    for (size_t i = 0; i < nsxy; i++)
        if (!(sxy[i] >= 0 && sxy[i] <= 5)) tool_usage_error("--sigma-xy: %g nm is not in [0, 5]", sxy[i]);
    for (size_t i = 0; i < ndia; i++)
        if (dia[2 * i + 1] > box) tool_usage_error("--diameters: %g nm domains do not fit the %g nm box", dia[2 * i + 1], box);
    const char *in = argv[optind];

    csro_ensemble *e;
    int rc = csro_ensemble_load(&e, in);
    if (rc) tool_fail(rc);
    if (!csro_ensemble_contract(e)) tool_die(TOOL_EDATA, "%s: model has no input contract", in);
    int mode;
    double thr, smooth;
    csro_context *cx;
    if (!pipe_model_rule(e, &mode, &thr, &smooth, &cx) && !tool_quiet())
        fprintf(stderr, "csro-limits: %s carries no calibrated map rule: reference sum map, threshold 3.75\n", in);

    FILE *f = tool_out_open(out); /* committed at the end: no partial output */
    const char *rule = csro_ensemble_text(e, "map.threshold_rule");
    int ef1 = rule && !strcmp(rule, "expected-f1");
    fprintf(f, "# csro-limits %s: %s map%s, threshold %g%s; %g nm specimens, %g domain volume fraction, sigma_z %g nm\n",
            in, mode == PIPE_CONTEXT ? "context-stage" : mode == CSRO_PROBMAP_SUM ? "sum" : "mean", smooth > 0 ? " smoothed" : "", thr,
            ef1 ? " (floor of each specimen's expected-F1 threshold)" : "", box, frac, sz);
    prov_input(pv, "model", in);
    prov_param(pv, "threshold", "%g", thr);
    prov_param(pv, "box_nm", "%g", box);
    prov_param(pv, "fraction", "%g", frac);
    prov_param(pv, "sigma_z", "%g", sz);
    prov_param(pv, "seed", "%llu", (unsigned long long)seed);
    prov_comments(pv, f);
    prov_free(pv);
    fprintf(f, "diameter_nm\tsigma_xy\tefficiency\torder_S\tseed\ttp\tfp\tfn\ttn\tprecision\trecall\tf1\n");
    size_t total = ndia * nsxy * neff * nord, k = 0;
    for (size_t d = 0; d < ndia; d++)
        for (size_t i = 0; i < nsxy; i++)
            for (size_t j = 0; j < neff; j++)
                for (size_t o = 0; o < nord; o++, k++) {
                    pipe_spec s = {box, sxy[i], sz, eff[j], dia[2 * d], dia[2 * d + 1], frac, ord[o], seed + k, 0};
                    pipe_out po;
                    pipe_run(e, &s, threads, &po);
                    csro_probmap *m = pipe_map(&po, mode, smooth, cx);
                    int8_t *t = pipe_truth(&po, m);
                    const float *v = csro_probmap_data(m);
                    double tm = pipe_threshold(e, m, thr);
                    uint64_t q[4] = {0, 0, 0, 0};
                    for (size_t x = 0; x < csro_probmap_count(m); x++) {
                        if (t[x] < 0 || isnan(v[x])) continue;
                        int pr = v[x] > tm;
                        q[pr ? (t[x] ? 0 : 1) : (t[x] ? 2 : 3)]++;
                    }
                    double p = q[0] + q[1] ? (double)q[0] / (double)(q[0] + q[1]) : NAN;
                    double r = q[0] + q[2] ? (double)q[0] / (double)(q[0] + q[2]) : NAN;
                    double f1 = 2 * q[0] + q[1] + q[2] ? 2.0 * (double)q[0] / (double)(2 * q[0] + q[1] + q[2]) : NAN;
                    fprintf(f, "%g-%g\t%g\t%g\t%g\t%llu\t%llu\t%llu\t%llu\t%llu\t%.4f\t%.4f\t%.4f\n", dia[2 * d],
                            dia[2 * d + 1], sxy[i], eff[j], ord[o], (unsigned long long)s.seed, (unsigned long long)q[0],
                            (unsigned long long)q[1], (unsigned long long)q[2], (unsigned long long)q[3], p, r, f1);
                    free(t);
                    csro_probmap_free(m);
                    pipe_free(&po);
                    if (!tool_quiet()) tool_progress((double)(k + 1) / (double)total, NULL);
                }
    if (!tool_quiet()) tool_progress_done();
    tool_commit();
    csro_context_free(cx);
    csro_ensemble_free(e);
    return 0;
}
