/* apt-info: describe a reconstruction (ion count, bounds, format, fields)
 * and, with a range file, its composition per ion type and per element;
 * or print its mass spectrum as a TSV histogram. */
#include "common.h"
#include <getopt.h>
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
           "  -o FILE                  write to FILE instead of stdout\n"
           "  -q, --quiet              no progress bar\n"
           "      --help               this help\n"
           "      --version            version\n\n"
           "Exit status: 0 ok, 1 bad data or I/O, 2 usage.\n");
    exit(0);
}

/* JSON string with escapes. */
static void jstr(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
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
} info;

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
            csro_ranges_format(g) == CSRO_RANGES_RNG ? "rng" : "rrng", ni, csro_ranges_nranges(g));
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
    fprintf(f, "{\n  \"file\": ");
    jstr(f, in->path);
    fprintf(f, ",\n  \"format\": \"%s\",\n  \"ions\": %zu,\n  \"dropped\": %zu",
            csro_format_name(csro_recon_format(in->rc)), n, csro_recon_dropped(in->rc));
    double lo[3], hi[3];
    if (csro_recon_bounds(in->rc, lo, hi) == 0)
        fprintf(f, ",\n  \"bounds\": {\"lo\": [%.9g, %.9g, %.9g], \"hi\": [%.9g, %.9g, %.9g]}",
                lo[0], lo[1], lo[2], hi[0], hi[1], hi[2]);
    fprintf(f, ",\n  \"fields\": [");
    for (size_t i = 0; i < csro_recon_nfields(in->rc); i++) {
        if (i)
            fprintf(f, ", ");
        jstr(f, csro_recon_field_name(in->rc, i));
    }
    fprintf(f, "]");
    if (in->rg) {
        const csro_ranges *g = in->rg;
        size_t ni = csro_ranges_nions(g), ne = csro_ranges_nelements(g);
        size_t ranged = n - in->ion_count[ni];
        fprintf(f, ",\n  \"ranges\": {\n    \"file\": ");
        jstr(f, in->rpath);
        fprintf(f, ",\n    \"format\": \"%s\",\n    \"ranged\": %zu,\n    \"unranged\": %zu,"
                   "\n    \"unranged_fraction\": %.9g,\n    \"ion_types\": [",
                csro_ranges_format(g) == CSRO_RANGES_RNG ? "rng" : "rrng", ranged,
                in->ion_count[ni], frac((double)in->ion_count[ni], (double)n));
        for (size_t i = 0; i < ni; i++) {
            fprintf(f, "%s\n      {\"name\": ", i ? "," : "");
            jstr(f, csro_ranges_ion_name(g, i));
            fprintf(f, ", \"count\": %zu, \"fraction\": %.9g, \"composition\": {",
                    in->ion_count[i], frac((double)in->ion_count[i], (double)ranged));
            int first = 1;
            for (size_t e = 0; e < ne; e++) {
                int c = csro_ranges_ion_element_count(g, i, e);
                if (!c)
                    continue;
                fprintf(f, "%s\"%s\": %d", first ? "" : ", ", csro_ranges_element(g, e), c);
                first = 0;
            }
            fprintf(f, "}}");
        }
        double tot = 0;
        for (size_t e = 0; e < ne; e++)
            tot += in->el_atoms[e];
        fprintf(f, "\n    ],\n    \"elements\": [");
        for (size_t e = 0; e < ne; e++)
            fprintf(f, "%s\n      {\"symbol\": \"%s\", \"atoms\": %.0f, \"fraction\": %.9g}",
                    e ? "," : "", csro_ranges_element(g, e), in->el_atoms[e],
                    frac(in->el_atoms[e], tot));
        fprintf(f, "\n    ]\n  }");
    }
    fprintf(f, "\n}\n");
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

int main(int argc, char **argv)
{
    tool_init("apt-info");
    const char *rpath = NULL, *out = NULL;
    int fmt = OUT_TEXT, fmt_set = 0, first_match = 0, infmt = CSRO_FMT_AUTO;
    double bin = 0;
    enum { O_FIRST = 256, O_HIST, O_HELP, O_VERSION };
    static const struct option lo[] = {
        {"ranges", required_argument, 0, 'r'},
        {"first-match", no_argument, 0, O_FIRST},
        {"format", required_argument, 0, 'f'},
        {"histogram", required_argument, 0, O_HIST},
        {"input-format", required_argument, 0, 'i'},
        {"output", required_argument, 0, 'o'},
        {"quiet", no_argument, 0, 'q'},
        {"help", no_argument, 0, O_HELP},
        {"version", no_argument, 0, O_VERSION},
        {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "r:f:i:o:q", lo, NULL)) != -1) {
        switch (c) {
        case 'r': rpath = optarg; break;
        case O_FIRST: first_match = 1; break;
        case 'f':
            if (!strcmp(optarg, "text")) fmt = OUT_TEXT;
            else if (!strcmp(optarg, "tsv")) fmt = OUT_TSV;
            else if (!strcmp(optarg, "json")) fmt = OUT_JSON;
            else tool_usage_error("--format: '%s' is not text, tsv or json", optarg);
            fmt_set = 1;
            break;
        case O_HIST:
            bin = tool_double("--histogram", optarg);
            if (!(bin > 0))
                tool_usage_error("--histogram: bin width must be positive, got '%s'", optarg);
            break;
        case 'i':
            infmt = tool_recon_format("--input-format", optarg);
            break;
        case 'o': out = optarg; break;
        case 'q': tool_set_quiet(1); break;
        case O_HELP: usage(); break;
        case O_VERSION: tool_version(); break;
        default: tool_usage_error("unknown option");
        }
    }
    if (optind != argc - 1)
        tool_usage_error(optind == argc ? "missing RECON argument" : "too many arguments");
    const char *path = argv[optind];
    if (rpath && bin > 0)
        tool_usage_error("--histogram and --ranges do not combine");
    if (bin > 0 && fmt_set && fmt != OUT_TSV)
        tool_usage_error("--histogram writes TSV; --format %s does not apply",
                         fmt == OUT_JSON ? "json" : "text");
    if (first_match && !rpath)
        tool_usage_error("--first-match needs --ranges");
    if (rpath && !strcmp(rpath, "-") && !strcmp(path, "-"))
        tool_usage_error("the range file and the reconstruction cannot both be stdin");

    /* ranges first: a bad range file fails before a long load */
    csro_ranges *rg = NULL;
    if (rpath) {
        csro_ranges_opts *ro = csro_ranges_opts_new();
        if (!ro)
            tool_die(TOOL_EDATA, "out of memory");
        csro_ranges_opts_set_first_match(ro, first_match);
        int rc = csro_ranges_load(&rg, rpath, ro);
        csro_ranges_opts_free(ro);
        if (rc)
            tool_fail(rc);
    }
    csro_load_opts *lo_opts = csro_load_opts_new();
    if (!lo_opts)
        tool_die(TOOL_EDATA, "out of memory");
    csro_load_opts_set_format(lo_opts, infmt);
    csro_load_opts_set_progress(lo_opts, tool_progress, NULL);
    csro_recon *rc = NULL;
    int e = csro_recon_load(&rc, path, lo_opts);
    tool_progress_done();
    csro_load_opts_free(lo_opts);
    if (e)
        tool_fail(e);

    info in = {path, rc, rpath, rg, NULL, NULL};
    if (rg) {
        size_t n = csro_recon_count(rc), ni = csro_ranges_nions(rg), ne = csro_ranges_nelements(rg);
        int32_t *ion = malloc((n ? n : 1) * sizeof *ion);
        in.ion_count = calloc(ni + 1, sizeof *in.ion_count);
        in.el_atoms = calloc(ne ? ne : 1, sizeof *in.el_atoms);
        if (!ion || !in.ion_count || !in.el_atoms)
            tool_die(TOOL_EDATA, "out of memory for %zu ions", n);
        int r = csro_ranges_assign(rg, csro_recon_mass(rc), n, ion);
        if (r)
            tool_fail(r);
        for (size_t i = 0; i < n; i++)
            in.ion_count[ion[i] < 0 ? ni : (size_t)ion[i]]++;
        for (size_t i = 0; i < ni; i++)
            for (size_t k = 0; k < ne; k++)
                in.el_atoms[k] += (double)in.ion_count[i] * csro_ranges_ion_element_count(rg, i, k);
        free(ion);
    }

    /* output: stdout, or FILE written through a temporary and renamed */
    FILE *f = stdout;
    char *tmp = NULL;
    if (out && strcmp(out, "-")) {
        size_t len = strlen(out) + 16;
        tmp = malloc(len);
        if (!tmp)
            tool_die(TOOL_EDATA, "out of memory");
        snprintf(tmp, len, "%s.tmp%ld", out, (long)getpid());
        f = fopen(tmp, "w");
        if (!f)
            tool_die(TOOL_EDATA, "%s: cannot create", out);
    }
    if (bin > 0)
        print_histogram(f, rc, bin);
    else if (fmt == OUT_TSV)
        print_tsv(f, &in);
    else if (fmt == OUT_JSON)
        print_json(f, &in);
    else
        print_text(f, &in);
    int bad = ferror(f);
    if (f != stdout) {
        bad |= fclose(f) != 0;
        if (bad || rename(tmp, out)) {
            remove(tmp);
            tool_die(TOOL_EDATA, "%s: write error", out);
        }
    } else {
        bad |= fflush(f) != 0;
        if (bad)
            tool_die(TOOL_EDATA, "write error on standard output");
    }
    free(tmp);
    free(in.ion_count);
    free(in.el_atoms);
    csro_ranges_free(rg);
    csro_recon_free(rc);
    return 0;
}
