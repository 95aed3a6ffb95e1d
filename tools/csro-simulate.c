/* csro-simulate: write a labelled bank of simulated z-SDM patterns
 * (.zsdm kind bank, raw counts) or a TSV table, one class per --class. */
#include "common.h"
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAXCLASS 64
#define CHUNK 256

static _Noreturn void usage(void)
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
           "  --pair A-B              species pair (Co-Co)\n"
           "  --radius NM             pair radius R (1.5)\n"
           "Output:\n"
           "  -o FILE                 output (- = stdout)\n"
           "  --format zsdm|tsv       output format (zsdm)\n"
           "  --seed N                random seed (0)\n"
           "  --threads N             worker threads, 0 = all cores (0)\n"
           "  --quiet, --help, --version\n");
    exit(0);
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
    int have_alpha = 0;
    double alpha = 0;
    /* trailing :S=v / :alpha=v */
    for (;;) {
        char *last = args ? strrchr(args, ':') : NULL;
        char *item = last ? last + 1 : args;
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

/* Atomic text output: temp file beside the target, renamed on success. */
typedef struct { FILE *fp; char *tmp; const char *path; } textout;

static void text_open(textout *t, const char *path)
{
    t->path = path;
    t->tmp = NULL;
    if (!strcmp(path, "-")) { t->fp = stdout; return; }
    size_t n = strlen(path) + 16;
    t->tmp = malloc(n);
    if (!t->tmp) tool_die(TOOL_EDATA, "out of memory");
    snprintf(t->tmp, n, "%s.tmpXXXXXX", path);
    int fd = mkstemp(t->tmp);
    if (fd < 0 || !(t->fp = fdopen(fd, "w"))) tool_die(TOOL_EDATA, "%s: %s", path, strerror(errno));
}

static void text_abort(textout *t)
{
    if (t->tmp) { fclose(t->fp); unlink(t->tmp); free(t->tmp); t->tmp = NULL; }
}

static void text_commit(textout *t)
{
    if (!t->tmp) {
        if (fflush(stdout) || ferror(stdout)) tool_die(TOOL_EDATA, "-: write error");
        return;
    }
    int bad = ferror(t->fp) != 0;
    bad |= fclose(t->fp) != 0;
    if (bad || rename(t->tmp, t->path)) {
        unlink(t->tmp);
        tool_die(TOOL_EDATA, "%s: write error: %s", t->path, strerror(errno));
    }
    free(t->tmp);
}

int main(int argc, char **argv)
{
    tool_init("csro-simulate");
    enum { O_LATTICE = 256, O_A, O_SIZE, O_TYPES, O_COMP, O_CLASS, O_PAIR, O_POLE, O_TILT, O_SWEEP,
           O_SXY, O_SZ, O_EFF, O_RANDOM, O_REPEATS, O_RADIUS, O_FORMAT, O_SEED, O_THREADS, O_QUIET,
           O_HELP, O_VERSION };
    static const struct option lo[] = {
        {"lattice", 1, 0, O_LATTICE}, {"a", 1, 0, O_A}, {"size", 1, 0, O_SIZE},
        {"types", 1, 0, O_TYPES}, {"composition", 1, 0, O_COMP}, {"class", 1, 0, O_CLASS},
        {"pair", 1, 0, O_PAIR}, {"pole", 1, 0, O_POLE}, {"tilt", 1, 0, O_TILT},
        {"sweep", 1, 0, O_SWEEP}, {"sigma-xy", 1, 0, O_SXY}, {"sigma-z", 1, 0, O_SZ},
        {"efficiency", 1, 0, O_EFF}, {"random", 1, 0, O_RANDOM}, {"repeats", 1, 0, O_REPEATS},
        {"radius", 1, 0, O_RADIUS}, {"format", 1, 0, O_FORMAT}, {"output", 1, 0, 'o'},
        {"seed", 1, 0, O_SEED}, {"threads", 1, 0, O_THREADS}, {"quiet", 0, 0, O_QUIET},
        {"help", 0, 0, O_HELP}, {"version", 0, 0, O_VERSION}, {0, 0, 0, 0}};
    const char *lattice = "fcc", *types = NULL, *comp = NULL, *out = NULL, *pair = "Co-Co";
    const char *fmt = "zsdm";
    double a = 0.36, size = 1.0, tilt = 0, pole[3] = {0, 0, 1}, radius = 1.5;
    int have_radius = 0;
    long threads = 0;
    uint64_t seed = 0, nrandom = 0, repeats = 1;
    spec sp[3] = {{0, 0, {0}}, {0, 0, {0}}, {0, 0, {0}}};
    const char *class_spec[MAXCLASS];
    int ncls = 0, c;
    while ((c = getopt_long(argc, argv, "o:", lo, NULL)) != -1) {
        switch (c) {
        case O_LATTICE: lattice = optarg; break;
        case O_A: a = tool_double("--a", optarg); break;
        case O_SIZE: size = tool_double("--size", optarg); break;
        case O_TYPES: types = optarg; break;
        case O_COMP: comp = optarg; break;
        case O_CLASS:
            if (ncls >= MAXCLASS) tool_die(TOOL_EUSAGE, "--class: at most %d classes", MAXCLASS);
            if (strlen(optarg) >= 512) tool_die(TOOL_EUSAGE, "--class: spec too long");
            class_spec[ncls++] = optarg;
            break;
        case O_PAIR: pair = optarg; break;
        case O_POLE: tool_doubles("--pole", optarg, pole, 3); break;
        case O_TILT: tilt = tool_double("--tilt", optarg); break;
        case O_SWEEP:
            if (strcmp(optarg, "reference")) tool_die(TOOL_EUSAGE, "--sweep: unknown sweep '%s' (reference)", optarg);
            sp[0] = parse_spec("--sweep", "0.2:0.8:0.05");
            sp[1] = parse_spec("--sweep", "0.01:0.06:0.002");
            sp[2] = parse_spec("--sweep", "0.2:0.7:0.05");
            break;
        case O_SXY: sp[0] = parse_spec("--sigma-xy", optarg); break;
        case O_SZ: sp[1] = parse_spec("--sigma-z", optarg); break;
        case O_EFF: sp[2] = parse_spec("--efficiency", optarg); break;
        case O_RANDOM: nrandom = tool_u64("--random", optarg); break;
        case O_REPEATS: repeats = tool_u64("--repeats", optarg); break;
        case O_RADIUS: radius = tool_double("--radius", optarg); have_radius = 1; break;
        case O_FORMAT: fmt = optarg; break;
        case 'o': out = optarg; break;
        case O_SEED: seed = tool_u64("--seed", optarg); break;
        case O_THREADS: threads = tool_long("--threads", optarg, 0, 1024); break;
        case O_QUIET: tool_set_quiet(1); break;
        case O_HELP: usage();
        case O_VERSION: tool_version();
        default: tool_usage_error("unknown option");
        }
    }
    if (optind < argc) tool_usage_error("unexpected argument '%s'", argv[optind]);
    if (!out) tool_usage_error("no output given (-o FILE)");
    if (!ncls) tool_usage_error("no class given (--class NAME:MODEL[:ARGS])");
    int tsv = !strcmp(fmt, "tsv");
    if (!tsv && strcmp(fmt, "zsdm")) tool_usage_error("--format: unknown format '%s' (zsdm, tsv)", fmt);
    if (!tsv) tool_refuse_tty(out);
    if (repeats < 1) tool_die(TOOL_EUSAGE, "--repeats: must be >= 1");
    char pa[32], pb[32];
    const char *dash = strchr(pair, '-');
    if (!dash || dash == pair || !dash[1] || (size_t)(dash - pair) >= sizeof pa || strlen(dash + 1) >= sizeof pb)
        tool_die(TOOL_EUSAGE, "--pair: '%s' is not A-B", pair);
    snprintf(pa, sizeof pa, "%.*s", (int)(dash - pair), pair);
    snprintf(pb, sizeof pb, "%s", dash + 1);

    /* base options */
    csro_sim_opts *base = csro_sim_opts_new();
    csro_sdm_opts *sdm = csro_sdm_opts_new();
    if (!base || !sdm) tool_die(TOOL_EDATA, "out of memory");
    if (!strcmp(lattice, "fcc") || !strcmp(lattice, "bcc"))
        lib_usage(csro_sim_opts_set_lattice(base, lattice[0] == 'f' ? CSRO_SIM_FCC : CSRO_SIM_BCC, a, size), "--lattice");
    else {
        if (!(a > 0)) tool_die(TOOL_EUSAGE, "--a: lattice parameter %g must be > 0", a);
        int rc = csro_sim_opts_set_lattice_file(base, lattice, a);
        if (rc) tool_fail(rc);
    }
    if (comp) lib_usage(csro_sim_opts_set_composition(base, comp), "--composition");
    lib_usage(csro_sim_opts_set_pole(base, pole[0], pole[1], pole[2]), "--pole");
    lib_usage(csro_sim_opts_set_tilt(base, tilt), "--tilt");
    lib_usage(csro_sim_opts_set_pair(base, pa, pb), "--pair");
    if (have_radius) lib_usage(csro_sdm_opts_set_radius(sdm, radius), "--radius");
    lib_usage(csro_sim_opts_set_sdm(base, sdm), "--radius");
    lib_usage(csro_sim_opts_set_random(base, (size_t)nrandom), "--random");
    lib_usage(csro_sim_opts_set_repeats(base, (size_t)repeats), "--repeats");
    apply_spec(base, CSRO_SIM_SIGMA_XY, "--sigma-xy", sp[0], nrandom > 0);
    apply_spec(base, CSRO_SIM_SIGMA_Z, "--sigma-z", sp[1], nrandom > 0);
    apply_spec(base, CSRO_SIM_EFFICIENCY, "--efficiency", sp[2], nrandom > 0);
    lib_usage(csro_sim_opts_set_threads(base, (int)threads), "--threads");

    cls cl[MAXCLASS];
    size_t total = 0;
    for (int k = 0; k < ncls; k++) {
        snprintf(cl[k].spec, sizeof cl[k].spec, "%s", class_spec[k]);
        cl[k].o = csro_sim_opts_clone(base);
        if (!cl[k].o) tool_die(TOOL_EDATA, "out of memory");
        apply_class(&cl[k], types, pa, pb);
        for (int j = 0; j < k; j++)
            if (!strcmp(cl[j].name, cl[k].name)) tool_die(TOOL_EUSAGE, "--class: class name '%s' given twice", cl[k].name);
        lib_usage(csro_sim_opts_set_seed(cl[k].o, seed, total), "--seed");
        total += csro_sim_npatterns(cl[k].o);
    }
    size_t nbins = csro_sdm_opts_nbins(sdm), np = csro_sim_nparams();

    /* output */
    csro_zsdm_meta *meta = NULL;
    csro_zsdm_writer *w = NULL;
    textout t = {0};
    if (tsv) {
        text_open(&t, out);
        fprintf(t.fp, "index\tlabel\tclass");
        for (size_t i = 0; i < np; i++) fprintf(t.fp, "\t%s", csro_sim_param_name(i));
        for (size_t i = 0; i < nbins; i++) fprintf(t.fp, "\tz%.4f", csro_sdm_opts_bin_left(sdm, i));
        fputc('\n', t.fp);
    } else {
        meta = csro_zsdm_meta_new(CSRO_ZSDM_BANK);
        if (!meta) tool_die(TOOL_EDATA, "out of memory");
        int rc = csro_zsdm_meta_set_sdm(meta, sdm);
        if (!rc) rc = csro_zsdm_meta_set_pair(meta, pa, pb);
        if (!rc) rc = csro_zsdm_meta_set_preprocess(meta, CSRO_PRE_RAW);
        for (int k = 0; k < ncls && !rc; k++) {
            int r = csro_zsdm_meta_add_class(meta, cl[k].name);
            if (r < 0) rc = r;
        }
        for (size_t i = 0; i < np && !rc; i++) {
            int r = csro_zsdm_meta_add_param(meta, csro_sim_param_name(i));
            if (r < 0) rc = r;
        }
        char key[64], val[1024];
        if (!rc) rc = csro_zsdm_meta_set_text(meta, "generator", "csro-simulate " CSRO_VERSION_STRING);
        snprintf(val, sizeof val, "%s a=%g size=%g", lattice, a, size);
        if (!rc) rc = csro_zsdm_meta_set_text(meta, "lattice", val);
        snprintf(val, sizeof val, "%g,%g,%g tilt=%g", pole[0], pole[1], pole[2], tilt);
        if (!rc) rc = csro_zsdm_meta_set_text(meta, "pole", val);
        snprintf(val, sizeof val, "%llu", (unsigned long long)seed);
        if (!rc) rc = csro_zsdm_meta_set_text(meta, "seed", val);
        for (int k = 0; k < ncls && !rc; k++) {
            snprintf(key, sizeof key, "class.%d", k);
            snprintf(val, sizeof val, "%s S=%.6g", cl[k].spec, csro_sim_opts_order_s(cl[k].o));
            rc = csro_zsdm_meta_set_text(meta, key, val);
        }
        if (!rc) rc = csro_zsdm_writer_open(&w, out, meta);
        if (rc) tool_fail(rc);
    }
    float *prof = malloc(CHUNK * nbins * sizeof *prof), *par = malloc(CHUNK * np * sizeof *par);
    uint64_t *idx = malloc(CHUNK * sizeof *idx);
    int32_t *lab = malloc(CHUNK * sizeof *lab);
    if (!prof || !par || !idx || !lab) tool_die(TOOL_EDATA, "out of memory");
    size_t row = 0;
    for (int k = 0; k < ncls; k++) {
        size_t n = csro_sim_npatterns(cl[k].o);
        for (size_t first = 0; first < n; first += CHUNK) {
            size_t m = n - first < CHUNK ? n - first : CHUNK;
            int rc = csro_sim_bank(cl[k].o, first, m, prof, nbins, par, NULL, NULL);
            if (rc) {
                if (tsv) text_abort(&t);
                else csro_zsdm_writer_abort(w);
                tool_fail(rc);
            }
            for (size_t i = 0; i < m; i++) { idx[i] = row + i; lab[i] = k; }
            if (tsv) {
                for (size_t i = 0; i < m; i++) {
                    fprintf(t.fp, "%zu\t%d\t%s", row + i, k, cl[k].name);
                    for (size_t j = 0; j < np; j++) fprintf(t.fp, "\t%.9g", par[i * np + j]);
                    for (size_t j = 0; j < nbins; j++) fprintf(t.fp, "\t%.9g", prof[i * nbins + j]);
                    fputc('\n', t.fp);
                }
            } else {
                rc = csro_zsdm_writer_write(w, m, prof, idx, lab, NULL, par);
                if (rc) { csro_zsdm_writer_abort(w); tool_fail(rc); }
            }
            row += m;
            tool_progress((double)row / (double)total, NULL);
        }
    }
    tool_progress_done();
    if (tsv) text_commit(&t);
    else {
        int rc = csro_zsdm_writer_close(w);
        if (rc) tool_fail(rc);
    }
    if (!tool_quiet() && strcmp(out, "-") && isatty(STDERR_FILENO))
        fprintf(stderr, "csro-simulate: %zu patterns of %d classes, %zu bins -> %s\n", row, ncls, nbins, out);
    free(prof); free(par); free(idx); free(lab);
    for (int k = 0; k < ncls; k++) csro_sim_opts_free(cl[k].o);
    csro_zsdm_meta_free(meta);
    csro_sim_opts_free(base);
    csro_sdm_opts_free(sdm);
    return 0;
}
