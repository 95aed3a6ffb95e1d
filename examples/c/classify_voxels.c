/* classify_voxels.c: the ML-APT flow in C: load a reconstruction and its
 * ranges, voxelize the z-SDMs of a species pair and classify every voxel
 * through the library's classify stage (csro_classify_*: it preprocesses the
 * raw counts as the model's contract and the measured-data rule say).
 *   classify_voxels RECON RANGES MODEL.csronet [SPECIES]   (default Ni)
 * Without arguments it simulates a small specimen (Co domains) and uses an
 * UNTRAINED reference network, only to show the calls.
 * Build: cc classify_voxels.c $(pkg-config --cflags --libs csro) */
#define _POSIX_C_SOURCE 200809L
#include <csro.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TRY(call) do { int rc_ = (call); if (rc_ < 0) { \
    fprintf(stderr, "classify_voxels: %s\n", csro_last_error()); exit(1); } } while (0)

int main(int argc, char **argv)
{
    char dir[] = "/tmp/classify_voxelsXXXXXX", pos[64], rrng[64];
    const char *species = argc > 4 ? argv[4] : argc > 1 ? "Ni" : "Co";
    csro_recon *r; csro_ranges *rg; csro_ensemble *e; csro_grid *g; csro_aptsim *s; csro_net *n;
    if (argc < 4) { /* demo data: a simulated specimen written to files */
        if (!mkdtemp(dir)) return 1;
        snprintf(pos, sizeof pos, "%s/s.pos", dir); snprintf(rrng, sizeof rrng, "%s/s.rrng", dir);
        TRY(csro_aptsim_new(&s)); TRY(csro_aptsim_set_box(s, 8, 8, 8));
        TRY(csro_aptsim_set_domains(s, "Co", 3, 4, 0.2)); TRY(csro_aptsim_write(s, pos, NULL, NULL, NULL));
        TRY(csro_aptsim_write_ranges(s, rrng)); csro_aptsim_free(s);
        TRY(csro_ensemble_new(&e, 2)); TRY(csro_net_new_default(&n, 93, 2)); TRY(csro_net_init(n, 1));
        TRY(csro_ensemble_add(e, n)); csro_net_free(n);
        TRY(csro_ensemble_set_class(e, 0, "FCC")); TRY(csro_ensemble_set_class(e, 1, "CSRO"));
        csro_zsdm_meta *ct = csro_zsdm_meta_new(CSRO_ZSDM_BANK); /* what the model expects */
        csro_sdm_opts *so = csro_sdm_opts_new();
        TRY(csro_zsdm_meta_set_sdm(ct, so)); TRY(csro_zsdm_meta_set_pair(ct, "Co", "Co"));
        TRY(csro_zsdm_meta_set_preprocess(ct, CSRO_PRE_MINMAX)); TRY(csro_ensemble_set_contract(e, ct));
        csro_zsdm_meta_free(ct); csro_sdm_opts_free(so);
    } else TRY(csro_ensemble_load(&e, argv[3]));
    TRY(csro_recon_load(&r, argc < 4 ? pos : argv[1], NULL));
    TRY(csro_ranges_load(&rg, argc < 4 ? rrng : argv[2], NULL));
    if (argc < 4) { remove(pos); remove(rrng); rmdir(dir); }

    /* positions of the selected species (an ion counts once per atom) */
    size_t ni = csro_recon_count(r), nions = csro_ranges_nions(rg), na = 0;
    int *w = malloc(nions * sizeof *w); int32_t *ion = malloc(ni * sizeof *ion);
    float *xyz = malloc(3 * 4 * ni * sizeof *xyz), *x = xyz, *y = xyz + 4 * ni, *z = xyz + 8 * ni;
    TRY(csro_ranges_species_weights(rg, species, 0, w, nions));
    TRY(csro_ranges_assign(rg, csro_recon_mass(r), ni, ion));
    for (size_t i = 0; i < ni; i++)
        for (int k = 0; ion[i] >= 0 && k < w[ion[i]] && k < 4; k++, na++)
            x[na] = csro_recon_x(r)[i], y[na] = csro_recon_y(r)[i], z[na] = csro_recon_z(r)[i];

    /* voxel z-SDMs on the reference grid (1 nm voxels, 0.5 nm stride) */
    double lo[3], hi[3];
    TRY(csro_recon_bounds(r, lo, hi)); TRY(csro_grid_new(&g, lo, hi, 1.0, 0.5, CSRO_VOXEL_SPHERE));
    csro_sdm_opts *o = csro_sdm_opts_new();
    size_t nv = csro_grid_count(g), nb = csro_sdm_opts_nbins(o), nc = csro_ensemble_nclasses(e), ncsro = 0, nnd = 0;
    float *prof = malloc(nv * nb * sizeof *prof), *mean = malloc(nv * nc * sizeof *mean);
    uint32_t *flags = calloc(nv, sizeof *flags);
    TRY(csro_sdm_voxels(o, g, x, y, z, na, x, y, z, na, 0, nv, prof, NULL, NULL, 0, NULL, NULL));

    /* the classify stage: preprocessing by the model's rules, no-data rows skipped */
    csro_zsdm_meta *in = csro_zsdm_meta_new(CSRO_ZSDM_VOXELS); /* what the profiles are: raw counts */
    TRY(csro_zsdm_meta_set_sdm(in, o)); TRY(csro_zsdm_meta_set_grid(in, g));
    TRY(csro_zsdm_meta_set_pair(in, species, species)); TRY(csro_zsdm_meta_set_preprocess(in, CSRO_PRE_RAW));
    csro_classifier *cl;
    TRY(csro_classify_new(&cl, e, in, NULL));
    printf("%s\n", csro_classify_note(cl));
    TRY(csro_classify_rows(cl, nv, prof, NULL, flags, mean, NULL));
    size_t ng = 0;
    for (size_t v = 0; v < nv; v++)
        if (flags[v] & CSRO_ROW_NODATA) nnd++;
        else mean[ng++ * nc + nc - 1] = mean[v * nc + nc - 1];
    for (size_t v = 0; v < ng; v++) ncsro += mean[v * nc + nc - 1] > 0.5f;
    printf("%s: %zu ions, %zu %s atoms, %zu voxels, %zu without data, %zu classified '%s'%s\n",
           csro_version(), ni, na, species, nv, nnd, ncsro, csro_ensemble_class(e, nc - 1) ?
           csro_ensemble_class(e, nc - 1) : "class 1", argc < 4 ? " (untrained demo model)" : "");
    free(w); free(ion); free(xyz); free(prof); free(mean); free(flags);
    csro_classify_free(cl); csro_zsdm_meta_free(in);
    csro_sdm_opts_free(o); csro_grid_free(g); csro_ranges_free(rg); csro_recon_free(r); csro_ensemble_free(e);
    return 0;
}
