// voxel_zsdm.cpp: libcsro from C++ with RAII: simulate a small specimen with
// planted Co L1_2 domains, select the Co atoms through its range file, and
// compute the Co-Co z-SDM of every voxel; print the mean profile of voxels
// centred in planted domains and outside them.
// Build: g++ -std=c++11 voxel_zsdm.cpp $(pkg-config --cflags --libs csro)
#include <csro.h>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

template <class T, void (*F)(T *)> struct Deleter { void operator()(T *p) const { F(p); } };
using Recon = std::unique_ptr<csro_recon, Deleter<csro_recon, csro_recon_free>>;
using Ranges = std::unique_ptr<csro_ranges, Deleter<csro_ranges, csro_ranges_free>>;
using Sim = std::unique_ptr<csro_aptsim, Deleter<csro_aptsim, csro_aptsim_free>>;
using Grid = std::unique_ptr<csro_grid, Deleter<csro_grid, csro_grid_free>>;
using Opts = std::unique_ptr<csro_sdm_opts, Deleter<csro_sdm_opts, csro_sdm_opts_free>>;

static void ok(int rc) // libcsro errors become exceptions carrying csro_last_error()
{
    if (rc < 0) throw std::runtime_error(std::string(csro_strerror(rc)) + ": " + csro_last_error());
}

int main()
try {
    csro_aptsim *s0 = nullptr;
    ok(csro_aptsim_new(&s0));
    Sim sim(s0);
    ok(csro_aptsim_set_box(sim.get(), 8, 8, 8));
    ok(csro_aptsim_set_domains(sim.get(), "Co", 3.0, 4.0, 0.2));
    ok(csro_aptsim_set_seed(sim.get(), 7));
    csro_recon *r0 = nullptr;
    uint8_t *truth = nullptr;
    ok(csro_aptsim_generate(sim.get(), &r0, &truth));
    Recon recon(r0);
    std::unique_ptr<uint8_t, Deleter<void, csro_free>> truth_guard(truth);
    std::string rpath = std::string(std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp") + "/voxel_zsdm.rrng";
    ok(csro_aptsim_write_ranges(sim.get(), rpath.c_str()));
    csro_ranges *g0 = nullptr;
    ok(csro_ranges_load(&g0, rpath.c_str(), nullptr));
    Ranges ranges(g0);
    std::remove(rpath.c_str());

    // Co atoms: ions whose type holds Co (weight = Co atoms per ion)
    size_t n = csro_recon_count(recon.get()), nions = csro_ranges_nions(ranges.get());
    std::vector<int> w(nions);
    std::vector<int32_t> ion(n);
    ok(csro_ranges_species_weights(ranges.get(), "Co", 0, w.data(), w.size()));
    ok(csro_ranges_assign(ranges.get(), csro_recon_mass(recon.get()), n, ion.data()));
    std::vector<float> x, y, z;
    const float *rx = csro_recon_x(recon.get()), *ry = csro_recon_y(recon.get()), *rz = csro_recon_z(recon.get());
    for (size_t i = 0; i < n; i++)
        for (int k = 0; ion[i] >= 0 && k < w[ion[i]]; k++) x.push_back(rx[i]), y.push_back(ry[i]), z.push_back(rz[i]);

    double lo[3], hi[3];
    ok(csro_recon_bounds(recon.get(), lo, hi));
    csro_grid *gr = nullptr;
    ok(csro_grid_new(&gr, lo, hi, 1.0, 0.5, CSRO_VOXEL_SPHERE));
    Grid grid(gr);
    Opts opts(csro_sdm_opts_new());
    if (!opts) throw std::bad_alloc();
    size_t nv = csro_grid_count(grid.get()), nb = csro_sdm_opts_nbins(opts.get());
    std::vector<float> prof(nv * nb);
    std::vector<uint8_t> nodata(nv);
    ok(csro_sdm_voxels(opts.get(), grid.get(), x.data(), y.data(), z.data(), x.size(), x.data(), y.data(), z.data(),
                       x.size(), 0, nv, prof.data(), nullptr, nodata.data(), 0, nullptr, nullptr));

    // voxels whose centre lies in a planted domain vs the rest
    std::vector<double> mean[2] = {std::vector<double>(nb), std::vector<double>(nb)};
    size_t count[2] = {0, 0};
    for (size_t v = 0; v < nv; v++) {
        if (nodata[v]) continue;
        double c[3], dc[3], rad;
        csro_grid_center(grid.get(), v, c);
        int in = 0;
        for (size_t d = 0; d < csro_aptsim_ndomains(sim.get()); d++) {
            ok(csro_aptsim_domain(sim.get(), d, dc, &rad));
            in |= std::hypot(std::hypot(c[0] - dc[0], c[1] - dc[1]), c[2] - dc[2]) < rad;
        }
        for (size_t b = 0; b < nb; b++) mean[in][b] += prof[v * nb + b];
        count[in]++;
    }
    std::printf("# libcsro %s: %zu Co atoms, %zu voxels (%zu in domains)\n# dz_nm\toutside\tinside\n",
                csro_version(), x.size(), nv, count[1]);
    for (size_t b = 0; b < nb; b++)
        std::printf("%.3f\t%.3f\t%.3f\n", csro_sdm_opts_bin_left(opts.get(), b), mean[0][b] / (count[0] ? count[0] : 1),
                    mean[1][b] / (count[1] ? count[1] : 1));
    return 0;
} catch (const std::exception &e) {
    std::fprintf(stderr, "voxel_zsdm: %s\n", e.what());
    return 1;
}
