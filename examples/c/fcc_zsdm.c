/* fcc_zsdm.c: the z-SDM of a perfect FCC crystal (a = 0.36 nm) seen along
 * <001>: lattice planes every a/2 = 0.18 nm show as peaks.
 * Build: cc fcc_zsdm.c $(pkg-config --cflags --libs csro) */
#include <csro.h>
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
    const double a = 0.36;
    const int n = 4; /* 4 x 4 x 4 unit cells */
    const double basis[4][3] = {{0, 0, 0}, {0.5, 0.5, 0}, {0.5, 0, 0.5}, {0, 0.5, 0.5}};
    size_t na = 0, cap = (size_t)4 * n * n * n;
    float *x = malloc(cap * sizeof *x), *y = malloc(cap * sizeof *y), *z = malloc(cap * sizeof *z);
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            for (int k = 0; k < n; k++)
                for (int b = 0; b < 4; b++) {
                    x[na] = (float)(a * (i + basis[b][0]));
                    y[na] = (float)(a * (j + basis[b][1]));
                    z[na] = (float)(a * (k + basis[b][2]));
                    na++;
                }
    csro_sdm_opts *o = csro_sdm_opts_new();
    size_t nb = csro_sdm_opts_nbins(o);
    uint64_t *h = calloc(nb, sizeof *h);
    if (!o || !h || csro_sdm_points(o, x, y, z, na, x, y, z, na, h, nb) != 0) {
        fprintf(stderr, "fcc_zsdm: %s\n", csro_last_error());
        return 1;
    }
    printf("# libcsro %s: z-SDM of %zu FCC atoms\n# dz_left_nm\tcount\n", csro_version(), na);
    for (size_t i = 0; i < nb; i++)
        if (h[i]) printf("%.3f\t%llu\n", csro_sdm_opts_bin_left(o, i), (unsigned long long)h[i]);
    csro_sdm_opts_free(o);
    free(h); free(x); free(y); free(z);
    return 0;
}
