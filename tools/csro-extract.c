/* csro-extract: the ions of a reconstruction that lie in CSRO sub-cells of
 * a .prob map (the reference rule: within s/2 * 1.414 of the centre of a
 * sub-cell above the threshold), optionally restricted to one species. */
#include "common.h"
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(void)
{
    printf("Usage: csro-extract -m IN.prob [OPTION]... RECON -o OUT\n"
           "Write the ions of RECON (.pos .epos .apt .csv) that lie in the CSRO\n"
           "sub-cells of the map of IN.prob (see csro-map) to OUT (format by extension).\n\n"
           "  -m, --map FILE          .prob file of csro-classify (required)\n"
           "  -o, --output FILE       output reconstruction (required)\n"
           "  -c, --class NAME|INDEX  class (default: the 2nd of a 2-class file)\n"
           "      --mode sum|mean     sub-cell value (default sum, as csro-map)\n"
           "  -t, --threshold T       select sub-cells with value > T (default 3.75\n"
           "                          for sum, 3.75/r^3 for mean)\n"
           "      --thresholds A:B:C  sweep: bands (A, A+C], ..., (B-C, B]; writes\n"
           "                          OUT with _LO-HI inserted before the extension\n"
           "      --rule sphere|cell  sphere (default, the reference): ions within\n"
           "                          s/2*1.414 of a selected sub-cell centre; cell:\n"
           "                          ions inside a selected sub-cell\n"
           "  -s, --species LIST      keep only these species (needs -r), e.g. Ni\n"
           "  -r, --ranges FILE       range file (.rrng, .rng)\n"
           "  -F, --format FMT        output format pos|epos|apt|csv (default: by\n"
           "                          extension)\n"
           "  -q, --quiet             no table on stderr\n"
           "  -h, --help, -V, --version\n");
    exit(0);
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

int main(int argc, char **argv)
{
    tool_init("csro-extract");
    const char *mapp = NULL, *out = NULL, *cls = NULL, *species = NULL, *rangesp = NULL;
    int mode = CSRO_PROBMAP_SUM, rule = CSRO_EXTRACT_SPHERE, fmt = CSRO_FMT_AUTO, sweep = 0;
    double thr = NAN, sa = 0, sb = 0, sc = 0;
    static const struct option lo[] = {
        {"map", 1, 0, 'm'}, {"output", 1, 0, 'o'}, {"class", 1, 0, 'c'}, {"mode", 1, 0, 1},
        {"threshold", 1, 0, 't'}, {"thresholds", 1, 0, 2}, {"rule", 1, 0, 3},
        {"species", 1, 0, 's'}, {"ranges", 1, 0, 'r'}, {"format", 1, 0, 'F'},
        {"quiet", 0, 0, 'q'}, {"help", 0, 0, 'h'}, {"version", 0, 0, 'V'}, {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "m:o:c:t:s:r:F:qhV", lo, NULL)) != -1) {
        switch (c) {
        case 'm': mapp = optarg; break;
        case 'o': out = optarg; break;
        case 'c': cls = optarg; break;
        case 1:
            mode = tool_map_mode("--mode", optarg);
            break;
        case 't': thr = tool_double("--threshold", optarg); break;
        case 2: {
            char *a = strdup(optarg), *p1, *p2;
            if (!a) tool_die(TOOL_EDATA, "out of memory");
            if (!(p1 = strchr(a, ':')) || !(p2 = strchr(p1 + 1, ':')))
                tool_usage_error("--thresholds: '%s' is not A:B:C (e.g. 2.75:4.75:0.25)", optarg);
            *p1 = *p2 = 0;
            sa = tool_double("--thresholds", a);
            sb = tool_double("--thresholds", p1 + 1);
            sc = tool_double("--thresholds", p2 + 1);
            free(a);
            if (!(sc > 0) || !(sb > sa))
                tool_usage_error("--thresholds: need A < B and a step C > 0, got %g:%g:%g", sa, sb, sc);
            if ((sb - sa) / sc > 1000) tool_usage_error("--thresholds: more than 1000 bands");
            sweep = 1;
            break;
        }
        case 3:
            if (!strcmp(optarg, "sphere")) rule = CSRO_EXTRACT_SPHERE;
            else if (!strcmp(optarg, "cell")) rule = CSRO_EXTRACT_CELL;
            else tool_usage_error("--rule: '%s' is not sphere or cell", optarg);
            break;
        case 's': species = optarg; break;
        case 'r': rangesp = optarg; break;
        case 'F':
            fmt = csro_format_from_name(optarg);
            if (fmt < 0) tool_usage_error("--format: unknown format '%s'", optarg);
            break;
        case 'q': tool_set_quiet(1); break;
        case 'h': usage(); break;
        case 'V': tool_version(); break;
        default: tool_usage_error("unknown option");
        }
    }
    if (optind + 1 != argc) tool_usage_error("expected one reconstruction file");
    if (!mapp) tool_usage_error("missing -m IN.prob");
    if (!out) tool_usage_error("missing -o OUT");
    if (species && !rangesp) tool_usage_error("--species needs -r RANGES");
    if (sweep && !isnan(thr)) tool_usage_error("use either --threshold or --thresholds");
    if (sweep && !strcmp(out, "-")) tool_usage_error("--thresholds writes several files: -o cannot be '-'");
    if (!strcmp(out, "-") && fmt == CSRO_FMT_AUTO) tool_usage_error("-o -: name the format with --format");
    if (fmt != CSRO_FMT_CSV) tool_refuse_tty(out);
    const char *in = argv[optind];

    csro_probmap *m;
    int rc = csro_probmap_load(&m, mapp, cls, CSRO_PROBMAP_MEANS, mode);
    if (rc) tool_fail(rc);
    if (isnan(thr) && !sweep) thr = mode == CSRO_PROBMAP_SUM ? 3.75 : 3.75 / 8;
    /* check the thresholds before the (possibly large) reconstruction */
    size_t nb = sweep ? (size_t)floor((sb - sa) / sc + 0.5) : 1;
    if (sweep && fabs(sa + (double)nb * sc - sb) > 1e-9 * (1 + fabs(sb)))
        tool_usage_error("--thresholds: (B - A) / C = %g is not a whole number of bands", (sb - sa) / sc);
    size_t cnt = csro_probmap_count(m);
    uint8_t *sel = malloc(cnt ? cnt : 1);
    if (!sel) tool_die(TOOL_EDATA, "out of memory");
    for (size_t b = 0; b < nb; b++) {
        double l = sweep ? sa + (double)b * sc : thr, h = sweep ? l + sc : INFINITY;
        if ((rc = csro_probmap_threshold(m, l, h, sel, cnt, NULL))) tool_fail(rc);
    }

    csro_recon *r;
    if ((rc = csro_recon_load(&r, in, NULL))) tool_fail(rc);
    size_t n = csro_recon_count(r);
    const float *x = csro_recon_x(r), *y = csro_recon_y(r), *z = csro_recon_z(r);
    /* the map must cover the reconstruction (same ROI coordinates) */
    double o[3], s = csro_probmap_spacing(m);
    size_t dims[3];
    csro_probmap_origin(m, o);
    csro_probmap_dims(m, dims);
    size_t inroi = 0;
    for (size_t i = 0; i < n; i++) {
        double p[3] = {x[i], y[i], z[i]};
        int ok = 1;
        for (int a = 0; a < 3; a++) ok &= p[a] >= o[a] && p[a] <= o[a] + (double)dims[a] * s;
        inroi += ok;
    }
    if (n && !inroi)
        tool_die(TOOL_EDATA, "%s: no ion lies in the ROI [%g, %g] x [%g, %g] x [%g, %g] nm of %s: not the reconstruction of this map?",
                 in, o[0], o[0] + (double)dims[0] * s, o[1], o[1] + (double)dims[1] * s,
                 o[2], o[2] + (double)dims[2] * s, mapp);

    /* species filter */
    uint8_t *spk = NULL;
    if (species) {
        csro_ranges *rg;
        if ((rc = csro_ranges_load(&rg, rangesp, NULL))) tool_fail(rc);
        size_t ni = csro_ranges_nions(rg);
        int *w = calloc(ni ? ni : 1, sizeof *w);
        int32_t *ion = malloc((n ? n : 1) * sizeof *ion);
        spk = malloc(n ? n : 1);
        if (!w || !ion || !spk) tool_die(TOOL_EDATA, "out of memory");
        if ((rc = csro_ranges_species_weights(rg, species, 0, w, ni))) tool_fail(rc);
        if ((rc = csro_ranges_assign(rg, csro_recon_mass(r), n, ion))) tool_fail(rc);
        for (size_t i = 0; i < n; i++) spk[i] = ion[i] >= 0 && w[ion[i]] > 0;
        free(w); free(ion);
        csro_ranges_free(rg);
    }

    uint8_t *keep = malloc(n ? n : 1);
    if (!keep) tool_die(TOOL_EDATA, "out of memory");
    if (!tool_quiet()) fprintf(stderr, "lower\tupper\tsubcells\tions\tfile\n");
    for (size_t b = 0; b < nb; b++) {
        double l = sweep ? sa + (double)b * sc : thr, h = sweep ? l + sc : INFINITY;
        size_t nsel, nk;
        if ((rc = csro_probmap_threshold(m, l, h, sel, cnt, &nsel))) tool_fail(rc);
        if ((rc = csro_probmap_extract(m, l, h, rule, x, y, z, n, keep, &nk))) tool_fail(rc);
        if (spk) {
            nk = 0;
            for (size_t i = 0; i < n; i++) { keep[i] &= spk[i]; nk += keep[i]; }
        }
        char *path = sweep ? band_path(out, l, h) : NULL;
        const char *dst = path ? path : out;
        csro_recon *sub;
        if ((rc = csro_recon_subset(&sub, r, keep))) tool_fail(rc);
        if ((rc = csro_recon_save(sub, dst, fmt))) tool_fail(rc);
        csro_recon_free(sub);
        if (!tool_quiet()) fprintf(stderr, "%g\t%g\t%zu\t%zu\t%s\n", l, h, nsel, nk, dst);
        if (!nk)
            fprintf(stderr, "csro-extract: %s: no %s%sion in sub-cells with %g < value <= %g: wrote an empty file\n",
                    dst, species ? species : "", species ? " " : "", l, h);
        free(path);
    }
    free(keep); free(spk); free(sel);
    csro_recon_free(r);
    csro_probmap_free(m);
    return 0;
}
