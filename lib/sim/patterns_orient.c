/* patterns_orient.c: crystal orientation: pole [hkl] rotated onto +z (the
 * reference's Euler_transformation_110/111 matrices for [101] and [111])
 * and a random misorientation (tilt) of up to N degrees. */
#include "base/internal.h"
#include "patterns_impl.h"
#include <math.h>

static void normalise(double v[3])
{
    double n = sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
    v[0] /= n; v[1] /= n; v[2] /= n;
}

/* Rows e1, e2, n: n = pole, e1 = (n.z) n - z normalised (x when n is
 * along z), e2 = n x e1. For [111]
 * this gives the reference rows (1,1,-2)/sqrt6, (-1,1,0)/sqrt2,
 * (1,1,1)/sqrt3; for [101]: (1,0,-1)/sqrt2, (0,1,0), (1,0,1)/sqrt2. */
int cs_sim_pole_matrix(const double pole[3], double m[3][3])
{
    double n[3] = {pole[0], pole[1], pole[2]};
    double len = sqrt(n[0] * n[0] + n[1] * n[1] + n[2] * n[2]);
    if (!(len > 0) || !isfinite(len))
        return cs_err(CSRO_EINVAL, "pole [%g %g %g] has no direction", pole[0], pole[1], pole[2]);
    normalise(n);
    double e1[3] = {n[2] * n[0], n[2] * n[1], n[2] * n[2] - 1.0};
    double l1 = sqrt(e1[0] * e1[0] + e1[1] * e1[1] + e1[2] * e1[2]);
    if (l1 < 1e-12) { e1[0] = 1; e1[1] = 0; e1[2] = 0; }
    else normalise(e1);
    double e2[3] = {n[1] * e1[2] - n[2] * e1[1], n[2] * e1[0] - n[0] * e1[2], n[0] * e1[1] - n[1] * e1[0]};
    for (int j = 0; j < 3; j++) { m[0][j] = e1[j]; m[1][j] = e2[j]; m[2][j] = n[j]; }
    return 0;
}

void cs_sim_matmul(const double a[3][3], const double b[3][3], double out[3][3])
{
    double t[3][3];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            t[i][j] = a[i][0] * b[0][j] + a[i][1] * b[1][j] + a[i][2] * b[2][j];
    memcpy(out, t, sizeof t);
}

/* Rodrigues rotation by theta about the horizontal axis (-sin phi, cos phi,
 * 0): it tilts +z by theta towards azimuth phi. */
void cs_sim_tilt_matrix(double max_deg, cs_rng *r, double m[3][3], double *theta_deg, double *phi_deg)
{
    const double pi = 3.14159265358979323846;
    double th = 0, ph = 0;
    if (max_deg > 0) {
        double cmax = cos(max_deg * pi / 180.0);
        double ct = 1.0 - cs_rng_uniform(r) * (1.0 - cmax);
        th = acos(ct > 1 ? 1 : ct);
        ph = 2 * pi * cs_rng_uniform(r);
    }
    double k[3] = {-sin(ph), cos(ph), 0}, c = cos(th), s = sin(th), v = 1 - c;
    double K[3][3] = {{0, -k[2], k[1]}, {k[2], 0, -k[0]}, {-k[1], k[0], 0}};
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            m[i][j] = (i == j ? c : 0) + s * K[i][j] + v * k[i] * k[j];
    *theta_deg = th * 180.0 / pi;
    *phi_deg = ph * 180.0 / pi;
}
