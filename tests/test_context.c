/* test_context.c: the 3D context stage (csro/context.h): features against
 * a second, coordinate-based computation written here from the header's
 * description, symmetry of the output under the square symmetries about z
 * and the z mirror, identical bits for any thread count, text round trip,
 * malformed texts refused, sub-cell truth by hand, sub-cell probmaps. */
#include "testutil.h"
#include "csro.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NV 11 /* voxels per axis: 1 nm voxels, 0.5 nm stride over [0, 6] nm */
#define NS 12 /* sub-cells per axis */

static csro_grid *make_grid(double stride)
{
    double lo[3] = {0, 0, 0}, hi[3] = {6, 6, 6};
    csro_grid *g = NULL;
    ck_assert_int_eq(csro_grid_new(&g, lo, hi, 1.0, stride, CSRO_VOXEL_SPHERE), 0);
    return g;
}

/* A smooth blob plus noise, a few no-data voxels (one corner region). */
static void make_field(float *p, float *sd, unsigned seed)
{
    unsigned s = seed;
    for (int k = 0; k < NV; k++)
        for (int j = 0; j < NV; j++)
            for (int i = 0; i < NV; i++) {
                s = s * 1103515245u + 12345u;
                double u = (double)(s >> 8) / 16777216.0;
                double r2 = (i - 4.3) * (i - 4.3) + (j - 6.1) * (j - 6.1) + 0.6 * (k - 5.2) * (k - 5.2);
                size_t v = (size_t)(i + NV * (j + NV * k));
                p[v] = (float)(exp(-r2 / 6.0) * 0.8 + 0.15 * u);
                sd[v] = (float)(0.05 + 0.1 * u * p[v]);
                if (i + j + k < 3) p[v] = sd[v] = NAN;
            }
}

/* Labels: sub-cell centre within 1.6 nm of (2.3, 3.1, 2.6) nm. */
static void make_labels(int8_t *lab)
{
    for (int k = 0; k < NS; k++)
        for (int j = 0; j < NS; j++)
            for (int i = 0; i < NS; i++) {
                double x = 0.25 + 0.5 * i - 2.3, y = 0.25 + 0.5 * j - 3.1, z = 0.25 + 0.5 * k - 2.6;
                lab[i + NS * (j + NS * k)] = (int8_t)(x * x + y * y + z * z < 1.6 * 1.6);
            }
}

static csro_context *train_small(int h, int use_std, uint64_t seed)
{
    csro_grid *g = make_grid(0.5);
    float p[NV * NV * NV], sd[NV * NV * NV];
    int8_t lab[NS * NS * NS];
    csro_context_opts *o = csro_context_opts_new();
    ck_assert_ptr_nonnull(o);
    size_t hid[2] = {6, 4};
    ck_assert_int_eq(csro_context_opts_set_halfwidth(o, h), 0);
    ck_assert_int_eq(csro_context_opts_set_use_std(o, use_std), 0);
    ck_assert_int_eq(csro_context_opts_set_hidden(o, 2, hid), 0);
    ck_assert_int_eq(csro_context_opts_set_members(o, 2), 0);
    ck_assert_int_eq(csro_context_opts_set_epochs(o, 2), 0);
    ck_assert_int_eq(csro_context_opts_set_seed(o, seed), 0);
    ck_assert_int_eq(csro_context_opts_set_threads(o, 1), 0);
    csro_context_data *d;
    ck_assert_int_eq(csro_context_data_new(&d, o), 0);
    make_labels(lab);
    for (unsigned t = 0; t < 2; t++) {
        make_field(p, sd, 7 + t);
        ck_assert_int_eq(csro_context_data_add(d, g, p, sd, lab, NS * NS * NS), 0);
    }
    ck_assert_uint_gt(csro_context_data_positives(d), 0);
    csro_context *c = NULL;
    ck_assert_int_eq(csro_context_train(&c, NULL, d, o, NULL, NULL), 0);
    csro_context_data_free(d);
    csro_context_opts_free(o);
    csro_grid_free(g);
    return c;
}

START_TEST(test_subcells_and_truth)
{
    csro_grid *g = make_grid(0.5);
    ck_assert_uint_eq(csro_context_subcells(g), NS * NS * NS);
    /* sub-cell (1,0,0) = [0.5,1) x [0,0.5) x [0,0.5): 3 ions, 2 true -> 1;
     * (0,0,0): 2 ions, 1 true -> 1 (half counts); (2,0,0): 1 false -> 0;
     * ions outside [0, 6) are ignored; everything else -1. */
    float x[] = {0.6f, 0.7f, 0.9f, 0.1f, 0.2f, 1.2f, 6.2f, -0.1f};
    float y[] = {0.1f, 0.2f, 0.3f, 0.1f, 0.4f, 0.2f, 0.1f, 0.1f};
    float z[] = {0.1f, 0.1f, 0.2f, 0.1f, 0.3f, 0.4f, 0.1f, 0.1f};
    uint8_t t[] = {1, 1, 0, 1, 0, 0, 1, 1};
    int8_t *lab = malloc(NS * NS * NS);
    ck_assert_int_eq(csro_context_truth(lab, NS * NS * NS, g, x, y, z, t, 8), 0);
    ck_assert_int_eq(lab[0], 1);
    ck_assert_int_eq(lab[1], 1);
    ck_assert_int_eq(lab[2], 0);
    size_t neg = 0;
    for (size_t i = 3; i < NS * NS * NS; i++) neg += lab[i] == -1;
    ck_assert_uint_eq(neg, NS * NS * NS - 3);
    ck_assert_int_eq(csro_context_truth(lab, 5, g, x, y, z, t, 8), CSRO_EMISMATCH);
    free(lab);
    csro_grid_free(g);
}
END_TEST

/* Does any voxel covering sub-cell (i, j, k) have data? */
static int covered(const float *p, size_t i, size_t j, size_t k)
{
    for (size_t K = k ? k - 1 : 0; K <= k && K < NV; K++)
        for (size_t J = j ? j - 1 : 0; J <= j && J < NV; J++)
            for (size_t I = i ? i - 1 : 0; I <= i && I < NV; I++)
                if (!isnan(p[I + NV * (J + NV * K)])) return 1;
    return 0;
}

/* Independent features: voxel and sub-cell centres in nm, offsets in
 * strides, window and levels from the offsets, orbits by explicit
 * (min level, max level, z level) lists. */
static void ref_features(const float *p, const float *sd, int h, int use_std, size_t si, size_t sj, size_t sk,
                         double *F)
{
    double c[3] = {0.25 + 0.5 * (double)si, 0.25 + 0.5 * (double)sj, 0.25 + 0.5 * (double)sk};
    int no = h * (h + 1) / 2 * h;
    double ps[128] = {0}, ss[128] = {0}, n[128] = {0}, inner[8];
    int ni = 0;
    double tot = 0, tots = 0, nval = 0, nwin = 0;
    double gsum[2][3][2] = {{{0}}}, gcnt[2][3][2] = {{{0}}};
    /* scan a generous box around the sub-cell; the window test decides */
    int ci = (int)si, cj = (int)sj, ck = (int)sk;
    for (int K = ck - h - 3; K <= ck + h + 3; K++)
        for (int J = cj - h - 3; J <= cj + h + 3; J++)
            for (int I = ci - h - 3; I <= ci + h + 3; I++) {
                double vc[3] = {0.5 * I + 0.5, 0.5 * J + 0.5, 0.5 * K + 0.5};
                double o[3], l[3];
                int inwin = 1;
                for (int a = 0; a < 3; a++) {
                    o[a] = (vc[a] - c[a]) / 0.5;
                    if (fabs(o[a]) > h - 0.5 + 1e-9) inwin = 0;
                    l[a] = floor(fabs(o[a]));
                }
                if (!inwin) continue;
                nwin++;
                if (I < 0 || J < 0 || K < 0 || I >= NV || J >= NV || K >= NV) continue;
                size_t v = (size_t)(I + NV * (J + NV * K));
                if (isnan(p[v])) continue;
                int lo = (int)fmin(l[0], l[1]), hi = (int)fmax(l[0], l[1]);
                int idx = 0, found = -1;
                for (int b = 0; b < h; b++)
                    for (int a = 0; a <= b; a++)
                        for (int z = 0; z < h; z++, idx++)
                            if (a == lo && b == hi && z == (int)l[2]) found = idx;
                ck_assert_int_ge(found, 0);
                ps[found] += p[v]; ss[found] += sd[v]; n[found]++;
                tot += p[v]; tots += sd[v]; nval++;
                if (l[0] == 0 && l[1] == 0 && l[2] == 0) inner[ni++] = p[v];
                for (int a = 0; a < 3; a++) {
                    int side = o[a] > 0;
                    gsum[1][a][side] += p[v]; gcnt[1][a][side]++;
                    if (l[0] <= 1 && l[1] <= 1 && l[2] <= 1) { gsum[0][a][side] += p[v]; gcnt[0][a][side]++; }
                }
            }
    int t = 0;
    for (int q = 0; q < no; q++) F[t++] = n[q] ? ps[q] / n[q] : tot / nval;
    if (use_std)
        for (int q = 0; q < no; q++) F[t++] = n[q] ? ss[q] / n[q] : tots / nval;
    while (ni < 8) inner[ni++] = tot / nval;
    for (int a = 0; a < 8; a++) /* insertion sort */
        for (int b = a + 1; b < 8; b++)
            if (inner[b] < inner[a]) { double w = inner[a]; inner[a] = inner[b]; inner[b] = w; }
    for (int a = 0; a < 8; a++) F[t++] = inner[a];
    for (int s = 0; s < 2; s++) {
        double gg[3];
        for (int a = 0; a < 3; a++)
            gg[a] = gcnt[s][a][0] && gcnt[s][a][1] ? gsum[s][a][1] / gcnt[s][a][1] - gsum[s][a][0] / gcnt[s][a][0] : 0;
        F[t++] = hypot(gg[0], gg[1]);
        F[t++] = fabs(gg[2]);
    }
    F[t++] = nval / nwin;
}

START_TEST(test_features_reference)
{
    csro_grid *g = make_grid(0.5);
    float p[NV * NV * NV], sd[NV * NV * NV];
    make_field(p, sd, 3);
    int hs[2] = {2, 3};
    for (int q = 0; q < 2; q++) {
        int h = hs[q];
        csro_context *c = train_small(h, q == 0, 5);
        size_t nf = csro_context_nfeatures(c), n = NS * NS * NS;
        ck_assert_uint_eq(nf, (size_t)(h * (h + 1) / 2 * h * (q == 0 ? 2 : 1) + 8 + 5));
        float *F = malloc(n * nf * sizeof *F);
        ck_assert_int_eq(csro_context_features(c, g, p, sd, F, n, 2), 0);
        double R[200];
        size_t checked = 0;
        for (size_t k = 0; k < NS; k++)
            for (size_t j = 0; j < NS; j++)
                for (size_t i = 0; i < NS; i++) {
                    const float *row = F + (i + NS * (j + NS * k)) * nf;
                    if (!covered(p, i, j, k)) { ck_assert(isnan(row[0])); continue; }
                    ref_features(p, sd, h, q == 0, i, j, k, R);
                    for (size_t t = 0; t < nf; t++)
                        ck_assert_msg(fabs(row[t] - R[t]) < 1e-5, "h %d cell %zu %zu %zu feature %zu: %g vs %g", h,
                                      i, j, k, t, row[t], R[t]);
                    checked++;
                }
        ck_assert_uint_gt(checked, n - 20);
        free(F);
        csro_context_free(c);
    }
    csro_grid_free(g);
}
END_TEST

/* Transform t of a cube field (size m per axis): 0 swap x/y, 1 mirror x,
 * 2 mirror y, 3 mirror z. */
static size_t tr_index(size_t i, size_t j, size_t k, size_t m, int t)
{
    switch (t) {
    case 0: return j + m * (i + m * k);
    case 1: return (m - 1 - i) + m * (j + m * k);
    case 2: return i + m * ((m - 1 - j) + m * k);
    default: return i + m * (j + m * (m - 1 - k));
    }
}

START_TEST(test_symmetry_threads_text)
{
    csro_grid *g = make_grid(0.5);
    csro_context *c = train_small(3, 1, 11);
    float p[NV * NV * NV], sd[NV * NV * NV], tp[NV * NV * NV], tsd[NV * NV * NV];
    make_field(p, sd, 21);
    size_t n = NS * NS * NS;
    float *o1 = malloc(n * sizeof *o1), *o2 = malloc(n * sizeof *o2), *o3 = malloc(n * sizeof *o3);
    ck_assert_int_eq(csro_context_apply(c, g, p, sd, o1, n, 1), 0);
    ck_assert_int_eq(csro_context_apply(c, g, p, sd, o2, n, 2), 0);
    ck_assert_int_eq(csro_context_apply(c, g, p, sd, o3, n, 5), 0);
    ck_assert_int_eq(memcmp(o1, o2, n * sizeof *o1), 0);
    ck_assert_int_eq(memcmp(o1, o3, n * sizeof *o1), 0);
    for (size_t k = 0; k < NS; k++)
        for (size_t j = 0; j < NS; j++)
            for (size_t i = 0; i < NS; i++) {
                float v = o1[i + NS * (j + NS * k)];
                if (!covered(p, i, j, k)) ck_assert(isnan(v));
                else ck_assert(v >= 0 && v <= 1);
            }
    /* the output follows every symmetry of the field */
    for (int t = 0; t < 4; t++) {
        for (size_t k = 0; k < NV; k++)
            for (size_t j = 0; j < NV; j++)
                for (size_t i = 0; i < NV; i++) {
                    size_t a = i + NV * (j + NV * k), b = tr_index(i, j, k, NV, t);
                    tp[b] = p[a];
                    tsd[b] = sd[a];
                }
        ck_assert_int_eq(csro_context_apply(c, g, tp, tsd, o2, n, 2), 0);
        for (size_t k = 0; k < NS; k++)
            for (size_t j = 0; j < NS; j++)
                for (size_t i = 0; i < NS; i++) {
                    float a = o1[i + NS * (j + NS * k)], b = o2[tr_index(i, j, k, NS, t)];
                    if (isnan(a)) { ck_assert(isnan(b)); continue; }
                    ck_assert_msg(fabsf(a - b) < 2e-6f, "transform %d: %g vs %g", t, a, b);
                }
    }
    /* text round trip: same text, same bits */
    char *text, *text2;
    ck_assert_int_eq(csro_context_to_text(c, &text), 0);
    ck_assert_ptr_null(strchr(text, '\t'));
    ck_assert_ptr_null(strchr(text, '\n'));
    csro_context *c2;
    ck_assert_int_eq(csro_context_from_text(&c2, text), 0);
    ck_assert_int_eq(csro_context_to_text(c2, &text2), 0);
    ck_assert_str_eq(text, text2);
    ck_assert_int_eq(csro_context_apply(c2, g, p, sd, o2, n, 2), 0);
    ck_assert_int_eq(memcmp(o1, o2, n * sizeof *o1), 0);
    ck_assert_int_eq(csro_context_halfwidth(c2), 3);
    ck_assert_int_eq(csro_context_uses_std(c2), 1);
    ck_assert_uint_eq(csro_context_members(c2), 2);
    /* std needed; other geometry refused; wrong count */
    ck_assert_int_eq(csro_context_apply(c2, g, p, NULL, o2, n, 1), CSRO_EINVAL);
    ck_assert_int_eq(csro_context_apply(c2, g, p, sd, o2, n - 1, 1), CSRO_EMISMATCH);
    csro_grid *g2 = make_grid(0.25);
    size_t n2 = csro_context_subcells(g2);
    float *o4 = malloc(n2 * sizeof *o4);
    float *p2 = calloc(csro_grid_count(g2), sizeof *p2);
    ck_assert_int_eq(csro_context_apply(c2, g2, p2, p2, o4, n2, 1), CSRO_EMISMATCH);
    free(o4); free(p2);
    csro_grid_free(g2);
    /* training is deterministic for a seed */
    csro_context *c3 = train_small(3, 1, 11);
    char *text3;
    ck_assert_int_eq(csro_context_to_text(c3, &text3), 0);
    ck_assert_str_eq(text, text3);
    free(text3);
    csro_context_free(c3);

    /* malformed texts */
    size_t L = strlen(text);
    char *bad = malloc(L + 16);
    const char *cases[] = {"", "csro-context 2", "csro-context 1", "csro-context 1 voxel=1 stride=0.3 h=3"};
    for (size_t q = 0; q < sizeof cases / sizeof *cases; q++) {
        csro_context *x = (csro_context *)1;
        ck_assert_int_eq(csro_context_from_text(&x, cases[q]), CSRO_EFORMAT);
        ck_assert_ptr_null(x);
    }
    csro_context *x;
    memcpy(bad, text, L + 1);
    bad[L - 5] = '\0'; /* truncated weights */
    ck_assert_int_eq(csro_context_from_text(&x, bad), CSRO_EFORMAT);
    memcpy(bad, text, L + 1);
    strcat(bad, " w=AAAA"); /* trailing member */
    ck_assert_int_eq(csro_context_from_text(&x, bad), CSRO_EFORMAT);
    memcpy(bad, text, L + 1);
    char *mu = strstr(bad, " mu=");
    mu[6] = '*'; /* not base64 */
    ck_assert_int_eq(csro_context_from_text(&x, bad), CSRO_EFORMAT);
    memcpy(bad, text, L + 1);
    char *nf = strstr(bad, " nf=");
    nf[4] = nf[4] == '9' ? '8' : '9'; /* wrong feature count */
    ck_assert_int_eq(csro_context_from_text(&x, bad), CSRO_EFORMAT);
    memcpy(bad, text, L + 1);
    bad[20] = '\t';
    ck_assert_int_eq(csro_context_from_text(&x, bad), CSRO_EFORMAT);
    memcpy(bad, text, L + 1);
    char *hid = strstr(bad, " hidden=");
    hid[8] = 'x';
    ck_assert_int_eq(csro_context_from_text(&x, bad), CSRO_EFORMAT);
    ck_assert_int_eq(csro_context_from_text(NULL, text), CSRO_EINVAL);
    free(bad);
    free(text);
    free(text2);
    free(o1); free(o2); free(o3);
    csro_context_free(c);
    csro_context_free(c2);
    csro_grid_free(g);
}
END_TEST

START_TEST(test_opts_and_data)
{
    csro_context_opts *o = csro_context_opts_new();
    size_t big[1] = {2000};
    ck_assert_int_eq(csro_context_opts_set_halfwidth(o, 0), CSRO_EINVAL);
    ck_assert_int_eq(csro_context_opts_set_halfwidth(o, 9), CSRO_EINVAL);
    ck_assert_int_eq(csro_context_opts_set_hidden(o, 1, big), CSRO_EINVAL);
    ck_assert_int_eq(csro_context_opts_set_members(o, 1), CSRO_EINVAL);
    ck_assert_int_eq(csro_context_opts_set_sample(o, 0), CSRO_EINVAL);
    ck_assert_int_eq(csro_context_opts_set_dropout(o, 1), CSRO_EINVAL);
    ck_assert_int_eq(csro_context_opts_set_sample(o, 0.5), 0);
    csro_context_data *d;
    ck_assert_int_eq(csro_context_data_new(&d, o), 0);
    csro_context *c = (csro_context *)1;
    ck_assert_int_eq(csro_context_train(&c, NULL, d, o, NULL, NULL), CSRO_EINVAL); /* empty */
    ck_assert_ptr_null(c);
    csro_grid *g = make_grid(0.5);
    float p[NV * NV * NV], sd[NV * NV * NV];
    int8_t lab[NS * NS * NS];
    make_field(p, sd, 1);
    make_labels(lab);
    ck_assert_int_eq(csro_context_data_add(d, g, p, sd, lab, NS * NS * NS), 0);
    size_t n = csro_context_data_count(d);
    ck_assert(n > NS * NS * NS / 4 && n < NS * NS * NS * 3 / 4); /* about half kept */
    csro_grid *g2 = make_grid(0.25);
    ck_assert_int_eq(csro_context_data_add(d, g2, p, sd, lab, NS * NS * NS), CSRO_EMISMATCH);
    csro_grid_free(g2);
    csro_context_data_free(d);
    csro_context_opts_free(o);
    csro_grid_free(g);
}
END_TEST

START_TEST(test_probmap_subcells)
{
    csro_grid *g = make_grid(0.5);
    size_t n = NS * NS * NS;
    float *v = malloc(n * sizeof *v);
    for (size_t i = 0; i < n; i++) v[i] = (float)(i % 101) / 100.0f;
    v[5] = NAN;
    csro_probmap *m;
    ck_assert_int_eq(csro_probmap_new_subcells(&m, g, v, n), 0);
    ck_assert_int_eq(csro_probmap_mode(m), CSRO_PROBMAP_MEAN);
    ck_assert_uint_eq(csro_probmap_count(m), n);
    const float *d = csro_probmap_data(m);
    ck_assert(isnan(d[5]));
    for (size_t i = 0; i < n; i++)
        if (i != 5) ck_assert(d[i] == v[i]);
    size_t nsel;
    uint8_t *mask = malloc(n);
    ck_assert_int_eq(csro_probmap_threshold(m, 0.5, INFINITY, mask, n, &nsel), 0);
    size_t want = 0;
    for (size_t i = 0; i < n; i++) want += v[i] > 0.5f;
    ck_assert_uint_eq(nsel, want);
    csro_probmap_free(m);
    ck_assert_int_eq(csro_probmap_new_subcells(&m, g, v, n - 1), CSRO_EMISMATCH);
    ck_assert_ptr_null(m);
    v[7] = 1.5f;
    ck_assert_int_eq(csro_probmap_new_subcells(&m, g, v, n), CSRO_EINVAL);
    free(mask);
    free(v);
    csro_grid_free(g);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("context");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_subcells_and_truth);
    tcase_add_test(tc, test_features_reference);
    tcase_add_test(tc, test_symmetry_threads_text);
    tcase_add_test(tc, test_opts_and_data);
    tcase_add_test(tc, test_probmap_subcells);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
