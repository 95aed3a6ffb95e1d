/* apt-info: describe a reconstruction (ion count, bounds, format, fields)
 * and, with a range file, its composition per ion type and per element;
 * or print its mass spectrum as a TSV histogram. */
#include "common.h"
#include "provenance.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { OUT_TEXT, OUT_TSV, OUT_JSON };

static void usage(void)
{
    printf("Usage: apt-info [OPTION]... RECON\n"
           "Describe an atom probe reconstruction (POS, EPOS, APT, CSV; '-' = stdin).\n\n"
           "  -r, --ranges FILE        range file (RRNG or RNG): composition per ion\n"
           "                           type and per element, unranged fraction\n"
           "      --first-match        accept overlapping ranges of different ions\n"
           "                           (the range listed first wins)\n"
           "  -f, --format FMT         output: text (default), tsv or json\n"
           "      --histogram BIN      print the mass spectrum instead: TSV lines\n"
           "                           'bin left edge <TAB> count', bins of BIN Da\n"
           "  -i, --input-format FMT   pos, epos, apt or csv (default: by extension;\n"
           "                           sniffed on stdin)\n"
           "  -o, --output FILE        write to FILE instead of stdout\n"
           "  -q, --quiet              no progress bar\n"
           "  -h, --help               this help\n"
           "  -V, --version            version\n\n"
           "Exit status: 0 ok, 1 bad data or I/O, 2 usage.\n");
}

/* TSV field: tabs and newlines in names would break columns. */
static void tstr(FILE *f, const char *s)
{
    for (; *s; s++)
        fputc(*s == '\t' || *s == '\n' || *s == '\r' ? ' ' : *s, f);
}

typedef struct {
    const char *path;
    const csro_recon *rc;
    const char *rpath;
    const csro_ranges *rg;
    size_t *ion_count; /* nions + 1 (last = unranged) */
    double *el_atoms;  /* nelements */
    const tool_prov *prov; /* JSON: the run's record */
} info;

static const char *ranges_format_name(const csro_ranges *g)
{
    int f = csro_ranges_format(g);
    return f == CSRO_RANGES_RNG ? "rng" : f == CSRO_RANGES_ENV ? "env" : "rrng";
}

static double frac(double a, double b)
{
    return b > 0 ? a / b : 0.0;
}

static void print_text(FILE *f, const info *in)
{
    size_t n = csro_recon_count(in->rc);
    fprintf(f, "file:      %s\n", in->path);
    fprintf(f, "format:    %s\n", csro_format_name(csro_recon_format(in->rc)));
    fprintf(f, "ions:      %zu\n", n);
    if (csro_recon_dropped(in->rc))
        fprintf(f, "dropped:   %zu (non-finite values)\n", csro_recon_dropped(in->rc));
    double lo[3], hi[3];
    if (csro_recon_bounds(in->rc, lo, hi) == 0)
        for (int a = 0; a < 3; a++)
            fprintf(f, "%c:         %.6g .. %.6g nm\n", "xyz"[a], lo[a], hi[a]);
    fprintf(f, "fields:    x y z m");
    for (size_t i = 0; i < csro_recon_nfields(in->rc); i++)
        fprintf(f, " %s", csro_recon_field_name(in->rc, i));
    fputc('\n', f);
    if (!in->rg)
        return;
    const csro_ranges *g = in->rg;
    size_t ni = csro_ranges_nions(g), ne = csro_ranges_nelements(g);
    size_t ranged = n - in->ion_count[ni];
    fprintf(f, "ranges:    %s (%s, %zu ion types, %zu ranges)\n", in->rpath,
            ranges_format_name(g), ni, csro_ranges_nranges(g));
    fprintf(f, "ranged:    %zu (%.4f %%)\n", ranged, 100 * frac((double)ranged, (double)n));
    fprintf(f, "unranged:  %zu (%.4f %%)\n", in->ion_count[ni],
            100 * frac((double)in->ion_count[ni], (double)n));
    fprintf(f, "\nion type      ions  %% of ranged\n");
    for (size_t i = 0; i < ni; i++)
        fprintf(f, "%-10s %8zu  %10.4f\n", csro_ranges_ion_name(g, i), in->ion_count[i],
                100 * frac((double)in->ion_count[i], (double)ranged));
    double tot = 0;
    for (size_t e = 0; e < ne; e++)
        tot += in->el_atoms[e];
    fprintf(f, "\nelement      atoms  at. %%\n");
    for (size_t e = 0; e < ne; e++)
        fprintf(f, "%-10s %8.0f  %10.4f\n", csro_ranges_element(g, e), in->el_atoms[e],
                100 * frac(in->el_atoms[e], tot));
}

static void print_tsv(FILE *f, const info *in)
{
    size_t n = csro_recon_count(in->rc);
    fprintf(f, "recon\tfile\t");
    tstr(f, in->path);
    fprintf(f, "\nrecon\tformat\t%s\n", csro_format_name(csro_recon_format(in->rc)));
    fprintf(f, "recon\tions\t%zu\n", n);
    fprintf(f, "recon\tdropped\t%zu\n", csro_recon_dropped(in->rc));
    double lo[3], hi[3];
    if (csro_recon_bounds(in->rc, lo, hi) == 0)
        for (int a = 0; a < 3; a++)
            fprintf(f, "bounds\t%c_min\t%.9g\nbounds\t%c_max\t%.9g\n", "xyz"[a], lo[a], "xyz"[a],
                    hi[a]);
    for (size_t i = 0; i < csro_recon_nfields(in->rc); i++) {
        fprintf(f, "field\t%zu\t", i);
        tstr(f, csro_recon_field_name(in->rc, i));
        fputc('\n', f);
    }
    if (!in->rg)
        return;
    const csro_ranges *g = in->rg;
    size_t ni = csro_ranges_nions(g), ne = csro_ranges_nelements(g);
    size_t ranged = n - in->ion_count[ni];
    fprintf(f, "ranges\tfile\t");
    tstr(f, in->rpath);
    fprintf(f, "\nranges\tranged\t%zu\n", ranged);
    fprintf(f, "ranges\tunranged\t%zu\n", in->ion_count[ni]);
    fprintf(f, "ranges\tunranged_fraction\t%.9g\n", frac((double)in->ion_count[ni], (double)n));
    for (size_t i = 0; i < ni; i++) {
        fprintf(f, "ion_count\t");
        tstr(f, csro_ranges_ion_name(g, i));
        fprintf(f, "\t%zu\n", in->ion_count[i]);
    }
    for (size_t i = 0; i < ni; i++) {
        fprintf(f, "ion_fraction\t");
        tstr(f, csro_ranges_ion_name(g, i));
        fprintf(f, "\t%.9g\n", frac((double)in->ion_count[i], (double)ranged));
    }
    double tot = 0;
    for (size_t e = 0; e < ne; e++)
        tot += in->el_atoms[e];
    for (size_t e = 0; e < ne; e++)
        fprintf(f, "element_count\t%s\t%.0f\n", csro_ranges_element(g, e), in->el_atoms[e]);
    for (size_t e = 0; e < ne; e++)
        fprintf(f, "element_fraction\t%s\t%.9g\n", csro_ranges_element(g, e),
                frac(in->el_atoms[e], tot));
}

static void print_json(FILE *f, const info *in)
{
    size_t n = csro_recon_count(in->rc);
    tool_json j;
    tool_json_begin(&j, f);
    tool_json_str(&j, "file", in->path);
    tool_json_str(&j, "format", csro_format_name(csro_recon_format(in->rc)));
    tool_json_int(&j, "ions", (long long)n);
    tool_json_int(&j, "dropped", (long long)csro_recon_dropped(in->rc));
    double lo[3], hi[3];
    if (csro_recon_bounds(in->rc, lo, hi) == 0) {
        tool_json_object(&j, "bounds");
        tool_json_inline(&j);
        tool_json_array(&j, "lo");
        for (int a = 0; a < 3; a++) tool_json_num(&j, NULL, lo[a]);
        tool_json_close(&j);
        tool_json_array(&j, "hi");
        for (int a = 0; a < 3; a++) tool_json_num(&j, NULL, hi[a]);
        tool_json_close(&j);
        tool_json_close(&j);
    }
    tool_json_array(&j, "fields");
    tool_json_inline(&j);
    for (size_t i = 0; i < csro_recon_nfields(in->rc); i++) tool_json_str(&j, NULL, csro_recon_field_name(in->rc, i));
    tool_json_close(&j);
    if (in->rg) {
        const csro_ranges *g = in->rg;
        size_t ni = csro_ranges_nions(g), ne = csro_ranges_nelements(g);
        size_t ranged = n - in->ion_count[ni];
        tool_json_object(&j, "ranges");
        tool_json_str(&j, "file", in->rpath);
        tool_json_str(&j, "format", ranges_format_name(g));
        tool_json_int(&j, "ranged", (long long)ranged);
        tool_json_int(&j, "unranged", (long long)in->ion_count[ni]);
        tool_json_num(&j, "unranged_fraction", frac((double)in->ion_count[ni], (double)n));
        tool_json_array(&j, "ion_types");
        for (size_t i = 0; i < ni; i++) {
            tool_json_object(&j, NULL);
            tool_json_inline(&j);
            tool_json_str(&j, "name", csro_ranges_ion_name(g, i));
            tool_json_int(&j, "count", (long long)in->ion_count[i]);
            tool_json_num(&j, "fraction", frac((double)in->ion_count[i], (double)ranged));
            tool_json_object(&j, "composition");
            for (size_t e = 0; e < ne; e++) {
                int c = csro_ranges_ion_element_count(g, i, e);
                if (c) tool_json_int(&j, csro_ranges_element(g, e), c);
            }
            tool_json_close(&j);
            tool_json_close(&j);
        }
        tool_json_close(&j);
        double tot = 0;
        for (size_t e = 0; e < ne; e++) tot += in->el_atoms[e];
        tool_json_array(&j, "elements");
        for (size_t e = 0; e < ne; e++) {
            tool_json_object(&j, NULL);
            tool_json_inline(&j);
            tool_json_str(&j, "symbol", csro_ranges_element(g, e));
            tool_json_num(&j, "atoms", in->el_atoms[e]);
            tool_json_num(&j, "fraction", frac(in->el_atoms[e], tot));
            tool_json_close(&j);
        }
        tool_json_close(&j);
        tool_json_close(&j);
    }
    prov_json(in->prov, &j);
    tool_json_end(&j);
}

/* Bin of a single-precision mass: bin k holds [k*bin, (k+1)*bin) with the
 * edges rounded to float, the rule csro_ranges_assign uses for bounds, so
 * a mass written "29.47" falls in the bin whose left edge is 29.47. */
static double bin_of(float m, double bin)
{
    double k = floor((double)m / bin);
    if ((double)m < (double)(float)(k * bin))
        k -= 1;
    else if ((double)m >= (double)(float)((k + 1) * bin))
        k += 1;
    return k;
}

static void print_histogram(FILE *f, const csro_recon *rc, double bin)
{
    size_t n = csro_recon_count(rc);
    const float *m = csro_recon_mass(rc);
    double kmin = INFINITY, kmax = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        double k = bin_of(m[i], bin);
        if (k < kmin)
            kmin = k;
        if (k > kmax)
            kmax = k;
    }
    if (n == 0)
        return;
    if (kmax - kmin > 1e8)
        tool_die(TOOL_EDATA, "--histogram %g: %.0f bins, too many (use a wider bin)", bin,
                 kmax - kmin + 1);
    size_t nb = (size_t)(kmax - kmin) + 1;
    size_t *h = calloc(nb, sizeof *h);
    if (!h)
        tool_die(TOOL_EDATA, "out of memory for %zu bins", nb);
    for (size_t i = 0; i < n; i++)
        h[(size_t)(bin_of(m[i], bin) - kmin)]++;
    for (size_t b = 0; b < nb; b++)
        fprintf(f, "%.10g\t%zu\n", (kmin + (double)b) * bin, h[b]);
    free(h);
}

typedef struct {
    const char *path, *rpath, *out;
    int fmt, first_match, infmt;
    double bin;
} args;

static void parse_args(int argc, char **argv, args *A)
{
    enum { O_FIRST = 256, O_HIST };
    static const struct option lo[] = {
        {"ranges", required_argument, 0, 'r'},
        {"first-match", no_argument, 0, O_FIRST},
        {"format", required_argument, 0, 'f'},
        {"histogram", required_argument, 0, O_HIST},
        {"input-format", required_argument, 0, 'i'},
        {"output", required_argument, 0, 'o'},
        {0, 0, 0, 0}};
    int c, fmt_set = 0;
    *A = (args){ .fmt = OUT_TEXT, .infmt = CSRO_FMT_AUTO };
    while ((c = tool_getopt(argc, argv, "r:f:i:o:", lo)) != -1) {
        switch (c) {
        case 'r': A->rpath = optarg; break;
        case O_FIRST: A->first_match = 1; break;
        case 'f': A->fmt = tool_choice("--format", optarg, "text|tsv|json"); fmt_set = 1; break;
        case O_HIST:
            A->bin = tool_double("--histogram", optarg);
            if (!(A->bin > 0))
                tool_usage_error("--histogram: bin width must be positive, got '%s'", optarg);
            break;
        case 'i': A->infmt = tool_recon_format("--input-format", optarg); break;
        case 'o': A->out = optarg; break;
        }
    }
    if (optind != argc - 1)
        tool_usage_error(optind == argc ? "missing RECON argument" : "too many arguments");
    A->path = argv[optind];
    if (A->rpath && A->bin > 0)
        tool_usage_error("--histogram and --ranges do not combine");
    if (A->bin > 0 && fmt_set && A->fmt != OUT_TSV)
        tool_usage_error("--histogram writes TSV; --format %s does not apply",
                         A->fmt == OUT_JSON ? "json" : "text");
    if (A->first_match && !A->rpath)
        tool_usage_error("--first-match needs --ranges");
    if (A->rpath && !strcmp(A->rpath, "-") && !strcmp(A->path, "-"))
        tool_usage_error("the range file and the reconstruction cannot both be stdin");
    tool_input_as(A->path, TOOL_IN_RECON);
    if (A->rpath) tool_input_as(A->rpath, TOOL_IN_RANGES);
    tool_out_ext("-o", A->out, NULL, "text");
}

/* Ion counts per ion type and atoms per element of the ranged ions. */
static void count_ions(info *in)
{
    const csro_ranges *rg = in->rg;
    size_t n = csro_recon_count(in->rc), ni = csro_ranges_nions(rg), ne = csro_ranges_nelements(rg);
    int32_t *ion = malloc((n ? n : 1) * sizeof *ion);
    in->ion_count = calloc(ni + 1, sizeof *in->ion_count);
    in->el_atoms = calloc(ne ? ne : 1, sizeof *in->el_atoms);
    if (!ion || !in->ion_count || !in->el_atoms)
        tool_die(TOOL_EDATA, "out of memory for %zu ions", n);
    int r = csro_ranges_assign(rg, csro_recon_mass(in->rc), n, ion);
    if (r)
        tool_fail(r);
    for (size_t i = 0; i < n; i++)
        in->ion_count[ion[i] < 0 ? ni : (size_t)ion[i]]++;
    for (size_t i = 0; i < ni; i++)
        for (size_t k = 0; k < ne; k++)
            in->el_atoms[k] += (double)in->ion_count[i] * csro_ranges_ion_element_count(rg, i, k);
    free(ion);
}

int main(int argc, char **argv)
{
    tool_init("apt-info", usage);
    tool_prov *pv = prov_new(argc, argv); /* before getopt permutes argv */
    args A;
    parse_args(argc, argv, &A);
    FILE *f = tool_out_open(A.out ? A.out : "-");

    /* ranges first: a bad range file fails before a long load */
    csro_ranges *rg = NULL;
    if (A.rpath) {
        csro_ranges_opts *ro = csro_ranges_opts_new();
        if (!ro)
            tool_die(TOOL_EDATA, "out of memory");
        csro_ranges_opts_set_first_match(ro, A.first_match);
        int rc = csro_ranges_load(&rg, A.rpath, ro);
        csro_ranges_opts_free(ro);
        if (rc)
            tool_fail(rc);
    }
    csro_load_opts *lo_opts = csro_load_opts_new();
    if (!lo_opts)
        tool_die(TOOL_EDATA, "out of memory");
    csro_load_opts_set_format(lo_opts, A.infmt);
    csro_load_opts_set_progress(lo_opts, tool_progress, NULL);
    csro_recon *rc = NULL;
    int e = csro_recon_load(&rc, A.path, lo_opts);
    tool_progress_done();
    csro_load_opts_free(lo_opts);
    if (e)
        tool_fail(e);

    if (A.fmt == OUT_JSON && A.bin <= 0) {
        prov_input(pv, "recon", A.path);
        if (A.rpath) prov_input(pv, "ranges", A.rpath);
        prov_param(pv, "input_format", "%s", csro_format_name(csro_recon_format(rc)));
        prov_param(pv, "first_match", "%d", A.first_match);
    }
    info in = {A.path, rc, A.rpath, rg, NULL, NULL, pv};
    if (rg)
        count_ions(&in);
    if (A.bin > 0)
        print_histogram(f, rc, A.bin);
    else if (A.fmt == OUT_TSV)
        print_tsv(f, &in);
    else if (A.fmt == OUT_JSON)
        print_json(f, &in);
    else
        print_text(f, &in);
    tool_commit();
    free(in.ion_count);
    free(in.el_atoms);
    csro_ranges_free(rg);
    csro_recon_free(rc);
    prov_free(pv);
    return 0;
}
