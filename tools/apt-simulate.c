/* apt-simulate: a simulated APT specimen (POS + RRNG + per-ion truth) with
 * planted ordered CSRO domains in a random solid solution. */
#include "common.h"
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(void)
{
    printf("Usage: apt-simulate [options] -o SPECIMEN.pos\n"
           "Random solid solution with planted ordered domains, measured with APT's\n"
           "detection efficiency and blur; writes POS, optional RRNG, truth and domains.\n\n"
           "  --box X,Y,Z            specimen box in nm (default 20,20,20)\n"
           "  --lattice fcc|bcc      lattice (default fcc); --a NM lattice parameter (0.356)\n"
           "  --composition SPEC     elements and ratios (default Co:1,Cr:1,Ni:1)\n"
           "  --domains S:DMIN:DMAX:F ordered domains of species S (L1_2 on FCC, B2 on BCC),\n"
           "                         diameters DMIN..DMAX nm, volume fraction F (e.g. Co:1.5:3:0.05)\n"
           "  --pole H,K,L           crystal pole along z (default 0,0,1)\n"
           "  --needle R0:ANGLE      needle specimen: tip radius R0 nm at z = 0 widening with\n"
           "                         half angle ANGLE degrees around the box's z axis\n"
           "  --efficiency E         detection efficiency in (0, 1] (default 0.5)\n"
           "  --sigma-xy S, --sigma-z S  Gaussian blur in nm (default 0.3, 0.03)\n"
           "  --background F         background ions as a fraction of all ions (default 0)\n"
           "  --atoms FILE           measure this atomistic specimen instead (CSV with header\n"
           "                         x,y,z,species[,local], e.g. csro-mc output); box,\n"
           "                         lattice, composition and domains are then not used\n"
           "                         (the composition is taken from the file)\n"
           "  --truth-below T        with --atoms: truth = 1 where the 'local' column <= T\n"
           "                         (csro-mc --local: negative = locally ordered)\n"
           "  --truth FILE           per-ion truth (1 = in a domain), csro-formats(5)\n"
           "  -r, --ranges FILE      RRNG ranging every isotope peak\n"
           "  --domain-list FILE     TSV of planted domains (centre, diameter)\n"
           "  -o, --output FILE      POS output ('-' = stdout)\n"
           "  --seed N               random seed\n"
           "  -q, --quiet, -h, --help, -V, --version\n");
}

/* Read csro-mc style CSV (x,y,z,species[,local]) and measure it. */
static void measure_atoms(csro_aptsim *s, const char *path, int have_below, double below, const char *out,
                          const char *truth_path)
{
    FILE *f = !strcmp(path, "-") ? stdin : fopen(path, "r");
    if (!f) tool_die(TOOL_EDATA, "%s: cannot open: %s", path, strerror(errno));
    char line[512], names[256][16];
    size_t nn = 0, n = 0, cap = 0, cnt[256] = {0};
    float *v[3] = {NULL, NULL, NULL};
    uint8_t *sp = NULL, *tr = NULL;
    int lineno = 0, has_local = 0, header = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        if (line[0] == '#') { /* comments (csro-mc's provenance record), however long */
            while (!strchr(line, '\n') && fgets(line, sizeof line, f)) {}
            continue;
        }
        if (!header++) {
            if (strncmp(line, "x,y,z,species", 13))
                tool_die(TOOL_EDATA, "%s:%d: expected the header x,y,z,species[,local]", path, lineno);
            has_local = strstr(line, ",local") != NULL;
            if (have_below && !has_local) tool_die(TOOL_EDATA, "%s: --truth-below needs a 'local' column", path);
            continue;
        }
        float q[3];
        char name[16];
        double loc = NAN;
        int k = 0;
        if (sscanf(line, "%f,%f,%f,%15[^,\n]%n", &q[0], &q[1], &q[2], name, &k) != 4)
            tool_die(TOOL_EDATA, "%s:%d: expected x,y,z,species", path, lineno);
        if (has_local && line[k] == ',') loc = strtod(line + k + 1, NULL);
        size_t id = 0;
        while (id < nn && strcmp(names[id], name)) id++;
        if (id == nn) {
            if (nn == 256) tool_die(TOOL_EDATA, "%s:%d: more than 256 species", path, lineno);
            strcpy(names[nn++], name);
        }
        if (n == cap) {
            cap = cap ? 2 * cap : 1 << 16;
            for (int a = 0; a < 3; a++) if (!(v[a] = realloc(v[a], cap * sizeof **v))) tool_die(TOOL_EDATA, "out of memory");
            if (!(sp = realloc(sp, cap)) || !(tr = realloc(tr, cap))) tool_die(TOOL_EDATA, "out of memory");
        }
        for (int a = 0; a < 3; a++) v[a][n] = q[a];
        sp[n] = (uint8_t)id;
        tr[n] = have_below && loc <= below; /* NaN compares false */
        cnt[id]++;
        n++;
    }
    if (f != stdin) fclose(f);
    if (!n) tool_die(TOOL_EDATA, "%s: no atoms", path);
    char comp[4096] = "";
    const char *np[256];
    for (size_t i = 0; i < nn; i++) {
        np[i] = names[i];
        size_t len = strlen(comp);
        snprintf(comp + len, sizeof comp - len, "%s%s:%zu", i ? "," : "", names[i], cnt[i]);
    }
    int rc = csro_aptsim_set_composition(s, comp);
    if (rc) tool_fail(rc);
    csro_recon *r;
    uint8_t *t;
    if ((rc = csro_aptsim_measure(s, n, v[0], v[1], v[2], sp, np, nn, tr, &r, &t))) tool_fail(rc);
    if ((rc = csro_recon_save(r, tool_out_lib(out), CSRO_FMT_POS))) tool_fail(rc);
    if (truth_path && (rc = csro_truth_save(t, csro_recon_count(r), tool_out_lib(truth_path)))) tool_fail(rc);
    tool_note("apt-simulate: %zu atoms measured, %zu ions\n", n, csro_recon_count(r));
    csro_recon_free(r);
    csro_free(t);
    for (int a = 0; a < 3; a++) free(v[a]);
    free(sp); free(tr);
}

typedef struct {
    const char *out, *truth, *ranges, *dlist, *atoms, *domains;
    int have_below, lattice;
    double below, eff, sxy, sz, a;
} args;

/* Options into A; specimen settings straight into s. */
static void parse_args(int argc, char **argv, csro_aptsim *s, args *A)
{
    static const struct option lo[] = {
        {"box", 1, 0, 'b'}, {"lattice", 1, 0, 'L'}, {"a", 1, 0, 'a'}, {"composition", 1, 0, 'C'},
        {"domains", 1, 0, 'd'}, {"efficiency", 1, 0, 'e'}, {"sigma-xy", 1, 0, 'x'}, {"sigma-z", 1, 0, 'z'},
        {"background", 1, 0, 'g'}, {"truth", 1, 0, 'T'}, {"ranges", 1, 0, 'r'}, {"domain-list", 1, 0, 'D'},
        {"atoms", 1, 0, 'A'}, {"needle", 1, 0, 'N'}, {"pole", 1, 0, 'P'}, {"truth-below", 1, 0, 'B'},
        {"seed", 1, 0, 'S'}, {"output", 1, 0, 'o'}, {0, 0, 0, 0}};
    *A = (args){ .lattice = CSRO_LATTICE_FCC, .eff = 0.5, .sxy = 0.3, .sz = 0.03, .a = 0.356 };
    int c, rc;
    while ((c = tool_getopt(argc, argv, "o:r:", lo)) != -1) {
        switch (c) {
        case 'b': {
            double b[3];
            tool_doubles("--box", optarg, b, 3);
            if ((rc = csro_aptsim_set_box(s, b[0], b[1], b[2]))) tool_usage_error("--box: %s", csro_last_error());
            break;
        }
        case 'L': A->lattice = tool_lattice("--lattice", optarg); break;
        case 'a': A->a = tool_double("--a", optarg); break;
        case 'C':
            if ((rc = csro_aptsim_set_composition(s, optarg))) tool_usage_error("--composition: %s", csro_last_error());
            break;
        case 'd': A->domains = optarg; break;
        case 'e': A->eff = tool_double("--efficiency", optarg); break;
        case 'x': A->sxy = tool_double("--sigma-xy", optarg); break;
        case 'z': A->sz = tool_double("--sigma-z", optarg); break;
        case 'g':
            if ((rc = csro_aptsim_set_background(s, tool_double("--background", optarg))))
                tool_usage_error("--background: %s", csro_last_error());
            break;
        case 'T': A->truth = optarg; break;
        case 'r': A->ranges = optarg; break;
        case 'D': A->dlist = optarg; break;
        case 'A': A->atoms = optarg; break;
        case 'P': {
            double hkl[3];
            tool_doubles("--pole", optarg, hkl, 3);
            if ((rc = csro_aptsim_set_pole(s, hkl[0], hkl[1], hkl[2]))) tool_usage_error("--pole: %s", csro_last_error());
            break;
        }
        case 'N': {
            double nd[2];
            char *colon = strchr(optarg, ':');
            if (!colon) tool_usage_error("--needle: '%s' is not R0:ANGLE", optarg);
            *colon = ',';
            tool_doubles("--needle", optarg, nd, 2);
            if ((rc = csro_aptsim_set_needle(s, nd[0], nd[1]))) tool_usage_error("--needle: %s", csro_last_error());
            break;
        }
        case 'B': A->below = tool_double("--truth-below", optarg); A->have_below = 1; break;
        case 'S': csro_aptsim_set_seed(s, tool_u64("--seed", optarg)); break;
        case 'o': A->out = optarg; break;
        }
    }
    if (optind != argc) tool_usage_error("unexpected argument '%s'", argv[optind]);
    if (!A->out) tool_usage_error("-o FILE is required");
    tool_refuse_tty(A->out);
    if (A->have_below && !A->atoms) tool_usage_error("--truth-below needs --atoms");
    if (A->atoms && (A->domains || A->dlist)) tool_usage_error("--domains and --domain-list do not apply to --atoms");
    if (A->atoms) tool_input_as(A->atoms, TOOL_IN_TEXT);
    tool_out_ext("-o", A->out, "pos", "a POS reconstruction");
    tool_out_ext("--truth", A->truth, "truth", "per-ion truth");
    tool_out_ext("--ranges", A->ranges, "rrng", "an RRNG range file");
    tool_out_ext("--domain-list", A->dlist, NULL, "a TSV table");
}

static void write_domain_list(const csro_aptsim *s, const char *path)
{
    FILE *f = tool_out_open(path);
    fprintf(f, "x_nm\ty_nm\tz_nm\tdiameter_nm\n");
    for (size_t i = 0; i < csro_aptsim_ndomains(s); i++) {
        double ce[3], r;
        csro_aptsim_domain(s, i, ce, &r);
        fprintf(f, "%.4f\t%.4f\t%.4f\t%.4f\n", ce[0], ce[1], ce[2], 2 * r);
    }
}

/* A specimen with planted domains, measured and written. */
static void run_planted(csro_aptsim *s, const args *A)
{
    int rc;
    if (A->domains) {
        char sp[16];
        double dmin, dmax, f;
        char tail;
        if (sscanf(A->domains, "%15[^:]:%lf:%lf:%lf%c", sp, &dmin, &dmax, &f, &tail) != 4)
            tool_usage_error("--domains: '%s' is not SPECIES:DMIN:DMAX:FRACTION", A->domains);
        if ((rc = csro_aptsim_set_domains(s, sp, dmin, dmax, f))) tool_usage_error("--domains: %s", csro_last_error());
    }
    if ((rc = csro_aptsim_plant(s))) tool_fail(rc);
    const char *tp = A->truth ? tool_out_lib(A->truth) : NULL;
    if ((rc = csro_aptsim_write(s, tool_out_lib(A->out), tp, tool_progress, NULL))) tool_fail(rc);
    tool_progress_done();
    if (A->dlist) write_domain_list(s, A->dlist);
    tool_note("apt-simulate: %zu domains, %.2f%% of the volume\n", csro_aptsim_ndomains(s),
              100 * csro_aptsim_domain_fraction(s));
}

int main(int argc, char **argv)
{
    tool_init("apt-simulate", usage);
    csro_aptsim *s;
    int rc = csro_aptsim_new(&s);
    if (rc) tool_fail(rc);
    args A;
    parse_args(argc, argv, s, &A);
    if ((rc = csro_aptsim_set_lattice(s, A.lattice, A.a))) tool_usage_error("%s", csro_last_error());
    if ((rc = csro_aptsim_set_detection(s, A.eff, A.sxy, A.sz))) tool_usage_error("%s", csro_last_error());
    if (A.atoms) measure_atoms(s, A.atoms, A.have_below, A.below, A.out, A.truth);
    else run_planted(s, &A);
    if (A.ranges && (rc = csro_aptsim_write_ranges(s, tool_out_lib(A.ranges)))) tool_fail(rc);
    tool_commit();
    csro_aptsim_free(s);
    return 0;
}
