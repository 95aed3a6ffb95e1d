/* net_bench.c: speed of the ML-APT network in libcsro.
 *   inference: a 5-member ensemble of the reference architecture (93 bins,
 *     2 classes) on N random profiles, 1 and T threads, voxels per minute;
 *     the weights, inputs and mean outputs are written to DIR so that
 *     bench/net_bench.py can time NumPy on the same forward pass and check
 *     it gives the same numbers;
 *   training: 5-fold x E-epoch training on a synthetic 2-class bank of M
 *     patterns (batch 32, Adam, augmentation doubling the training set).
 * Usage: net_bench DIR [N [M [E [T]]]] */
#include "csro.h"
#include "base/internal.h"
#include "net/net_impl.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static double cpu(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int dump(const char *dir, const char *name, const float *p, size_t n)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *fp = fopen(path, "wb");
    if (!fp || fwrite(p, sizeof *p, n, fp) != n) { perror(path); if (fp) fclose(fp); return 1; }
    return fclose(fp) != 0;
}

static void die(const char *what)
{
    fprintf(stderr, "net_bench: %s: %s\n", what, csro_last_error());
    exit(1);
}

int main(int argc, char **argv)
{
    if (argc < 2) { fprintf(stderr, "usage: net_bench DIR [N [M [E [T]]]]\n"); return 2; }
    const char *dir = argv[1];
    size_t N = argc > 2 ? strtoul(argv[2], NULL, 10) : 200000;
    size_t M = argc > 3 ? strtoul(argv[3], NULL, 10) : 10000;
    int E = argc > 4 ? atoi(argv[4]) : 30, T = argc > 5 ? atoi(argv[5]) : 2;
    cs_rng r;

    /* ---- inference ---- */
    csro_ensemble *e;
    if (csro_ensemble_new(&e, 2)) die("ensemble");
    for (int k = 0; k < 5; k++) {
        csro_net *n;
        if (csro_net_new_default(&n, 93, 2) || csro_net_init(n, 100 + (uint64_t)k)) die("net");
        float *p = csro_net_params(n);
        cs_rng_init(&r, 7, (uint64_t)k);
        for (size_t i = 0; i < csro_net_nparams(n); i++) p[i] += (float)(0.01 * cs_rng_normal(&r));
        if (csro_ensemble_add(e, n)) die("add");
        char name[64];
        snprintf(name, sizeof name, "member%d.f32", k);
        if (dump(dir, name, p, csro_net_nparams(n))) return 1;
        csro_net_free(n);
    }
    float *x = malloc(N * 93 * sizeof *x), *mean = malloc(N * 2 * sizeof *mean), *sd = malloc(N * 2 * sizeof *sd);
    if (!x || !mean || !sd) { fprintf(stderr, "net_bench: out of memory\n"); return 1; }
    cs_rng_init(&r, 1, 0);
    for (size_t i = 0; i < N * 93; i++) x[i] = (float)cs_rng_uniform(&r);
    double t1 = 0, tT = 0, c1 = 0;
    for (int rep = 0; rep < 2; rep++) { /* best of 2 */
        double t0 = now(), p0 = cpu();
        if (csro_ensemble_predict(e, N, x, mean, sd, 1)) die("predict");
        double a = now() - t0, pc = cpu() - p0;
        if (!rep || pc < c1) c1 = pc;
        t0 = now();
        if (csro_ensemble_predict(e, N, x, mean, sd, T)) die("predict");
        double b = now() - t0;
        if (!rep || a < t1) t1 = a;
        if (!rep || b < tT) tT = b;
    }
    if (dump(dir, "x.f32", x, N * 93) || dump(dir, "mean.f32", mean, N * 2)) return 1;
    printf("inference_voxels\t%zu\n", N);
    printf("inference_s_1thread\t%.3f\n", t1);
    printf("inference_voxels_per_min_1thread\t%.3g\n", N / t1 * 60);
    printf("inference_cpu_s_1thread\t%.3f\n", c1);
    printf("inference_voxels_per_cpu_min\t%.3g\n", N / c1 * 60);
    printf("inference_s_%dthreads\t%.3f\n", T, tT);
    printf("inference_voxels_per_min_%dthreads\t%.3g\n", T, N / tT * 60);
    csro_ensemble_free(e);
    free(x); free(mean); free(sd);

    /* ---- training ---- */
    if (!M || E <= 0) return 0;
    x = malloc(M * 93 * sizeof *x);
    int32_t *y = malloc(M * sizeof *y);
    cs_rng_init(&r, 2, 0);
    for (size_t i = 0; i < M; i++) {
        int c = (int)(i % 2);
        double mu = 40 + 10 * c + 4 * cs_rng_normal(&r), lo = 1e9, hi = -1e9;
        for (int k = 0; k < 93; k++) {
            double v = exp(-0.5 * (k - mu) * (k - mu) / 16) + 0.5 * cs_rng_uniform(&r);
            x[i * 93 + k] = (float)v;
            lo = fmin(lo, v); hi = fmax(hi, v);
        }
        for (int k = 0; k < 93; k++) x[i * 93 + k] = (float)((x[i * 93 + k] - lo) / (hi - lo));
        y[i] = c;
    }
    csro_net *arch;
    csro_train_opts *o = csro_train_opts_new();
    if (csro_net_new_default(&arch, 93, 2) || csro_train_opts_set_epochs(o, E) || csro_train_opts_set_threads(o, T))
        die("train setup");
    csro_train_report *rep;
    double t0 = now();
    if (csro_train(&e, &rep, arch, x, y, M, 2, o, NULL, NULL)) die("train");
    double tt = now() - t0;
    printf("train_patterns\t%zu\ntrain_folds\t5\ntrain_epochs\t%d\ntrain_threads\t%d\n", M, E, T);
    printf("train_s\t%.2f\n", tt);
    printf("train_heldout_accuracy\t%.4f\n", csro_train_report_accuracy(rep));
    csro_train_report_free(rep);
    csro_ensemble_free(e);
    csro_train_opts_free(o);
    csro_net_free(arch);
    free(x); free(y);
    return 0;
}
