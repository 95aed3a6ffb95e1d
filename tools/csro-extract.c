/* csro-extract: the ions of a reconstruction that lie in CSRO sub-cells of
 * a .prob map (the reference rule: within s/2 * 1.414 of the centre of a
 * sub-cell above the threshold), optionally restricted to one species. */
#include "common.h"
#include "provenance.h"
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(void)
{
    printf("Usage: csro-extract -M IN.prob [OPTION]... RECON -o OUT\n"
           "Write the ions of RECON (.pos .epos .apt .csv) that lie in the CSRO\n"
           "sub-cells of the map of IN.prob (see csro-map) to OUT (format by extension).\n\n"
           "  -M, --map FILE          .prob file of csro-classify (required; repeat for\n"
           "                          the part files of one grid: apt-voxelize --part)\n"
           "  -o, --output FILE       output reconstruction (required)\n"
           "  -c, --class NAME|INDEX  class (default: the 2nd of a 2-class file)\n"
           "      --mode sum|mean     sub-cell value (default: the model's map rule, as csro-map)\n"
           "  -t, --threshold T       select sub-cells with value > T (default: the\n"
           "                          model's calibrated threshold, else 3.75 for sum)\n"
           "      --thresholds A:B:C  sweep: bands (A, A+C], ..., (B-C, B]; writes\n"
           "                          OUT with _LO-HI inserted before the extension\n"
           "      --rule sphere|cell  sphere (default, the reference): ions within\n"
           "                          s/2*1.414 of a selected sub-cell centre; cell:\n"
           "                          ions inside a selected sub-cell\n"
           "  -s, --species LIST      keep only these species (needs -r), e.g. Ni\n"
           "  -r, --ranges FILE       range file (.rrng, .rng)\n"
           "  -f, --format FMT        output format pos|epos|apt|csv (default: by\n"
           "                          extension)\n"
           "  -i, --input-format FMT  format of RECON when its name does not say\n"
           "  -q, --quiet             no table on stderr\n"
           "  -h, --help, -V, --version\n");
}

/* "out.pos" + "_2.75-3" -> "out_2.75-3.pos" */
static char *band_path(const char *out, double lo, double hi)
{
    const char *slash = strrchr(out, '/'), *dot = strrchr(out, '.');
    if (dot && slash && dot < slash) dot = NULL;
    if (dot == out || (slash && dot == slash + 1)) dot = NULL;
    size_t base = dot ? (size_t)(dot - out) : strlen(out);
    size_t n = strlen(out) + 64;
    char *p = malloc(n);
    if (!p) tool_die(TOOL_EDATA, "out of memory");
    snprintf(p, n, "%.*s_%g-%g%s", (int)base, out, lo, hi, dot ? dot : "");
    return p;
}

typedef struct {
    const char *mapp, *out, *cls, *species, *rangesp, *in;
    const char *maps[1024]; /* nmaps -M files: the part files of one grid */
    size_t nmaps;
    int mode, rule, fmt, infmt, sweep;
    double thr, sa, sb, sc;
    size_t nb;   /* bands */
} args;

static void parse_sweep(args *A, const char *arg)
{
    char *a = strdup(arg), *p1, *p2;
    if (!a) tool_die(TOOL_EDATA, "out of memory");
    if (!(p1 = strchr(a, ':')) || !(p2 = strchr(p1 + 1, ':')))
        tool_usage_error("--thresholds: '%s' is not A:B:C (e.g. 2.75:4.75:0.25)", arg);
    *p1 = *p2 = 0;
    A->sa = tool_double("--thresholds", a);
    A->sb = tool_double("--thresholds", p1 + 1);
    A->sc = tool_double("--thresholds", p2 + 1);
    free(a);
    if (!(A->sc > 0) || !(A->sb > A->sa))
        tool_usage_error("--thresholds: need A < B and a step C > 0, got %g:%g:%g", A->sa, A->sb, A->sc);
    if ((A->sb - A->sa) / A->sc > 1000) tool_usage_error("--thresholds: more than 1000 bands");
    A->sweep = 1;
}

static void parse_args(int argc, char **argv, args *A)
{
    enum { O_MODE = 256, O_SWEEP, O_RULE };
    static const struct option lo[] = {
        {"map", 1, 0, 'M'}, {"output", 1, 0, 'o'}, {"class", 1, 0, 'c'}, {"mode", 1, 0, O_MODE},
        {"threshold", 1, 0, 't'}, {"thresholds", 1, 0, O_SWEEP}, {"rule", 1, 0, O_RULE},
        {"species", 1, 0, 's'}, {"ranges", 1, 0, 'r'}, {"format", 1, 0, 'f'},
        {"input-format", 1, 0, 'i'}, {0, 0, 0, 0}};
    *A = (args){ .mode = -1, .rule = CSRO_EXTRACT_SPHERE, .fmt = CSRO_FMT_AUTO,
                 .infmt = CSRO_FMT_AUTO, .thr = NAN };
    int c;
    while ((c = tool_getopt(argc, argv, "M:o:c:t:s:r:f:i:", lo)) != -1) {
        switch (c) {
        case 'M':
            if (A->nmaps == sizeof A->maps / sizeof *A->maps) tool_usage_error("at most %zu -M files", A->nmaps);
            A->mapp = A->maps[A->nmaps++] = optarg;
            break;
        case 'o': A->out = optarg; break;
        case 'c': A->cls = optarg; break;
        case O_MODE: A->mode = tool_map_mode("--mode", optarg); break;
        case 't': A->thr = tool_double("--threshold", optarg); break;
        case O_SWEEP: parse_sweep(A, optarg); break;
        case O_RULE:
            A->rule = tool_choice("--rule", optarg, "sphere|cell") ? CSRO_EXTRACT_CELL : CSRO_EXTRACT_SPHERE;
            break;
        case 's': A->species = optarg; break;
        case 'r': A->rangesp = optarg; break;
        case 'f': A->fmt = tool_recon_format("--format", optarg); break;
        case 'i': A->infmt = tool_recon_format("--input-format", optarg); break;
        }
    }
    if (optind + 1 != argc) tool_usage_error("expected one reconstruction file");
    if (!A->mapp) tool_usage_error("missing -M IN.prob");
    if (!A->out) tool_usage_error("missing -o OUT");
    if (A->species && !A->rangesp) tool_usage_error("--species needs -r RANGES");
    if (A->sweep && !isnan(A->thr)) tool_usage_error("use either --threshold or --thresholds");
    if (A->sweep && !strcmp(A->out, "-")) tool_usage_error("--thresholds writes several files: -o cannot be '-'");
    if (!strcmp(A->out, "-") && A->fmt == CSRO_FMT_AUTO) tool_usage_error("-o -: name the format with --format");
    if (A->fmt == CSRO_FMT_AUTO && (A->fmt = csro_format_from_path(A->out)) < 0)
        tool_usage_error("%s", csro_last_error());
    if (A->fmt != CSRO_FMT_CSV) tool_refuse_tty(A->out);
    A->in = argv[optind];
    static const char *exts[] = { "", "pos", "epos", "apt", "csv|tsv|txt" };
    if (A->fmt >= CSRO_FMT_POS && A->fmt <= CSRO_FMT_CSV) {
        char what[32];
        snprintf(what, sizeof what, "%s", csro_format_name(A->fmt));
        for (char *p = what; *p; p++) if (*p >= 'a' && *p <= 'z') *p = (char)(*p - 32);
        strcat(what, " data");
        tool_out_ext("-o", A->out, exts[A->fmt], what);
    }
    for (size_t i = 0; i < A->nmaps; i++) tool_input_as(A->maps[i], TOOL_IN_PROB);
    tool_input_as(A->in, TOOL_IN_RECON);
    if (A->rangesp) tool_input_as(A->rangesp, TOOL_IN_RANGES);
}

/* The map, with the thresholds checked before the (possibly large)
 * reconstruction is read. */
static csro_probmap *load_map(args *A)
{
    int rc;
    csro_probmap *m = tool_load_map(A->maps, A->nmaps, A->cls, A->mode, &A->thr, 3.75 / 8);
    A->nb = A->sweep ? (size_t)floor((A->sb - A->sa) / A->sc + 0.5) : 1;
    if (A->sweep && fabs(A->sa + (double)A->nb * A->sc - A->sb) > 1e-9 * (1 + fabs(A->sb)))
        tool_usage_error("--thresholds: (B - A) / C = %g is not a whole number of bands", (A->sb - A->sa) / A->sc);
    size_t cnt = csro_probmap_count(m);
    uint8_t *sel = malloc(cnt ? cnt : 1);
    if (!sel) tool_die(TOOL_EDATA, "out of memory");
    for (size_t b = 0; b < A->nb; b++) {
        double l = A->sweep ? A->sa + (double)b * A->sc : A->thr, h = A->sweep ? l + A->sc : INFINITY;
        if ((rc = csro_probmap_threshold(m, l, h, sel, cnt, NULL))) tool_fail(rc);
    }
    free(sel);
    return m;
}

/* 1 for the ions of the selected species. */
static uint8_t *species_filter(const args *A, const csro_recon *r)
{
    csro_ranges *rg;
    int rc;
    size_t n = csro_recon_count(r);
    if ((rc = csro_ranges_load(&rg, A->rangesp, NULL))) tool_fail(rc);
    size_t ni = csro_ranges_nions(rg);
    int *w = calloc(ni ? ni : 1, sizeof *w);
    int32_t *ion = malloc((n ? n : 1) * sizeof *ion);
    uint8_t *spk = malloc(n ? n : 1);
    if (!w || !ion || !spk) tool_die(TOOL_EDATA, "out of memory");
    if ((rc = csro_ranges_species_weights(rg, A->species, 0, w, ni))) tool_fail(rc);
    if ((rc = csro_ranges_assign(rg, csro_recon_mass(r), n, ion))) tool_fail(rc);
    for (size_t i = 0; i < n; i++) spk[i] = ion[i] >= 0 && w[ion[i]] > 0;
    free(w); free(ion);
    csro_ranges_free(rg);
    return spk;
}

int main(int argc, char **argv)
{
    tool_init("csro-extract", usage);
    tool_prov *pv = prov_new(argc, argv); /* before getopt permutes argv */
    args A;
    parse_args(argc, argv, &A);
    csro_probmap *m = load_map(&A);
    csro_recon *r;
    csro_load_opts *lopt = csro_load_opts_new();
    if (!lopt) tool_die(TOOL_EDATA, "out of memory");
    csro_load_opts_set_format(lopt, A.infmt);
    int rc = csro_recon_load(&r, A.in, lopt);
    csro_load_opts_free(lopt);
    if (rc) tool_fail(rc);
    tool_map_roi(m, r, NULL, A.in, A.mapp); /* the map must cover the reconstruction (same ROI coordinates) */
    if (A.fmt == CSRO_FMT_CSV) { /* POS, EPOS and APT have no room for it */
        prov_input(pv, "prob", A.mapp);
        prov_prob_model(pv, A.mapp);
        prov_input(pv, "recon", A.in);
        if (A.rangesp) prov_input(pv, "ranges", A.rangesp);
        prov_param(pv, "class", "%s", csro_probmap_label(m));
        prov_param(pv, "mode", "%s", csro_probmap_mode(m) == CSRO_PROBMAP_SUM ? "sum" : "mean");
        prov_param(pv, "rule", "%s", A.rule == CSRO_EXTRACT_CELL ? "cell" : "sphere");
        if (A.species) prov_param(pv, "species", "%s", A.species);
    }
    size_t n = csro_recon_count(r), cnt = csro_probmap_count(m);
    uint8_t *spk = A.species ? species_filter(&A, r) : NULL;
    uint8_t *keep = malloc(n ? n : 1), *sel = malloc(cnt ? cnt : 1);
    if (!keep || !sel) tool_die(TOOL_EDATA, "out of memory");
    tool_note("lower\tupper\tsubcells\tions\tfile\n");
    for (size_t b = 0; b < A.nb; b++) {
        double l = A.sweep ? A.sa + (double)b * A.sc : A.thr, h = A.sweep ? l + A.sc : INFINITY;
        size_t nsel, nk;
        if ((rc = csro_probmap_threshold(m, l, h, sel, cnt, &nsel))) tool_fail(rc);
        if ((rc = csro_probmap_extract(m, l, h, A.rule, csro_recon_x(r), csro_recon_y(r), csro_recon_z(r), n,
                                       keep, &nk))) tool_fail(rc);
        if (spk) {
            nk = 0;
            for (size_t i = 0; i < n; i++) { keep[i] &= spk[i]; nk += keep[i]; }
        }
        char *path = A.sweep ? band_path(A.out, l, h) : NULL;
        const char *dst = path ? path : A.out;
        csro_recon *sub;
        if ((rc = csro_recon_subset(&sub, r, keep))) tool_fail(rc);
        const char *wp = tool_out_lib(dst);
        if (A.fmt == CSRO_FMT_CSV) { /* the band's own record as '#' lines first */
            char band[80];
            snprintf(band, sizeof band, "%.10g,%.10g", l, h);
            tool_prov *bp = prov_copy(pv);
            prov_param(bp, "threshold_band", "%s", band);
            if (!strcmp(wp, "-")) { prov_comments(bp, stdout); fflush(stdout); }
            if ((rc = csro_recon_save(sub, wp, A.fmt))) tool_fail(rc);
            prov_prepend(bp, wp);
            prov_free(bp);
        } else if ((rc = csro_recon_save(sub, wp, A.fmt))) tool_fail(rc);
        csro_recon_free(sub);
        tool_note("%g\t%g\t%zu\t%zu\t%s\n", l, h, nsel, nk, dst);
        if (!nk)
            fprintf(stderr, "csro-extract: %s: no %s%sion in sub-cells with %g < value <= %g: wrote an empty file\n",
                    dst, A.species ? A.species : "", A.species ? " " : "", l, h);
        /* path stays registered with the run's outputs until the commit */
    }
    tool_commit();
    free(keep); free(spk); free(sel);
    csro_recon_free(r);
    csro_probmap_free(m);
    prov_free(pv);
    return 0;
}
