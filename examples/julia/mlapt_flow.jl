# mlapt_flow.jl: the ML-APT flow with libcsro from Julia (UNTESTED, see
# README.md): load, range, voxelize, classify (the library's classify stage:
# preprocessing by the model's contract and the measured-data rule), map by
# the rule the model carries (csro_probmap_new_auto, as csro-map), extract.
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
prof, nodata = zsdm_voxels(grid, pts)                     # raw counts, nbins x nvoxels
r = classify(model, voxel_meta(grid, species), prof; nodata = nodata)  # the classify stage's rules
m, thr, note = probmap_auto(r)                            # the model's map rule, as csro-map applies it
println(r.note, "\n", note)
write_tiff(m, out, "$species-$species CSRO")
inside = extract(m, recon, thr)
println("$(length(recon)) ions, $(length(grid)) voxels, $(count(Array(m) .> thr)) cells above $thr, ",
        "$(count(inside)) ions inside CSRO")
