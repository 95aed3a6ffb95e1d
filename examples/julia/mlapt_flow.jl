# mlapt_flow.jl: the ML-APT flow with libcsro from Julia (UNTESTED, see
# README.md): load, range, voxelize, classify, map, extract.
#   julia mlapt_flow.jl RECON.pos RANGES.rrng MODEL.csronet [A] [map.tif]
include(joinpath(@__DIR__, "Csro.jl"))
using .Csro

recon_path, ranges_path, model_path = ARGS[1], ARGS[2], ARGS[3]
species = length(ARGS) >= 4 ? ARGS[4] : "Ni"
out = length(ARGS) >= 5 ? ARGS[5] : "map.tif"

recon = load_recon(recon_path)
ranges = load_ranges(ranges_path)
model = load_ensemble(model_path)
pts = atoms(recon, ranges, species)                       # (x, y, z) of the species
lo, hi = Csro.bounds(recon)
grid = Grid(lo, hi; voxel = 1.0, stride = 0.5)            # the reference grid
prof, nodata = zsdm_voxels(grid, pts)                     # nbins x nvoxels
flags = preprocess_rows!(prof, Csro.expected_state(model))
mean, sd = predict(model, prof)                           # nclasses x nvoxels
p = Float32[(nodata[v] || flags[v] & Csro.CSRO_ROW_NODATA != 0) ? NaN32 : mean[end, v] for v in 1:length(grid)]
m = probmap(grid, p)                                      # summed over 8 voxels per 0.5 nm cell
write_tiff(m, out, "$species-$species CSRO")
inside = extract(m, recon, 3.75)
println("$(length(recon)) ions, $(length(grid)) voxels, $(count(Array(m) .> 3.75)) cells above 3.75, ",
        "$(count(inside)) ions inside CSRO")
