/* csro-mc: canonical lattice Monte-Carlo with pair interactions. */
#include "common.h"
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void usage(void)
{
    printf("Usage: csro-mc [options] -o CONFIG\n"
           "Canonical Metropolis swaps on an FCC/BCC lattice with first/second-shell\n"
           "pair interactions; writes the configuration and Warren-Cowley parameters.\n\n"
           "  --lattice fcc|bcc     lattice (default fcc)\n"
           "  --a NM                lattice parameter (default 0.36)\n"
           "  --cells N[,N,N]       conventional cells per axis (default 10)\n"
           "  --composition SPEC    e.g. Co:1,Cr:1,Ni:1 (required)\n"
           "  --epi FILE            interactions: lines 'shell A B meV'\n"
           "  --temperature K       temperature in K, > 0, or 'inf' (default 1000)\n"
           "  --sweeps S            sweeps (S x sites attempted swaps; default 10)\n"
           "  --wc FILE             Warren-Cowley alpha per shell and pair (TSV) during the run\n"
           "  --wc-every S          sweeps between --wc rows (default: 10 rows per run)\n"
           "  --local A-B           also write per-site local order of pair A-B (column 'local')\n"
           "  --mass NAME=DA        mass-to-charge for POS output (one per species)\n"
           "  -o FILE               configuration: .csv (x,y,z,species[,local]) or .pos\n"
           "  --seed N              random seed (default 1)\n"
           "  --quiet, --help, --version\n");
}

static void write_wc(FILE *f, const csro_mc *mc, double sweep)
{
    size_t ns = csro_mc_nspecies(mc);
    double al[2][256];
    csro_mc_warren_cowley(mc, 1, al[0]);
    csro_mc_warren_cowley(mc, 2, al[1]);
    fprintf(f, "%g\t%.6f", sweep, csro_mc_energy(mc) / (double)csro_mc_nsites(mc));
    for (int s = 0; s < 2; s++)
        for (size_t i = 0; i < ns; i++)
            for (size_t j = i; j < ns; j++) fprintf(f, "\t%.6f", al[s][i * ns + j]);
    fputc('\n', f);
}

int main(int argc, char **argv)
{
    tool_init("csro-mc");
    int lattice = CSRO_LATTICE_FCC;
    double a = 0.36, T = 1000, sweeps = 10, wc_every = 0;
    size_t cells[3] = {10, 10, 10};
    const char *comp = NULL, *epi = NULL, *out = NULL, *wc = NULL, *local = NULL;
    char *masses[16];
    int nmass = 0;
    uint64_t seed = 1;
    static const struct option lo[] = {
        {"lattice", 1, 0, 'L'}, {"a", 1, 0, 'a'}, {"cells", 1, 0, 'c'}, {"composition", 1, 0, 'C'},
        {"epi", 1, 0, 'e'}, {"temperature", 1, 0, 'T'}, {"sweeps", 1, 0, 's'}, {"wc", 1, 0, 'w'},
        {"wc-every", 1, 0, 'W'}, {"local", 1, 0, 'l'}, {"mass", 1, 0, 'm'}, {"seed", 1, 0, 'S'},
        {"quiet", 0, 0, 'q'}, {"help", 0, 0, 'h'}, {"version", 0, 0, 'V'}, {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "o:h", lo, NULL)) != -1) {
        switch (c) {
        case 'L':
            lattice = tool_lattice("--lattice", optarg);
            break;
        case 'a': a = tool_double("--a", optarg); break;
        case 'c':
            if (strchr(optarg, ',')) {
                double d[3];
                tool_doubles("--cells", optarg, d, 3);
                for (int k = 0; k < 3; k++) {
                    if (d[k] < 2 || d[k] != floor(d[k])) tool_usage_error("--cells: need integers >= 2");
                    cells[k] = (size_t)d[k];
                }
            } else cells[0] = cells[1] = cells[2] = (size_t)tool_long("--cells", optarg, 2, 2000);
            break;
        case 'C': comp = optarg; break;
        case 'e': epi = optarg; break;
        case 'T': T = !strcmp(optarg, "inf") ? INFINITY : tool_double("--temperature", optarg); break;
        case 's': sweeps = tool_double("--sweeps", optarg); break;
        case 'w': wc = optarg; break;
        case 'W': wc_every = tool_double("--wc-every", optarg); break;
        case 'l': local = optarg; break;
        case 'm': if (nmass < 16) masses[nmass++] = optarg; break;
        case 'S': seed = tool_u64("--seed", optarg); break;
        case 'q': tool_set_quiet(1); break;
        case 'o': out = optarg; break;
        case 'h': usage(); return 0;
        case 'V': tool_version();
        default: tool_usage_error("unknown option");
        }
    }
    if (optind != argc) tool_usage_error("unexpected argument '%s'", argv[optind]);
    if (!comp) tool_usage_error("--composition is required");
    if (!out) tool_usage_error("-o FILE is required");
    if (!(T > 0)) tool_usage_error("--temperature: %g K must be > 0", T);
    if (!(sweeps >= 0)) tool_usage_error("--sweeps: %g must be >= 0", sweeps);
    tool_refuse_tty(out);

    csro_mc *mc;
    int rc = csro_mc_new(&mc, lattice, a, cells);
    if (rc) tool_fail(rc);
    if ((rc = csro_mc_set_composition(mc, comp, seed))) tool_fail(rc);
    if (epi && (rc = csro_mc_load_interactions(mc, epi))) tool_fail(rc);
    size_t n = csro_mc_nsites(mc), ns = csro_mc_nspecies(mc);
    char la[16] = "", lb[16] = "";
    if (local) {
        const char *d = strchr(local, '-');
        if (!d || d == local || d - local >= 16 || strlen(d + 1) >= 16)
            tool_usage_error("--local: '%s' is not a pair like Co-Cr", local);
        memcpy(la, local, (size_t)(d - local));
        strcpy(lb, d + 1);
    }
    double m[16] = {0};
    int is_pos = strlen(out) > 4 && !strcmp(out + strlen(out) - 4, ".pos");
    for (int i = 0; i < nmass; i++) {
        char *eq = strchr(masses[i], '=');
        if (!eq) tool_usage_error("--mass: '%s' is not NAME=DA", masses[i]);
        *eq = 0;
        size_t s = 0;
        while (s < ns && strcmp(csro_mc_species_name(mc, s), masses[i])) s++;
        if (s == ns) tool_usage_error("--mass: species '%s' is not in the composition", masses[i]);
        m[s] = tool_double("--mass", eq + 1);
    }
    if (is_pos)
        for (size_t s = 0; s < ns; s++)
            if (!(m[s] > 0)) tool_usage_error("POS output needs --mass %s=DA", csro_mc_species_name(mc, s));

    FILE *wf = NULL;
    if (wc) {
        wf = fopen(wc, "w");
        if (!wf) tool_die(TOOL_EDATA, "%s: cannot create", wc);
        fprintf(wf, "sweep\tenergy_meV_per_site");
        for (int s = 1; s <= 2; s++)
            for (size_t i = 0; i < ns; i++)
                for (size_t j = i; j < ns; j++)
                    fprintf(wf, "\talpha%d_%s-%s", s, csro_mc_species_name(mc, i), csro_mc_species_name(mc, j));
        fputc('\n', wf);
        write_wc(wf, mc, 0);
    }
    double step = wc_every > 0 ? wc_every : (sweeps > 0 ? sweeps / 10 : 1), done = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    uint64_t att0 = csro_mc_attempted(mc);
    while (done < sweeps) {
        double s = wc ? fmin(step, sweeps - done) : sweeps;
        if ((rc = csro_mc_run(mc, T, s, seed + 1, NULL, NULL))) tool_fail(rc);
        done += s;
        tool_progress(done / sweeps, NULL);
        if (wf) write_wc(wf, mc, done);
    }
    tool_progress_done();
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    if (wf && fclose(wf) != 0) tool_die(TOOL_EDATA, "%s: write error", wc);

    float *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y), *z = malloc(n * sizeof *z);
    float *lv = local ? malloc(n * sizeof *lv) : NULL;
    if (!x || !y || !z || (local && !lv)) tool_die(TOOL_EDATA, "out of memory");
    csro_mc_positions(mc, x, y, z);
    if (local && (rc = csro_mc_local_order(mc, la, lb, lv))) tool_fail(rc);
    const uint8_t *sp = csro_mc_species(mc);
    csro_recon *r = NULL;
    if (is_pos) {
        float *mz = malloc(n * sizeof *mz);
        for (size_t i = 0; i < n; i++) mz[i] = (float)m[sp[i]];
        rc = csro_recon_from_arrays(&r, n, x, y, z, mz);
        free(mz);
        if (rc || (rc = csro_recon_save(r, out, CSRO_FMT_POS))) tool_fail(rc);
        csro_recon_free(r);
    } else {
        FILE *f = !strcmp(out, "-") ? stdout : NULL;
        char tmp[4096];
        if (!f) {
            snprintf(tmp, sizeof tmp, "%s.tmpXXXXXX", out);
            int fd = mkstemp(tmp);
            if (fd < 0 || !(f = fdopen(fd, "w"))) tool_die(TOOL_EDATA, "%s: cannot create", out);
        }
        fprintf(f, "x,y,z,species%s\n", local ? ",local" : "");
        for (size_t i = 0; i < n; i++) {
            fprintf(f, "%.9g,%.9g,%.9g,%s", x[i], y[i], z[i], csro_mc_species_name(mc, sp[i]));
            if (local) { if (isnan(lv[i])) fputs(",nan", f); else fprintf(f, ",%.6f", lv[i]); }
            fputc('\n', f);
        }
        if (f != stdout) {
            if (ferror(f) | fclose(f) || rename(tmp, out)) { remove(tmp); tool_die(TOOL_EDATA, "%s: write error", out); }
        } else if (fflush(f)) tool_die(TOOL_EDATA, "-: write error");
    }
    if (!tool_quiet())
        fprintf(stderr, "csro-mc: %zu sites, %llu attempted swaps (%.3g per second), %.1f%% accepted\n", n,
                (unsigned long long)(csro_mc_attempted(mc) - att0), (double)(csro_mc_attempted(mc) - att0) / (secs > 0 ? secs : 1e-9),
                100.0 * (double)csro_mc_accepted(mc) / (double)(csro_mc_attempted(mc) ? csro_mc_attempted(mc) : 1));
    free(x); free(y); free(z); free(lv);
    csro_mc_free(mc);
    return 0;
}
