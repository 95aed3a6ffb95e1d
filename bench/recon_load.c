/* bench/recon_load.c: helper of bench/recon_load.sh.
 *   recon_load gen N out.pos out.csv [out.apt]
 *                                      write N plausible random ions to each
 *                                      (out.csv "none": no CSV)
 *   recon_load load FILE               load FILE, print "ions seconds MB/s"
 * Uses only the public API (csro.h). */
#include "csro.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(int argc, char **argv)
{
    if ((argc == 5 || argc == 6) && !strcmp(argv[1], "gen")) {
        size_t n = strtoull(argv[2], NULL, 10);
        float *v[4];
        uint64_t s = 88172645463325252ULL;
        for (int a = 0; a < 4; a++) {
            v[a] = malloc(n * sizeof(float));
            if (!v[a]) { fprintf(stderr, "out of memory\n"); return 1; }
            for (size_t i = 0; i < n; i++) {
                s ^= s << 13; s ^= s >> 7; s ^= s << 17;
                double u = (double)(s >> 11) * 0x1.0p-53;
                v[a][i] = (float)(a < 3 ? u * 100 - 50 : u * 120);
            }
        }
        csro_recon *r;
        if (csro_recon_from_arrays(&r, n, v[0], v[1], v[2], v[3]) ||
            csro_recon_save(r, argv[3], CSRO_FMT_AUTO) || (strcmp(argv[4], "none") && csro_recon_save(r, argv[4], CSRO_FMT_AUTO)) ||
            (argc == 6 && csro_recon_save(r, argv[5], CSRO_FMT_AUTO))) {
            fprintf(stderr, "recon_load: %s\n", csro_last_error());
            return 1;
        }
        csro_recon_free(r);
        for (int a = 0; a < 4; a++) free(v[a]);
        return 0;
    }
    if (argc == 3 && !strcmp(argv[1], "load")) {
        struct stat st;
        if (stat(argv[2], &st)) { perror(argv[2]); return 1; }
        double t0 = now();
        csro_recon *r;
        if (csro_recon_load(&r, argv[2], NULL)) {
            fprintf(stderr, "recon_load: %s\n", csro_last_error());
            return 1;
        }
        double dt = now() - t0;
        printf("%zu %.3f %.1f\n", csro_recon_count(r), dt, (double)st.st_size / 1e6 / dt);
        csro_recon_free(r);
        return 0;
    }
    fprintf(stderr, "usage: recon_load gen N out.pos out.csv [out.apt] | recon_load load FILE\n");
    return 2;
}
