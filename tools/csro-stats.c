/* csro-stats: CSRO statistics of a .prob file (volume fraction, connected
 * domains, number density, equivalent-sphere diameters), appended to a
 * table of samples; linear fits over such a table. */
#include "common.h"
#include "nexus.h"
#include "provenance.h"
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void usage(void)
{
    printf("Usage: csro-stats [OPTION]... IN.prob [PART.prob]...\n"
           "       csro-stats --table FILE --fit COLUMN [--against COLUMN]\n"
           "CSRO statistics of one class of a .prob file: volume fraction of the\n"
           "sub-cells above the threshold, connected CSRO domains (count, number\n"
           "density, equivalent-sphere diameters, largest domain). Several inputs:\n"
           "the parts of one grid (apt-voxelize --part K/N), merged.\n\n"
           "  -c, --class NAME|INDEX  class (default: the 2nd of a 2-class file)\n"
           "      --mode sum|mean     sub-cell value (default: the model's map rule, as csro-map)\n"
           "  -t, --threshold T       selected: value > T (default: the model's\n"
           "                          calibrated threshold, else 3.75 for sum)\n"
           "      --connectivity N    6, 18 or 26 (default 26)\n"
           "      --recon FILE        reconstruction: composition inside / outside CSRO\n"
           "  -r, --ranges FILE       range file of --recon (.rrng, .rng)\n"
           "      --bins N            diameter histogram bins (default 10)\n"
           "      --hist-max D        histogram range [0, D] nm (default: largest\n"
           "                          diameter rounded up to 0.5 nm)\n"
           "  -f, --format tsv|json   output format (default tsv: name<TAB>value)\n"
           "  -o, --output FILE       output (default stdout)\n"
           "      --table FILE        append this sample's row to a TSV table\n"
           "      --sample NAME       sample name of the row (required with --table)\n"
           "      --label TEXT        processing label of the row (default '-')\n"
           "      --property K=V      extra column (repeatable; numbers for --fit)\n"
           "      --fit COLUMN        least-squares line of COLUMN over the table\n"
           "      --against COLUMN    x column of --fit (default: the first property)\n"
           "  -h, --help, -V, --version\n");
}

#define MAXPROP 32
#define MAXCOL 512
#define MAXMET 256

typedef struct { const char *name; double v; int is_int; const char *why; } metric;

/* Why a metric is NaN (csro-stats never prints nan without saying why). */
static void explain_nan(metric *mt, int nm)
{
    for (int i = 0; i < nm; i++) {
        metric *m = &mt[i];
        size_t l = strlen(m->name);
        if (!isnan(m->v) || m->why) continue;
        if (!strcmp(m->name, "volume_fraction") || !strcmp(m->name, "number_density_nm3"))
            m->why = "the map has no sub-cell with data";
        else if (!strncmp(m->name, "diameter_", 9))
            m->why = "no domain: no sub-cell is above the threshold";
        else if (l > 14 && !strcmp(m->name + l - 14, "_csro_fraction"))
            m->why = "no ranged ion lies inside CSRO";
        else if (l > 17 && !strcmp(m->name + l - 17, "_outside_fraction"))
            m->why = "no ranged ion lies outside CSRO";
        else
            m->why = "not defined for these data";
    }
}

/* One line on stderr per reason, naming the metrics it explains. */
static void note_nan(const metric *mt, int nm)
{
    for (int i = 0; i < nm; i++) {
        if (!isnan(mt[i].v)) continue;
        int first = 1;
        for (int j = 0; j < i; j++) first &= !(isnan(mt[j].v) && !strcmp(mt[j].why, mt[i].why));
        if (!first) continue;
        fprintf(stderr, "%s: nan for", tool_name());
        for (int j = i; j < nm; j++)
            if (isnan(mt[j].v) && !strcmp(mt[j].why, mt[i].why)) fprintf(stderr, " %s", mt[j].name);
        fprintf(stderr, ": %s\n", mt[i].why);
    }
}

/* name<TAB>value lines; a NaN value gets its reason as a third column. */
static void tsv_metrics(FILE *o, const metric *mt, int nm)
{
    for (int i = 0; i < nm; i++) {
        if (isnan(mt[i].v)) fprintf(o, "%s\tnan\t%s\n", mt[i].name, mt[i].why);
        else fprintf(o, mt[i].is_int ? "%s\t%.0f\n" : "%s\t%.10g\n", mt[i].name, mt[i].v);
    }
}

static char *xstrdup(const char *s)
{
    char *p = strdup(s);
    if (!p) tool_die(TOOL_EDATA, "out of memory");
    return p;
}

/* Split a TSV line (modified in place) into at most max fields. */
static int split_tsv(char *line, char **f, int max)
{
    int n = 0;
    line[strcspn(line, "\r\n")] = 0;
    for (char *p = line;;) {
        if (n == max) return -1;
        f[n++] = p;
        char *t = strchr(p, '\t');
        if (!t) break;
        *t = 0;
        p = t + 1;
    }
    return n;
}

static int parse_num(const char *s, double *v)
{
    char *end;
    errno = 0;
    *v = strtod(s, &end);
    return *s && !*end && !errno && isfinite(*v);
}

/* "nan_reasons": {"metric": "why", ...} when a metric is NaN. */
static void json_nan_reasons(tool_json *j, const metric *mt, int nm)
{
    int k = 0;
    for (int i = 0; i < nm; i++) {
        if (!isnan(mt[i].v)) continue;
        if (!k++) tool_json_object(j, "nan_reasons");
        tool_json_str(j, mt[i].name, mt[i].why);
    }
    if (k) tool_json_close(j);
}

static void do_fit(const char *table, const char *ycol, const char *xcol, int json, const char *out, tool_prov *pv)
{
    FILE *fp = fopen(table, "r");
    if (!fp) tool_die(TOOL_EDATA, "%s: cannot open: %s", table, strerror(errno));
    char *line = NULL, *f[MAXCOL];
    size_t cap = 0;
    if (getline(&line, &cap, fp) < 0) tool_die(TOOL_EDATA, "%s: empty table", table);
    char *hdr = xstrdup(line);
    char *h[MAXCOL];
    int nh = split_tsv(hdr, h, MAXCOL), yi = -1, xi = -1;
    if (nh < 0) tool_die(TOOL_EDATA, "%s: more than %d columns", table, MAXCOL);
    for (int i = 0; i < nh; i++) {
        if (!strcmp(h[i], ycol)) yi = i;
        if (xcol && !strcmp(h[i], xcol)) xi = i;
    }
    if (!xcol) { /* first property: the column after sample and label */
        if (nh < 3 || strcmp(h[0], "sample") || strcmp(h[1], "label"))
            tool_die(TOOL_EDATA, "%s: no property column; name the x column with --against", table);
        xi = 2;
        xcol = h[2];
    }
    if (yi < 0) tool_die(TOOL_EDATA, "%s: no column '%s'", table, ycol);
    if (xi < 0) tool_die(TOOL_EDATA, "%s: no column '%s'", table, xcol);
    double *x = NULL, *y = NULL;
    size_t n = 0, ncap = 0, lineno = 1;
    while (getline(&line, &cap, fp) >= 0) {
        lineno++;
        if (!line[strspn(line, " \t\r\n")]) continue;
        int nf = split_tsv(line, f, MAXCOL);
        if (nf != nh) tool_die(TOOL_EDATA, "%s: line %zu has %d columns, the header %d", table, lineno, nf, nh);
        if (n == ncap) {
            ncap = ncap ? 2 * ncap : 16;
            x = realloc(x, ncap * sizeof *x);
            y = realloc(y, ncap * sizeof *y);
            if (!x || !y) tool_die(TOOL_EDATA, "out of memory");
        }
        if (!parse_num(f[xi], &x[n])) tool_die(TOOL_EDATA, "%s: line %zu: %s '%s' is not a number", table, lineno, xcol, f[xi]);
        if (!parse_num(f[yi], &y[n])) tool_die(TOOL_EDATA, "%s: line %zu: %s '%s' is not a number", table, lineno, ycol, f[yi]);
        n++;
    }
    fclose(fp);
    double b, be, a, r2;
    int rc = csro_stats_linfit(&b, &be, &a, &r2, x, y, n);
    if (rc) tool_die(TOOL_EDATA, "%s: %s", table, csro_last_error());
    metric fm[4] = { {"slope", b, 0, NULL}, {"slope_err", be, 0, "2 points: no error estimate"},
                     {"intercept", a, 0, NULL}, {"r2", r2, 0, "the fitted column is constant"} };
    explain_nan(fm, 4);
    prov_input(pv, "table", table);
    prov_param(pv, "fit", "%s", ycol);
    prov_param(pv, "against", "%s", xcol);
    FILE *o = tool_out_open(out ? out : "-");
    if (json) {
        tool_json j;
        tool_json_begin(&j, o);
        tool_json_str(&j, "y", ycol);
        tool_json_str(&j, "x", xcol);
        tool_json_int(&j, "n", (long long)n);
        for (int i = 0; i < 4; i++) tool_json_num(&j, fm[i].name, fm[i].v);
        json_nan_reasons(&j, fm, 4);
        prov_json(pv, &j);
        tool_json_end(&j);
    } else {
        fprintf(o, "y\t%s\nx\t%s\nn\t%zu\n", ycol, xcol, n);
        tsv_metrics(o, fm, 4);
        prov_rows(pv, o);
    }
    tool_commit();
    note_nan(fm, 4);
    free(x); free(y); free(line); free(hdr);
}


static void append_row(const char *table, const char *sample, const char *label,
                       char *const *pk, char *const *pv, int np, const metric *mt, int nm)
{
    /* build header and row */
    size_t hcap = 4096, rcap = 4096;
    char *hdr = malloc(hcap), *row = malloc(rcap);
    if (!hdr || !row) tool_die(TOOL_EDATA, "out of memory");
    int hl = snprintf(hdr, hcap, "sample\tlabel"), rl = snprintf(row, rcap, "%s\t%s", sample, label);
    for (int i = 0; i < np; i++) {
        hl += snprintf(hdr + hl, hcap - (size_t)hl, "\t%s", pk[i]);
        rl += snprintf(row + rl, rcap - (size_t)rl, "\t%s", pv[i]);
    }
    for (int i = 0; i < nm; i++) {
        hl += snprintf(hdr + hl, hcap - (size_t)hl, "\t%s", mt[i].name);
        rl += snprintf(row + rl, rcap - (size_t)rl, mt[i].is_int ? "\t%.0f" : "\t%.10g", mt[i].v);
    }
    if ((size_t)hl >= hcap || (size_t)rl >= rcap) tool_die(TOOL_EDATA, "%s: row too long", table);
    /* existing content (if any) must have the same header */
    char *old = NULL;
    size_t oldn = 0;
    struct stat st;
    int regular = stat(table, &st) != 0 || S_ISREG(st.st_mode); /* a FIFO or device has no old rows */
    FILE *fp = regular ? fopen(table, "rb") : NULL;
    if (fp) {
        size_t cap = 0;
        char buf[65536];
        size_t k;
        while ((k = fread(buf, 1, sizeof buf, fp)) > 0) {
            if (oldn + k + 1 > cap) {
                cap = 2 * (oldn + k + 1);
                old = realloc(old, cap);
                if (!old) tool_die(TOOL_EDATA, "out of memory");
            }
            memcpy(old + oldn, buf, k);
            oldn += k;
        }
        fclose(fp);
        if (old) old[oldn] = 0;
    } else if (regular && errno != ENOENT) tool_die(TOOL_EDATA, "%s: cannot open: %s", table, strerror(errno));
    if (oldn) {
        size_t l1 = strcspn(old, "\r\n");
        if (l1 != (size_t)hl || memcmp(old, hdr, l1))
            tool_die(TOOL_EDATA, "%s: the table's columns differ from this row's (%s); use the same --property names in the same order", table, hdr);
    }
    FILE *o = tool_out_open(table);
    if (oldn) {
        fwrite(old, 1, oldn, o);
        if (old[oldn - 1] != '\n') fputc('\n', o);
    } else fprintf(o, "%s\n", hdr);
    fprintf(o, "%s\n", row);
    free(old); free(hdr); free(row);
}

typedef struct {
    const char *cls, *out, *table, *sample, *label, *fit, *against, *reconp, *rangesp, *in;
    const char *const *ins; /* nin inputs: the part files of one grid */
    size_t nin;
    char *pk[MAXPROP], *pv[MAXPROP];
    int np, mode, json, conn;
    long bins;
    double thr, hmax;
    tool_prov *prov;
} args;

static void add_property(args *A, const char *arg)
{
    if (A->np == MAXPROP) tool_usage_error("at most %d --property options", MAXPROP);
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg) tool_usage_error("--property: '%s' is not NAME=VALUE", arg);
    char *k = xstrdup(arg);
    k[eq - arg] = 0;
    A->pk[A->np] = k;
    A->pv[A->np] = k + (eq - arg) + 1;
    if (strpbrk(k, "\t\n") || strpbrk(A->pv[A->np], "\t\n")) tool_usage_error("--property: tabs and newlines are not allowed");
    A->np++;
}

static void parse_args(int argc, char **argv, args *A)
{
    enum { O_MODE = 256, O_CONN, O_BINS, O_HMAX, O_TABLE, O_SAMPLE, O_LABEL, O_PROP, O_FIT, O_AGAINST, O_RECON };
    static const struct option lo[] = {
        {"class", 1, 0, 'c'}, {"mode", 1, 0, O_MODE}, {"threshold", 1, 0, 't'},
        {"connectivity", 1, 0, O_CONN}, {"bins", 1, 0, O_BINS}, {"hist-max", 1, 0, O_HMAX},
        {"format", 1, 0, 'f'}, {"output", 1, 0, 'o'}, {"table", 1, 0, O_TABLE}, {"sample", 1, 0, O_SAMPLE},
        {"label", 1, 0, O_LABEL}, {"property", 1, 0, O_PROP}, {"fit", 1, 0, O_FIT}, {"against", 1, 0, O_AGAINST},
        {"recon", 1, 0, O_RECON}, {"ranges", 1, 0, 'r'}, {0, 0, 0, 0}};
    *A = (args){ .label = "-", .mode = -1, .conn = 26, .bins = 10, .thr = NAN, .hmax = NAN };
    int c;
    while ((c = tool_getopt(argc, argv, "c:t:f:o:r:", lo)) != -1) {
        switch (c) {
        case 'c': A->cls = optarg; break;
        case O_MODE: A->mode = tool_map_mode("--mode", optarg); break;
        case 't': A->thr = tool_double("--threshold", optarg); break;
        case O_CONN:
            A->conn = (int)tool_long("--connectivity", optarg, 6, 26);
            if (A->conn != 6 && A->conn != 18 && A->conn != 26) tool_usage_error("--connectivity: %d is not 6, 18 or 26", A->conn);
            break;
        case O_BINS: A->bins = tool_long("--bins", optarg, 1, 100000); break;
        case O_HMAX:
            A->hmax = tool_double("--hist-max", optarg);
            if (!(A->hmax > 0)) tool_usage_error("--hist-max: %g must be > 0", A->hmax);
            break;
        case 'f': A->json = tool_choice("--format", optarg, "tsv|json"); break;
        case 'o': A->out = optarg; break;
        case O_TABLE: A->table = optarg; break;
        case O_SAMPLE: A->sample = optarg; break;
        case O_LABEL: A->label = optarg; break;
        case O_PROP: add_property(A, optarg); break;
        case O_FIT: A->fit = optarg; break;
        case O_AGAINST: A->against = optarg; break;
        case O_RECON: A->reconp = optarg; break;
        case 'r': A->rangesp = optarg; break;
        }
    }
    if (A->fit) {
        if (!A->table) tool_usage_error("--fit needs --table FILE");
        if (optind != argc) tool_usage_error("--fit reads the table only; no input file");
        tool_input_as(A->table, TOOL_IN_TEXT);
        return;
    }
    if (A->against) tool_usage_error("--against needs --fit");
    if (optind >= argc) tool_usage_error("expected an input .prob file (or the part files of one grid)");
    if (A->table && !A->sample) tool_usage_error("--table needs --sample NAME");
    if (!A->reconp != !A->rangesp) tool_usage_error("--recon and -r/--ranges go together");
    if (A->sample && (strpbrk(A->sample, "\t\n") || strpbrk(A->label, "\t\n")))
        tool_usage_error("--sample/--label: tabs and newlines are not allowed");
    A->in = argv[optind];
    A->ins = (const char *const *)argv + optind;
    A->nin = (size_t)(argc - optind);
    for (size_t i = 0; i < A->nin; i++) tool_input_as(A->ins[i], TOOL_IN_PROB);
    if (A->reconp) { tool_input_as(A->reconp, TOOL_IN_RECON); tool_input_as(A->rangesp, TOOL_IN_RANGES); }
    if (!nx_wanted(A->out)) tool_out_ext("-o", A->out, NULL, A->json ? "JSON" : "a TSV table");
    tool_out_ext("--table", A->table, NULL, "a TSV table");
    if (A->table) tool_out_may_be_input(A->table);
}

typedef struct {
    metric mt[MAXMET];
    int nm, nnames;
    char *names[MAXMET];
    double *dia, hmax, spacing;
    size_t nd;
    uint64_t *hist;
} result;

/* Volume fraction, domains and their diameters. */
static void map_stats(const args *A, const csro_probmap *m, result *R)
{
    size_t n = csro_probmap_count(m), nsel, dims[3], valid = 0;
    csro_probmap_dims(m, dims);
    uint8_t *mask = malloc(n ? n : 1);
    if (!mask) tool_die(TOOL_EDATA, "out of memory");
    int rc;
    if ((rc = csro_probmap_threshold(m, A->thr, INFINITY, mask, n, &nsel))) tool_fail(rc);
    const float *d = csro_probmap_data(m);
    for (size_t i = 0; i < n; i++) valid += !isnan(d[i]);
    csro_domains *dom;
    if ((rc = csro_domains_new(&dom, mask, dims, A->conn))) tool_fail(rc);
    size_t nd = csro_domains_count(dom);
    double s = csro_probmap_spacing(m), cell = s * s * s;
    double *dia = malloc((nd ? nd : 1) * sizeof *dia);
    if (!dia) tool_die(TOOL_EDATA, "out of memory");
    if ((rc = csro_domains_diameters(dom, s, dia, nd))) tool_fail(rc);
    double dmean, dmed, dmin, dmax;
    csro_stats_summary(&dmean, &dmed, &dmin, &dmax, dia, nd);
    uint64_t largest = 0;
    for (size_t i = 0; i < nd; i++) if (csro_domains_sizes(dom)[i] > largest) largest = csro_domains_sizes(dom)[i];
    double hmax = A->hmax;
    if (isnan(hmax)) hmax = nd ? ceil(dmax * 2) / 2 : 1;
    if (!(hmax > 0)) hmax = 0.5;
    uint64_t *hist = calloc((size_t)A->bins, sizeof *hist);
    if (!hist) tool_die(TOOL_EDATA, "out of memory");
    if ((rc = csro_stats_histogram(hist, (size_t)A->bins, 0, hmax, dia, nd))) tool_fail(rc);
    double vol = (double)valid * cell;
    metric mt[] = {
        {"threshold", A->thr, 0, NULL},
        {"subcells", (double)valid, 1, NULL},
        {"subcells_csro", (double)nsel, 1, NULL},
        {"volume_fraction", valid ? (double)nsel / (double)valid : NAN, 0, NULL},
        {"volume_nm3", vol, 0, NULL},
        {"csro_volume_nm3", (double)nsel * cell, 0, NULL},
        {"domains", (double)nd, 1, NULL},
        {"number_density_nm3", vol > 0 ? (double)nd / vol : NAN, 0, NULL},
        {"diameter_mean_nm", dmean, 0, NULL},
        {"diameter_median_nm", dmed, 0, NULL},
        {"diameter_max_nm", dmax, 0, NULL},
        {"largest_domain_cells", (double)largest, 1, NULL},
        {"largest_domain_nm3", (double)largest * cell, 0, NULL},
    };
    R->nm = (int)(sizeof mt / sizeof *mt);
    memcpy(R->mt, mt, sizeof mt);
    R->dia = dia;
    R->nd = nd;
    R->hist = hist;
    R->hmax = hmax;
    R->spacing = s;
    free(mask);
    csro_domains_free(dom);
}

/* Composition inside / outside CSRO: ions in the map's ROI, by ion type. */
static void recon_composition(const args *A, const csro_probmap *m, result *R)
{
    csro_recon *r;
    csro_ranges *rg;
    int rc;
    if ((rc = csro_recon_load(&r, A->reconp, NULL))) tool_fail(rc);
    if ((rc = csro_ranges_load(&rg, A->rangesp, NULL))) tool_fail(rc);
    size_t ni = csro_recon_count(r), nions = csro_ranges_nions(rg);
    if ((size_t)R->nm + 4 * nions + 2 > MAXMET) tool_die(TOOL_EDATA, "%s: too many ion types (%zu)", A->rangesp, nions);
    int32_t *ion = malloc((ni ? ni : 1) * sizeof *ion);
    uint8_t *keep = malloc(ni ? ni : 1);
    uint64_t *cin = calloc(nions ? nions : 1, sizeof *cin), *cout = calloc(nions ? nions : 1, sizeof *cout);
    if (!ion || !keep || !cin || !cout) tool_die(TOOL_EDATA, "out of memory");
    if ((rc = csro_ranges_assign(rg, csro_recon_mass(r), ni, ion))) tool_fail(rc);
    const float *x = csro_recon_x(r), *y = csro_recon_y(r), *z = csro_recon_z(r);
    if ((rc = csro_probmap_extract(m, A->thr, INFINITY, CSRO_EXTRACT_SPHERE, x, y, z, ni, keep, NULL))) tool_fail(rc);
    tool_map_roi(m, r, ion, A->reconp, A->in);
    if ((rc = csro_stats_composition(cin, cout, nions, ion, keep, ni))) tool_fail(rc);
    uint64_t tin = 0, tout = 0;
    for (size_t k = 0; k < nions; k++) { tin += cin[k]; tout += cout[k]; }
    R->mt[R->nm++] = (metric){"ions_csro", (double)tin, 1, NULL};
    R->mt[R->nm++] = (metric){"ions_outside", (double)tout, 1, NULL};
    for (size_t k = 0; k < nions; k++) {
        const char *nmk = csro_ranges_ion_name(rg, k);
        static const char *suf[4] = {"csro_ions", "csro_fraction", "outside_ions", "outside_fraction"};
        double val[4] = {(double)cin[k], tin ? (double)cin[k] / (double)tin : NAN,
                         (double)cout[k], tout ? (double)cout[k] / (double)tout : NAN};
        for (int q = 0; q < 4; q++) {
            size_t len = strlen(nmk) + 32;
            char *nmq = malloc(len);
            if (!nmq) tool_die(TOOL_EDATA, "out of memory");
            snprintf(nmq, len, "%s_%s", nmk, suf[q]);
            for (char *ch = nmq; *ch; ch++) if (*ch == '\t' || *ch == '\n' || *ch == ' ') *ch = '_';
            R->names[R->nnames++] = nmq;
            R->mt[R->nm++] = (metric){nmq, val[q], q % 2 == 0, NULL};
        }
    }
    free(ion); free(keep); free(cin); free(cout);
    csro_ranges_free(rg);
    csro_recon_free(r);
}

/* -o NAME.h5|.nxs: the tables as NeXus groups */
static void write_nexus(const args *A, const csro_probmap *m, const result *R)
{
    nx_file *f = nx_create(A->out, A->prov, "CSRO statistics", "diameter_histogram");
    nx_group(f, "summary", "NXcollection");
    nx_attr(f, "summary", "map", csro_probmap_label(m));
    nx_attr(f, "summary", "mode", A->mode == CSRO_PROBMAP_SUM ? "sum" : "mean");
    char path[160];
    for (int i = 0; i < R->nm; i++) {
        snprintf(path, sizeof path, "summary/%s", R->mt[i].name);
        nx_scalar(f, path, R->mt[i].v, NULL);
    }
    nx_scalar(f, "summary/spacing", R->spacing, "nm");
    nx_scalar(f, "summary/connectivity", A->conn, NULL);
    nx_group(f, "diameter_histogram", "NXdata");
    size_t nb = (size_t)A->bins, ne = nb + 1;
    double *edges = malloc(ne * sizeof *edges), *centres = malloc(nb * sizeof *centres);
    if (!edges || !centres) tool_die(TOOL_EDATA, "out of memory");
    for (size_t i = 0; i < ne; i++) edges[i] = R->hmax * (double)i / (double)nb;
    for (size_t i = 0; i < nb; i++) centres[i] = 0.5 * (edges[i] + edges[i + 1]);
    nx_u64(f, "diameter_histogram/counts", R->hist, nb, NULL);
    nx_f64(f, "diameter_histogram/diameter", centres, 1, &nb, "nm");
    nx_f64(f, "diameter_histogram/diameter_edges", edges, 1, &ne, "nm");
    nx_attr(f, "diameter_histogram", "signal", "counts");
    const char *ax = "diameter";
    nx_attr_strings(f, "diameter_histogram", "axes", &ax, 1);
    nx_attr_int(f, "diameter_histogram", "diameter_indices", 0);
    nx_group(f, "domains", "NXdata");
    size_t nd = R->nd;
    nx_f64(f, "domains/diameter", R->dia, 1, &nd, "nm");
    nx_attr(f, "domains", "signal", "diameter");
    nx_attr(f, "domains/diameter", "long_name", "equivalent-sphere diameter of each CSRO domain");
    free(edges);
    free(centres);
    nx_commit(f);
}

static void print_result(const args *A, const csro_probmap *m, const result *R)
{
    if (nx_wanted(A->out)) { write_nexus(A, m, R); return; }
    FILE *o = tool_out_open(A->out ? A->out : "-");
    const char *lab = csro_probmap_label(m), *mode = A->mode == CSRO_PROBMAP_SUM ? "sum" : "mean";
    if (!A->json) {
        fprintf(o, "input\t%s\nmap\t%s\nmode\t%s\nspacing_nm\t%.10g\nconnectivity\t%d\n", A->in, lab, mode,
                R->spacing, A->conn);
        tsv_metrics(o, R->mt, R->nm);
        double bw = R->hmax / (double)A->bins;
        for (long i = 0; i < A->bins; i++)
            fprintf(o, "diameter_hist_%.4g_%.4g_nm\t%llu\n", bw * (double)i, bw * (double)(i + 1), (unsigned long long)R->hist[i]);
        prov_rows(A->prov, o);
        return;
    }
    tool_json j;
    tool_json_begin(&j, o);
    tool_json_str(&j, "input", A->in);
    tool_json_str(&j, "map", lab);
    tool_json_str(&j, "mode", mode);
    tool_json_num(&j, "spacing_nm", R->spacing);
    tool_json_int(&j, "connectivity", A->conn);
    if (A->sample) {
        tool_json_str(&j, "sample", A->sample);
        tool_json_str(&j, "label", A->label);
    }
    for (int i = 0; i < A->np; i++) tool_json_str(&j, A->pk[i], A->pv[i]);
    for (int i = 0; i < R->nm; i++) {
        if (R->mt[i].is_int && !isnan(R->mt[i].v)) tool_json_int(&j, R->mt[i].name, (long long)R->mt[i].v);
        else tool_json_num(&j, R->mt[i].name, R->mt[i].v);
    }
    json_nan_reasons(&j, R->mt, R->nm);
    tool_json_object(&j, "diameter_histogram");
    tool_json_inline(&j);
    tool_json_num(&j, "lo_nm", 0);
    tool_json_num(&j, "hi_nm", R->hmax);
    tool_json_array(&j, "counts");
    for (long i = 0; i < A->bins; i++) tool_json_int(&j, NULL, (long long)R->hist[i]);
    tool_json_close(&j);
    tool_json_close(&j);
    tool_json_array(&j, "diameters_nm");
    tool_json_inline(&j);
    for (size_t i = 0; i < R->nd; i++) tool_json_num(&j, NULL, R->dia[i]);
    tool_json_close(&j);
    prov_json(A->prov, &j);
    tool_json_end(&j);
}

int main(int argc, char **argv)
{
    tool_init("csro-stats", usage);
    tool_prov *pv = prov_new(argc, argv); /* before getopt permutes argv */
    args A;
    parse_args(argc, argv, &A);
    A.prov = pv;
    if (A.fit) {
        do_fit(A.table, A.fit, A.against, A.json, A.out, pv);
        for (int i = 0; i < A.np; i++) free(A.pk[i]);
        prov_free(pv);
        return 0;
    }
    csro_probmap *m = tool_load_map(A.ins, A.nin, A.cls, A.mode, &A.thr, 3.75 / 8);
    A.mode = csro_probmap_mode(m);
    if (nx_wanted(A.out)) nx_check_output("-o", A.out);
    for (size_t i = 0; i < A.nin; i++) prov_input(A.prov, "prob", A.ins[i]);
    prov_prob_model(A.prov, A.in);
    if (A.reconp) prov_input(A.prov, "recon", A.reconp);
    if (A.rangesp) prov_input(A.prov, "ranges", A.rangesp);
    prov_param(A.prov, "class", "%s", csro_probmap_label(m));
    prov_param(A.prov, "mode", "%s", A.mode == CSRO_PROBMAP_SUM ? "sum" : "mean");
    prov_param(A.prov, "threshold", "%.10g", A.thr);
    prov_param(A.prov, "connectivity", "%d", A.conn);
    prov_param(A.prov, "bins", "%ld", A.bins);
    result R = {0};
    map_stats(&A, m, &R);
    if (A.reconp) recon_composition(&A, m, &R);
    explain_nan(R.mt, R.nm);
    print_result(&A, m, &R);
    if (A.table) append_row(A.table, A.sample, A.label, A.pk, A.pv, A.np, R.mt, R.nm);
    tool_commit();
    note_nan(R.mt, R.nm);
    for (int i = 0; i < A.np; i++) free(A.pk[i]);
    for (int i = 0; i < R.nnames; i++) free(R.names[i]);
    free(R.hist); free(R.dia);
    prov_free(A.prov);
    csro_probmap_free(m);
    return 0;
}
