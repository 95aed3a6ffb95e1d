/* csro-simulate: write a labelled bank of simulated z-SDM patterns
 * (.zsdm kind bank, raw counts) or a TSV table, one class per --class. */
#include "common.h"
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAXCLASS 64
#define CHUNK 256

static void usage(void)
{
    printf("Usage: csro-simulate [options] --class NAME:MODEL[:ARGS]... -o FILE\n"
           "Simulate labelled z-SDM patterns of small crystals (ML-APT training bank).\n\n"
           "Crystal:\n"
           "  --lattice fcc|bcc|FILE  generated lattice or a file of 'x y z type' rows (fcc)\n"
           "  --a NM                  lattice parameter (0.36)\n"
           "  --size NM               crystal edge; ceil(size/a) cells per edge (1)\n"
           "  --types MAP             names of file type codes, e.g. 59:Co,64:X\n"
           "  --composition SPEC      composition of random sites (Co:1,Cr:1,Ni:1)\n"
           "  --class NAME:MODEL[:ARGS]  a class (repeatable, label = order given):\n"
           "        NAME:random[:COMPOSITION]    random solid solution\n"
           "        NAME:L12:X[:S=v|:alpha=v]    X on FCC cube corners (B2, D03: BCC)\n"
           "        NAME:file[:PATH]             types of the lattice file (PATH: own file)\n"
           "        add :S=v (0..1) to any model for partial order\n"
           "        add :cut=plane|sphere|any,FMIN,FMAX to an ordered model: a domain\n"
           "        surface keeps a fraction in [FMIN, FMAX] of the sites ordered and\n"
           "        the rest random (boundary voxels; parameter ordered_fraction)\n"
           "Orientation:\n"
           "  --pole H,K,L            pole along z (0,0,1)\n"
           "  --tilt DEG              random misorientation up to DEG degrees (0)\n"
           "APT effects (sweep A:B:STEP as np.arange, value V, or range A:B with --random):\n"
           "  --sweep reference       the reference notebook sweep (default):\n"
           "                          sigma-xy 0.2:0.8:0.05, sigma-z 0.01:0.06:0.002,\n"
           "                          efficiency 0.2:0.7:0.05\n"
           "  --sigma-xy SPEC         lateral noise sigma (nm)\n"
           "  --sigma-z SPEC          depth noise sigma (nm)\n"
           "  --efficiency SPEC       detection efficiency in (0, 1]\n"
           "  --random N              N patterns per class, parameters drawn uniformly\n"
           "  --repeats R             repeat the sweep R times (1)\n"
           "z-SDM:\n"
           "  -p, --pair A-B          species pair (Co-Co)\n"
           "  --radius NM             pair radius R (1.5)\n"
           "Output:\n"
           "  -o, --output FILE       output (- = stdout)\n"
           "  -f, --format zsdm|tsv   output format (zsdm)\n"
           "  --seed N                random seed (0)\n"
           "  -j, --threads N         worker threads, 0 = all cores (0)\n"
           "  -q, --quiet, -h, --help, -V, --version\n");
}

/* A parameter spec: value, sweep a:b:step or range a:b. */
typedef struct { int set, n; double v[3]; } spec;

static spec parse_spec(const char *opt, const char *s)
{
    spec p = {1, 0, {0, 0, 0}};
    const char *q = s;
    while (p.n < 3) {
        char *end;
        errno = 0;
        p.v[p.n] = strtod(q, &end);
        if (end == q || errno || !isfinite(p.v[p.n]))
            tool_die(TOOL_EUSAGE, "%s: '%s' is not V, A:B or A:B:STEP", opt, s);
        p.n++;
        if (!*end) return p;
        if (*end != ':') break;
        q = end + 1;
    }
    tool_die(TOOL_EUSAGE, "%s: '%s' is not V, A:B or A:B:STEP", opt, s);
}

typedef struct {
    char name[64];
    char spec[512];
    csro_sim_opts *o;
} cls;

static int lib_usage(int rc, const char *what)
{
    /* option values rejected by the library: usage error, one line */
    if (rc) tool_die(TOOL_EUSAGE, "%s: %s", what, csro_last_error());
    return 0;
}

static int model_code(const char *m)
{
    if (!strcmp(m, "random")) return CSRO_SIM_RANDOM;
    if (!strcasecmp(m, "L12")) return CSRO_SIM_L12;
    if (!strcasecmp(m, "B2")) return CSRO_SIM_B2;
    if (!strcasecmp(m, "D03")) return CSRO_SIM_D03;
    if (!strcmp(m, "file")) return CSRO_SIM_OCC_FILE;
    return -1;
}

/* Apply a class spec NAME:MODEL[:ARGS] to o (a copy of the base options). */
static void apply_class(cls *c, const char *types, const char *pa, const char *pb)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s", c->spec);
    char *m = strchr(buf, ':');
    if (!m || m == buf) tool_die(TOOL_EUSAGE, "--class '%s': expected NAME:MODEL[:ARGS]", c->spec);
    *m++ = 0;
    if (strlen(buf) >= sizeof c->name) tool_die(TOOL_EUSAGE, "--class '%s': name too long", c->spec);
    memcpy(c->name, buf, strlen(buf) + 1);
    char *args = strchr(m, ':');
    if (args) *args++ = 0;
    int model = model_code(m);
    if (model < 0)
        tool_die(TOOL_EUSAGE, "--class '%s': unknown model '%s' (random, L12, B2, D03, file)", c->spec, m);
    double S = 1;
    int have_alpha = 0, cut = CSRO_SIM_CUT_NONE;
    double alpha = 0, cut_lo = 0, cut_hi = 1;
    /* trailing :S=v / :alpha=v / :cut=SHAPE,FMIN,FMAX */
    for (;;) {
        char *last = args ? strrchr(args, ':') : NULL;
        char *item = last ? last + 1 : args;
        if (item && !strncmp(item, "cut=", 4)) {
            char shape[16];
            int used = 0;
            if (sscanf(item + 4, "%15[a-z],%lf,%lf%n", shape, &cut_lo, &cut_hi, &used) != 3 || item[4 + used])
                tool_die(TOOL_EUSAGE, "--class '%s': '%s' is not cut=plane|sphere|any,FMIN,FMAX", c->spec, item);
            if (!strcmp(shape, "plane")) cut = CSRO_SIM_CUT_PLANE;
            else if (!strcmp(shape, "sphere")) cut = CSRO_SIM_CUT_SPHERE;
            else if (!strcmp(shape, "any")) cut = CSRO_SIM_CUT_ANY;
            else tool_die(TOOL_EUSAGE, "--class '%s': cut shape '%s' is not plane, sphere or any", c->spec, shape);
            if (last) *last = 0;
            else args = NULL;
            continue;
        }
        if (!item || (strncmp(item, "S=", 2) && strncmp(item, "alpha=", 6))) break;
        char *end;
        const char *num = item[0] == 'S' ? item + 2 : item + 6;
        errno = 0;
        double v = strtod(num, &end);
        if (end == num || *end || errno)
            tool_die(TOOL_EUSAGE, "--class '%s': bad value '%s'", c->spec, item);
        if (item[0] == 'S') S = v;
        else { have_alpha = 1; alpha = v; }
        if (last) *last = 0;
        else args = NULL;
    }
    const char *x = NULL;
    if (model == CSRO_SIM_RANDOM) {
        if (args && *args) lib_usage(csro_sim_opts_set_composition(c->o, args), "--class");
        S = 0;
    } else if (model == CSRO_SIM_OCC_FILE) {
        if (args && *args) {
            int rc = csro_sim_opts_set_lattice_file(c->o, args, 0);
            if (rc) tool_fail(rc);
        }
    } else {
        if (!args || !*args) tool_die(TOOL_EUSAGE, "--class '%s': model %s needs the ordered species", c->spec, m);
        x = args;
    }
    if (types) lib_usage(csro_sim_opts_set_types(c->o, types), "--types");
    lib_usage(csro_sim_opts_set_order(c->o, model, x, S), "--class");
    if (have_alpha) lib_usage(csro_sim_opts_set_alpha1(c->o, alpha), "--class");
    if (cut != CSRO_SIM_CUT_NONE) lib_usage(csro_sim_opts_set_cut(c->o, cut, cut_lo, cut_hi), "--class");
    /* build one crystal now so that a class that cannot work fails before
     * any output is written */
    csro_sim_crystal *k;
    int rc = csro_sim_crystal_new(&k, c->o, 0, CSRO_SIM_STAGE_IDEAL);
    if (rc == CSRO_EINVAL) tool_die(TOOL_EUSAGE, "--class '%s': %s", c->spec, csro_last_error());
    if (rc) tool_fail(rc);
    for (int j = 0; j < 2; j++) {
        const char *want = j ? pb : pa;
        size_t i, n = csro_sim_crystal_nspecies(k);
        for (i = 0; i < n; i++)
            if (!strcmp(csro_sim_crystal_species_name(k, i), want)) break;
        if (i == n) {
            char list[512] = "";
            for (i = 0; i < n && strlen(list) < 400; i++) {
                if (i) strcat(list, ", ");
                strcat(list, csro_sim_crystal_species_name(k, i));
            }
            tool_die(TOOL_EUSAGE, "--pair: species '%s' is not in class %s (species: %s)", want, c->name, list);
        }
    }
    csro_sim_crystal_free(k);
}

static void apply_spec(csro_sim_opts *o, int param, const char *opt, spec s, int random)
{
    if (!s.set) return;
    int rc;
    if (s.n == 1) rc = csro_sim_opts_set_value(o, param, s.v[0]);
    else if (s.n == 3 && !random) rc = csro_sim_opts_set_sweep(o, param, s.v[0], s.v[1], s.v[2]);
    else if (random) rc = csro_sim_opts_set_range(o, param, s.v[0], s.v[1]);
    else tool_die(TOOL_EUSAGE, "%s: a sweep needs A:B:STEP (A:B is a range for --random)", opt);
    lib_usage(rc, opt);
}

typedef struct {
    const char *lattice, *types, *comp, *out;
    int tsv, have_radius, ncls;
    char pa[TOOL_SPECIES_MAX], pb[TOOL_SPECIES_MAX];
    double a, size, tilt, pole[3], radius;
    long threads;
    uint64_t seed, nrandom, repeats;
    spec sp[3];
    const char *class_spec[MAXCLASS];
} args;

static void parse_args(int argc, char **argv, args *A)
{
    enum { O_LATTICE = 256, O_A, O_SIZE, O_TYPES, O_COMP, O_CLASS, O_POLE, O_TILT, O_SWEEP,
           O_SXY, O_SZ, O_EFF, O_RANDOM, O_REPEATS, O_RADIUS, O_SEED };
    static const struct option lo[] = {
        {"lattice", 1, 0, O_LATTICE}, {"a", 1, 0, O_A}, {"size", 1, 0, O_SIZE},
        {"types", 1, 0, O_TYPES}, {"composition", 1, 0, O_COMP}, {"class", 1, 0, O_CLASS},
        {"pair", 1, 0, 'p'}, {"pole", 1, 0, O_POLE}, {"tilt", 1, 0, O_TILT},
        {"sweep", 1, 0, O_SWEEP}, {"sigma-xy", 1, 0, O_SXY}, {"sigma-z", 1, 0, O_SZ},
        {"efficiency", 1, 0, O_EFF}, {"random", 1, 0, O_RANDOM}, {"repeats", 1, 0, O_REPEATS},
        {"radius", 1, 0, O_RADIUS}, {"format", 1, 0, 'f'}, {"output", 1, 0, 'o'},
        {"seed", 1, 0, O_SEED}, {"threads", 1, 0, 'j'}, {0, 0, 0, 0}};
    *A = (args){ .lattice = "fcc", .a = 0.36, .size = 1.0, .pole = {0, 0, 1}, .radius = 1.5, .repeats = 1,
                 .pa = "Co", .pb = "Co" };
    int c;
    while ((c = tool_getopt(argc, argv, "p:f:o:j:", lo)) != -1) {
        switch (c) {
        case O_LATTICE: A->lattice = optarg; break;
        case O_A: A->a = tool_double("--a", optarg); break;
        case O_SIZE: A->size = tool_double("--size", optarg); break;
        case O_TYPES: A->types = optarg; break;
        case O_COMP: A->comp = optarg; break;
        case O_CLASS:
            if (A->ncls >= MAXCLASS) tool_die(TOOL_EUSAGE, "--class: at most %d classes", MAXCLASS);
            if (strlen(optarg) >= 512) tool_die(TOOL_EUSAGE, "--class: spec too long");
            A->class_spec[A->ncls++] = optarg;
            break;
        case 'p': tool_pair("--pair", optarg, 0, A->pa, A->pb); break;
        case O_POLE: tool_doubles("--pole", optarg, A->pole, 3); break;
        case O_TILT: A->tilt = tool_double("--tilt", optarg); break;
        case O_SWEEP:
            if (strcmp(optarg, "reference")) tool_die(TOOL_EUSAGE, "--sweep: unknown sweep '%s' (reference)", optarg);
            A->sp[0] = parse_spec("--sweep", "0.2:0.8:0.05");
            A->sp[1] = parse_spec("--sweep", "0.01:0.06:0.002");
            A->sp[2] = parse_spec("--sweep", "0.2:0.7:0.05");
            break;
        case O_SXY: A->sp[0] = parse_spec("--sigma-xy", optarg); break;
        case O_SZ: A->sp[1] = parse_spec("--sigma-z", optarg); break;
        case O_EFF: A->sp[2] = parse_spec("--efficiency", optarg); break;
        case O_RANDOM: A->nrandom = tool_u64("--random", optarg); break;
        case O_REPEATS: A->repeats = tool_u64("--repeats", optarg); break;
        case O_RADIUS: A->radius = tool_double("--radius", optarg); A->have_radius = 1; break;
        case 'f': A->tsv = tool_choice("--format", optarg, "zsdm|tsv"); break;
        case 'o': A->out = optarg; break;
        case O_SEED: A->seed = tool_u64("--seed", optarg); break;
        case 'j': A->threads = tool_long("--threads", optarg, 0, 1024); break;
        }
    }
    if (optind < argc) tool_usage_error("unexpected argument '%s'", argv[optind]);
    if (!A->out) tool_usage_error("no output given (-o FILE)");
    if (!A->ncls) tool_usage_error("no class given (--class NAME:MODEL[:ARGS])");
    if (!A->tsv) tool_refuse_tty(A->out);
    if (A->tsv) tool_out_ext("-o", A->out, NULL, "a TSV table");
    else tool_out_ext("-o", A->out, "zsdm", "a .zsdm bank");
    if (A->repeats < 1) tool_die(TOOL_EUSAGE, "--repeats: must be >= 1");
}

static csro_sim_opts *base_opts(const args *A, csro_sdm_opts *sdm)
{
    csro_sim_opts *base = csro_sim_opts_new();
    if (!base) tool_die(TOOL_EDATA, "out of memory");
    if (!strcmp(A->lattice, "fcc") || !strcmp(A->lattice, "bcc"))
        lib_usage(csro_sim_opts_set_lattice(base, A->lattice[0] == 'f' ? CSRO_SIM_FCC : CSRO_SIM_BCC, A->a, A->size), "--lattice");
    else {
        if (!(A->a > 0)) tool_die(TOOL_EUSAGE, "--a: lattice parameter %g must be > 0", A->a);
        tool_input(A->lattice);
        int rc = csro_sim_opts_set_lattice_file(base, A->lattice, A->a);
        if (rc) tool_fail(rc);
    }
    if (A->comp) lib_usage(csro_sim_opts_set_composition(base, A->comp), "--composition");
    lib_usage(csro_sim_opts_set_pole(base, A->pole[0], A->pole[1], A->pole[2]), "--pole");
    lib_usage(csro_sim_opts_set_tilt(base, A->tilt), "--tilt");
    lib_usage(csro_sim_opts_set_pair(base, A->pa, A->pb), "--pair");
    if (A->have_radius) lib_usage(csro_sdm_opts_set_radius(sdm, A->radius), "--radius");
    lib_usage(csro_sim_opts_set_sdm(base, sdm), "--radius");
    lib_usage(csro_sim_opts_set_random(base, (size_t)A->nrandom), "--random");
    lib_usage(csro_sim_opts_set_repeats(base, (size_t)A->repeats), "--repeats");
    apply_spec(base, CSRO_SIM_SIGMA_XY, "--sigma-xy", A->sp[0], A->nrandom > 0);
    apply_spec(base, CSRO_SIM_SIGMA_Z, "--sigma-z", A->sp[1], A->nrandom > 0);
    apply_spec(base, CSRO_SIM_EFFICIENCY, "--efficiency", A->sp[2], A->nrandom > 0);
    lib_usage(csro_sim_opts_set_threads(base, (int)A->threads), "--threads");
    return base;
}

/* Every class, checked before any output; returns the pattern count. */
static size_t make_classes(const args *A, const csro_sim_opts *base, cls *cl)
{
    size_t total = 0;
    for (int k = 0; k < A->ncls; k++) {
        snprintf(cl[k].spec, sizeof cl[k].spec, "%s", A->class_spec[k]);
        cl[k].o = csro_sim_opts_clone(base);
        if (!cl[k].o) tool_die(TOOL_EDATA, "out of memory");
        apply_class(&cl[k], A->types, A->pa, A->pb);
        for (int j = 0; j < k; j++)
            if (!strcmp(cl[j].name, cl[k].name)) tool_die(TOOL_EUSAGE, "--class: class name '%s' given twice", cl[k].name);
        lib_usage(csro_sim_opts_set_seed(cl[k].o, A->seed, total), "--seed");
        total += csro_sim_npatterns(cl[k].o);
    }
    return total;
}

static csro_zsdm_meta *bank_meta(const args *A, const csro_sdm_opts *sdm, const cls *cl)
{
    size_t np = csro_sim_nparams();
    csro_zsdm_meta *meta = csro_zsdm_meta_new(CSRO_ZSDM_BANK);
    if (!meta) tool_die(TOOL_EDATA, "out of memory");
    int rc = csro_zsdm_meta_set_sdm(meta, sdm);
    if (!rc) rc = csro_zsdm_meta_set_pair(meta, A->pa, A->pb);
    if (!rc) rc = csro_zsdm_meta_set_preprocess(meta, CSRO_PRE_RAW);
    for (int k = 0; k < A->ncls && !rc; k++) {
        int r = csro_zsdm_meta_add_class(meta, cl[k].name);
        if (r < 0) rc = r;
    }
    for (size_t i = 0; i < np && !rc; i++) {
        int r = csro_zsdm_meta_add_param(meta, csro_sim_param_name(i));
        if (r < 0) rc = r;
    }
    char key[64], val[1024];
    if (!rc) rc = csro_zsdm_meta_set_text(meta, "generator", "csro-simulate " CSRO_VERSION_STRING);
    snprintf(val, sizeof val, "%s a=%g size=%g", A->lattice, A->a, A->size);
    if (!rc) rc = csro_zsdm_meta_set_text(meta, "lattice", val);
    snprintf(val, sizeof val, "%g,%g,%g tilt=%g", A->pole[0], A->pole[1], A->pole[2], A->tilt);
    if (!rc) rc = csro_zsdm_meta_set_text(meta, "pole", val);
    snprintf(val, sizeof val, "%llu", (unsigned long long)A->seed);
    if (!rc) rc = csro_zsdm_meta_set_text(meta, "seed", val);
    for (int k = 0; k < A->ncls && !rc; k++) {
        snprintf(key, sizeof key, "class.%d", k);
        snprintf(val, sizeof val, "%s S=%.6g", cl[k].spec, csro_sim_opts_order_s(cl[k].o));
        rc = csro_zsdm_meta_set_text(meta, key, val);
    }
    if (rc) tool_fail(rc);
    return meta;
}

static void write_tsv_rows(FILE *f, size_t row, int k, const char *name, size_t m, const float *par, size_t np,
                           const float *prof, size_t nbins)
{
    for (size_t i = 0; i < m; i++) {
        fprintf(f, "%zu\t%d\t%s", row + i, k, name);
        for (size_t j = 0; j < np; j++) fprintf(f, "\t%.9g", par[i * np + j]);
        for (size_t j = 0; j < nbins; j++) fprintf(f, "\t%.9g", prof[i * nbins + j]);
        fputc('\n', f);
    }
}

/* Simulate every class chunk by chunk into the bank writer or TSV; rows. */
static size_t generate(const args *A, const cls *cl, size_t total, size_t nbins, csro_zsdm_writer *w, FILE *f)
{
    size_t np = csro_sim_nparams();
    float *prof = malloc(CHUNK * nbins * sizeof *prof), *par = malloc(CHUNK * np * sizeof *par);
    uint64_t *idx = malloc(CHUNK * sizeof *idx);
    int32_t *lab = malloc(CHUNK * sizeof *lab);
    if (!prof || !par || !idx || !lab) tool_die(TOOL_EDATA, "out of memory");
    size_t row = 0;
    for (int k = 0; k < A->ncls; k++) {
        size_t n = csro_sim_npatterns(cl[k].o);
        for (size_t first = 0; first < n; first += CHUNK) {
            size_t m = n - first < CHUNK ? n - first : CHUNK;
            int rc = csro_sim_bank(cl[k].o, first, m, prof, nbins, par, NULL, NULL);
            if (rc) tool_fail(rc);
            for (size_t i = 0; i < m; i++) { idx[i] = row + i; lab[i] = k; }
            if (f) write_tsv_rows(f, row, k, cl[k].name, m, par, np, prof, nbins);
            else if ((rc = csro_zsdm_writer_write(w, m, prof, idx, lab, NULL, par))) tool_fail(rc);
            row += m;
            tool_progress((double)row / (double)total, NULL);
        }
    }
    tool_progress_done();
    free(prof); free(par); free(idx); free(lab);
    return row;
}

int main(int argc, char **argv)
{
    tool_init("csro-simulate", usage);
    args A;
    parse_args(argc, argv, &A);
    csro_sdm_opts *sdm = csro_sdm_opts_new();
    if (!sdm) tool_die(TOOL_EDATA, "out of memory");
    csro_sim_opts *base = base_opts(&A, sdm);
    cls cl[MAXCLASS];
    size_t total = make_classes(&A, base, cl);
    size_t nbins = csro_sdm_opts_nbins(sdm), np = csro_sim_nparams();

    csro_zsdm_meta *meta = NULL;
    csro_zsdm_writer *w = NULL;
    FILE *f = NULL;
    if (A.tsv) {
        f = tool_out_open(A.out);
        fprintf(f, "index\tlabel\tclass");
        for (size_t i = 0; i < np; i++) fprintf(f, "\t%s", csro_sim_param_name(i));
        for (size_t i = 0; i < nbins; i++) fprintf(f, "\tz%.4f", csro_sdm_opts_bin_left(sdm, i));
        fputc('\n', f);
    } else {
        meta = bank_meta(&A, sdm, cl);
        int rc = csro_zsdm_writer_open(&w, tool_out_lib(A.out), meta);
        if (rc) tool_fail(rc);
    }
    size_t row = generate(&A, cl, total, nbins, w, f);
    if (w) {
        int rc = csro_zsdm_writer_close(w);
        if (rc) tool_fail(rc);
    }
    tool_commit();
    if (strcmp(A.out, "-") && isatty(STDERR_FILENO))
        tool_note("csro-simulate: %zu patterns of %d classes, %zu bins -> %s\n", row, A.ncls, nbins, A.out);
    for (int k = 0; k < A.ncls; k++) csro_sim_opts_free(cl[k].o);
    csro_zsdm_meta_free(meta);
    csro_sim_opts_free(base);
    csro_sdm_opts_free(sdm);
    return 0;
}
