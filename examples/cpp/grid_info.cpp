// grid_info.cpp: libcsro from C++ (the headers carry extern "C" guards).
// Build: g++ grid_info.cpp $(pkg-config --cflags --libs csro)
#include <csro.h>
#include <cstdio>
#include <memory>

int main()
{
    const double lo[3] = {0, 0, 0}, hi[3] = {20, 20, 40};
    csro_grid *g = nullptr;
    if (csro_grid_new(&g, lo, hi, 1.0, 0.5, CSRO_VOXEL_SPHERE) != 0) {
        std::fprintf(stderr, "grid_info: %s\n", csro_last_error());
        return 1;
    }
    std::unique_ptr<csro_grid, decltype(&csro_grid_free)> guard(g, csro_grid_free);
    size_t d[3];
    csro_grid_dims(g, d);
    std::printf("libcsro %s: %zu x %zu x %zu = %zu voxels\n", csro_version(), d[0], d[1], d[2],
                csro_grid_count(g));
    return 0;
}
