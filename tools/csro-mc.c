/* csro-mc: canonical lattice Monte-Carlo with pair interactions. */
#include "common.h"
#include "provenance.h"
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
           "  -p, --pair A-B        also write per-site local order of pair A-B (column\n"
           "                        'local'); alias: --local A-B\n"
           "  --mass NAME=DA        mass-to-charge for POS output (one per species)\n"
           "  -o, --output FILE     configuration: .csv (x,y,z,species[,local]) or .pos\n"
           "  --seed N              random seed (default 1)\n"
           "  -q, --quiet, -h, --help, -V, --version\n");
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

typedef struct {
    int lattice, nmass, is_pos, local;
    double a, T, sweeps, wc_every;
    size_t cells[3];
    const char *comp, *epi, *out, *wc;
    char *masses[16];
    char la[TOOL_SPECIES_MAX], lb[TOOL_SPECIES_MAX];
    uint64_t seed;
    tool_prov *pv; /* the run's provenance record, "# key=value" lines at the head of text outputs */
} args;

static void parse_cells(args *A, const char *arg)
{
    if (strchr(arg, ',')) {
        double d[3];
        tool_doubles("--cells", arg, d, 3);
        for (int k = 0; k < 3; k++) {
            if (d[k] < 2 || d[k] != floor(d[k])) tool_usage_error("--cells: need integers >= 2");
            A->cells[k] = (size_t)d[k];
        }
    } else A->cells[0] = A->cells[1] = A->cells[2] = (size_t)tool_long("--cells", arg, 2, 2000);
}

static void parse_args(int argc, char **argv, args *A)
{
    static const struct option lo[] = {
        {"lattice", 1, 0, 'L'}, {"a", 1, 0, 'a'}, {"cells", 1, 0, 'c'}, {"composition", 1, 0, 'C'},
        {"epi", 1, 0, 'e'}, {"temperature", 1, 0, 'T'}, {"sweeps", 1, 0, 's'}, {"wc", 1, 0, 'w'},
        {"wc-every", 1, 0, 'W'}, {"pair", 1, 0, 'p'}, {"local", 1, 0, 'p'}, {"mass", 1, 0, 'm'},
        {"seed", 1, 0, 'S'}, {"output", 1, 0, 'o'}, {0, 0, 0, 0}};
    *A = (args){ .lattice = CSRO_LATTICE_FCC, .a = 0.36, .T = 1000, .sweeps = 10, .cells = {10, 10, 10}, .seed = 1 };
    int c;
    while ((c = tool_getopt(argc, argv, "o:p:", lo)) != -1) {
        switch (c) {
        case 'L': A->lattice = tool_lattice("--lattice", optarg); break;
        case 'a': A->a = tool_double("--a", optarg); break;
        case 'c': parse_cells(A, optarg); break;
        case 'C': A->comp = optarg; break;
        case 'e': A->epi = optarg; break;
        case 'T': A->T = !strcmp(optarg, "inf") ? INFINITY : tool_double("--temperature", optarg); break;
        case 's': A->sweeps = tool_double("--sweeps", optarg); break;
        case 'w': A->wc = optarg; break;
        case 'W': A->wc_every = tool_double("--wc-every", optarg); break;
        case 'p': tool_pair("--pair", optarg, 0, A->la, A->lb); A->local = 1; break;
        case 'm': if (A->nmass < 16) A->masses[A->nmass++] = optarg; break;
        case 'S': A->seed = tool_u64("--seed", optarg); break;
        case 'o': A->out = optarg; break;
        }
    }
    if (optind != argc) tool_usage_error("unexpected argument '%s'", argv[optind]);
    if (!A->comp) tool_usage_error("--composition is required");
    if (!A->out) tool_usage_error("-o FILE is required");
    if (!(A->T > 0)) tool_usage_error("--temperature: %g K must be > 0", A->T);
    if (!(A->sweeps >= 0)) tool_usage_error("--sweeps: %g must be >= 0", A->sweeps);
    tool_refuse_tty(A->out);
    A->is_pos = strlen(A->out) > 4 && !strcmp(A->out + strlen(A->out) - 4, ".pos");
    if (!A->is_pos) tool_out_ext("-o", A->out, "csv|txt|tsv", "a CSV configuration (name it .pos for POS)");
    tool_out_ext("--wc", A->wc, NULL, "a TSV table");
    if (A->epi) tool_input_as(A->epi, TOOL_IN_TEXT);
}

/* --mass NAME=DA into m (per species); POS output needs all. */
static void parse_masses(const args *A, const csro_mc *mc, double *m)
{
    size_t ns = csro_mc_nspecies(mc);
    for (int i = 0; i < A->nmass; i++) {
        char *eq = strchr(A->masses[i], '=');
        if (!eq) tool_usage_error("--mass: '%s' is not NAME=DA", A->masses[i]);
        *eq = 0;
        size_t s = 0;
        while (s < ns && strcmp(csro_mc_species_name(mc, s), A->masses[i])) s++;
        if (s == ns) tool_usage_error("--mass: species '%s' is not in the composition", A->masses[i]);
        m[s] = tool_double("--mass", eq + 1);
    }
    if (A->is_pos)
        for (size_t s = 0; s < ns; s++)
            if (!(m[s] > 0)) tool_usage_error("POS output needs --mass %s=DA", csro_mc_species_name(mc, s));
}

/* The sweeps, with Warren-Cowley rows every step when asked; seconds taken. */
static double run(const args *A, csro_mc *mc)
{
    size_t ns = csro_mc_nspecies(mc);
    FILE *wf = NULL;
    if (A->wc) {
        wf = tool_out_open(A->wc);
        prov_comments(A->pv, wf);
        fprintf(wf, "sweep\tenergy_meV_per_site");
        for (int s = 1; s <= 2; s++)
            for (size_t i = 0; i < ns; i++)
                for (size_t j = i; j < ns; j++)
                    fprintf(wf, "\talpha%d_%s-%s", s, csro_mc_species_name(mc, i), csro_mc_species_name(mc, j));
        fputc('\n', wf);
        write_wc(wf, mc, 0);
    }
    double step = A->wc_every > 0 ? A->wc_every : (A->sweeps > 0 ? A->sweeps / 10 : 1), done = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (done < A->sweeps) {
        double s = A->wc ? fmin(step, A->sweeps - done) : A->sweeps;
        int rc = csro_mc_run(mc, A->T, s, A->seed + 1, NULL, NULL);
        if (rc) tool_fail(rc);
        done += s;
        tool_progress(done / A->sweeps, NULL);
        if (wf) write_wc(wf, mc, done);
    }
    tool_progress_done();
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
}

static void write_config(const args *A, const csro_mc *mc, const double *m)
{
    size_t n = csro_mc_nsites(mc);
    int rc;
    float *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y), *z = malloc(n * sizeof *z);
    float *lv = A->local ? malloc(n * sizeof *lv) : NULL;
    if (!x || !y || !z || (A->local && !lv)) tool_die(TOOL_EDATA, "out of memory");
    csro_mc_positions(mc, x, y, z);
    if (A->local && (rc = csro_mc_local_order(mc, A->la, A->lb, lv))) tool_fail(rc);
    const uint8_t *sp = csro_mc_species(mc);
    if (A->is_pos) {
        csro_recon *r = NULL;
        float *mz = malloc(n * sizeof *mz);
        if (!mz) tool_die(TOOL_EDATA, "out of memory");
        for (size_t i = 0; i < n; i++) mz[i] = (float)m[sp[i]];
        rc = csro_recon_from_arrays(&r, n, x, y, z, mz);
        free(mz);
        if (rc || (rc = csro_recon_save(r, tool_out_lib(A->out), CSRO_FMT_POS))) tool_fail(rc);
        csro_recon_free(r);
    } else {
        FILE *f = tool_out_open(A->out);
        prov_comments(A->pv, f);
        fprintf(f, "x,y,z,species%s\n", A->local ? ",local" : "");
        for (size_t i = 0; i < n; i++) {
            fprintf(f, "%.9g,%.9g,%.9g,%s", x[i], y[i], z[i], csro_mc_species_name(mc, sp[i]));
            if (A->local) { if (isnan(lv[i])) fputs(",nan", f); else fprintf(f, ",%.6f", lv[i]); }
            fputc('\n', f);
        }
    }
    free(x); free(y); free(z); free(lv);
}

int main(int argc, char **argv)
{
    tool_init("csro-mc", usage);
    args A;
    tool_prov *pv = prov_new(argc, argv); /* before getopt permutes argv */
    parse_args(argc, argv, &A);
    A.pv = pv;
    if (A.epi) prov_input(pv, "interactions", A.epi);
    prov_param(pv, "temperature_K", "%g", A.T);
    prov_param(pv, "sweeps", "%g", A.sweeps);
    prov_param(pv, "seed", "%llu", (unsigned long long)A.seed);
    csro_mc *mc;
    int rc = csro_mc_new(&mc, A.lattice, A.a, A.cells);
    if (rc) tool_fail(rc);
    if ((rc = csro_mc_set_composition(mc, A.comp, A.seed))) tool_fail(rc);
    if (A.epi && (rc = csro_mc_load_interactions(mc, A.epi))) tool_fail(rc);
    double m[16] = {0};
    parse_masses(&A, mc, m);
    uint64_t att0 = csro_mc_attempted(mc);
    double secs = run(&A, mc);
    write_config(&A, mc, m);
    tool_commit();
    size_t n = csro_mc_nsites(mc);
    uint64_t att = csro_mc_attempted(mc) - att0;
    tool_note("csro-mc: %zu sites, %llu attempted swaps (%.3g per second), %.1f%% accepted\n", n,
              (unsigned long long)att, (double)att / (secs > 0 ? secs : 1e-9),
              100.0 * (double)csro_mc_accepted(mc) / (double)(csro_mc_attempted(mc) ? csro_mc_attempted(mc) : 1));
    csro_mc_free(mc);
    prov_free(pv);
    return 0;
}
