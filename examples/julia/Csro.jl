# Csro.jl: a thin ccall wrapper of libcsro (chemical short-range order in
# atom probe tomography) for Julia. Plain types, pointer + length, opaque
# handles freed by finalizers (or explicitly with close). UNTESTED: see
# README.md. Library: ENV["CSRO_LIBRARY"] or "libcsro.so.1" on the loader path.
module Csro

export CsroError, Recon, Ranges, Grid, SdmOpts, Ensemble, ProbMap, Meta, Classifier, load_recon, load_ranges,
       load_ensemble, coords, masses, atoms, zsdm_points, zsdm_voxels, preprocess_rows!, predict, voxel_meta,
       classify, probmap, probmap_auto, write_tiff, extract, version

const libcsro = get(ENV, "CSRO_LIBRARY", "libcsro.so.1")

const CSRO_PRE_RAW, CSRO_PRE_MINMAX, CSRO_PRE_EXPERIMENTAL = 0, 1, 2
const CSRO_ROW_NODATA = UInt32(1)
const CSRO_VOXEL_SPHERE, CSRO_VOXEL_CUBE = 0, 1
const CSRO_PROBMAP_SUM, CSRO_PROBMAP_MEAN = 0, 1
const CSRO_ZSDM_VOXELS = 1

"""A libcsro call failed: `code` is the negative CSRO_E* code, `msg` csro_last_error()."""
struct CsroError <: Exception
    code::Cint
    msg::String
end
Base.showerror(io::IO, e::CsroError) = print(io, "CsroError(", e.code, "): ", e.msg)

version() = unsafe_string(ccall((:csro_version, libcsro), Cstring, ()))

function check(rc::Integer)
    if rc < 0
        msg = unsafe_string(ccall((:csro_last_error, libcsro), Cstring, ()))
        isempty(msg) && (msg = unsafe_string(ccall((:csro_strerror, libcsro), Cstring, (Cint,), rc)))
        throw(CsroError(rc, msg))
    end
    return rc
end

# Opaque handles: the pointer, freed once by a finalizer (close(h) frees early).
abstract type Handle end
for (T, free) in ((:Recon, :csro_recon_free), (:Ranges, :csro_ranges_free), (:Grid, :csro_grid_free),
                  (:SdmOpts, :csro_sdm_opts_free), (:Ensemble, :csro_ensemble_free),
                  (:ProbMap, :csro_probmap_free), (:Meta, :csro_zsdm_meta_free),
                  (:Classifier, :csro_classify_free))
    @eval begin
        mutable struct $T <: Handle
            ptr::Ptr{Cvoid}
            function $T(p::Ptr{Cvoid})
                p == C_NULL && throw(CsroError(-1, "out of memory"))
                finalizer(new(p)) do h
                    h.ptr != C_NULL && ccall(($(QuoteNode(free)), libcsro), Cvoid, (Ptr{Cvoid},), h.ptr)
                    h.ptr = C_NULL
                end
            end
        end
    end
end
Base.close(h::Handle) = finalize(h)
function Base.unsafe_convert(::Type{Ptr{Cvoid}}, h::Handle)
    h.ptr == C_NULL && error("$(typeof(h)): handle already closed")
    return h.ptr
end

# create(out) helper: call f(Ref{Ptr{Cvoid}}) and wrap the result.
function created(T, f)
    out = Ref{Ptr{Cvoid}}(C_NULL)
    check(f(out))
    return T(out[])
end

# ---- reconstructions and ranges ----
load_recon(path::AbstractString) =
    created(Recon, out -> ccall((:csro_recon_load, libcsro), Cint, (Ref{Ptr{Cvoid}}, Cstring, Ptr{Cvoid}),
                                out, path, C_NULL))
Base.length(r::Recon) = Int(ccall((:csro_recon_count, libcsro), Csize_t, (Ptr{Cvoid},), r))

# Zero-copy views of the library's float32 arrays (valid while r is alive:
# keep a reference to r as long as you use them). ccall needs literal
# function names, hence one call per accessor.
_wrap(r::Recon, p::Ptr{Float32}) = p == C_NULL ? Float32[] : unsafe_wrap(Array, p, length(r); own = false)
coords(r::Recon) = (_wrap(r, ccall((:csro_recon_x, libcsro), Ptr{Float32}, (Ptr{Cvoid},), r)),
                    _wrap(r, ccall((:csro_recon_y, libcsro), Ptr{Float32}, (Ptr{Cvoid},), r)),
                    _wrap(r, ccall((:csro_recon_z, libcsro), Ptr{Float32}, (Ptr{Cvoid},), r)))
masses(r::Recon) = _wrap(r, ccall((:csro_recon_mass, libcsro), Ptr{Float32}, (Ptr{Cvoid},), r))
function bounds(r::Recon)
    lo, hi = zeros(3), zeros(3)
    check(ccall((:csro_recon_bounds, libcsro), Cint, (Ptr{Cvoid}, Ptr{Cdouble}, Ptr{Cdouble}), r, lo, hi))
    return lo, hi
end

load_ranges(path::AbstractString) =
    created(Ranges, out -> ccall((:csro_ranges_load, libcsro), Cint, (Ref{Ptr{Cvoid}}, Cstring, Ptr{Cvoid}),
                                 out, path, C_NULL))
nions(g::Ranges) = Int(ccall((:csro_ranges_nions, libcsro), Csize_t, (Ptr{Cvoid},), g))

"""Positions (x, y, z vectors) of the atoms of `species` (an ion counted once per atom)."""
function atoms(r::Recon, g::Ranges, species::AbstractString)
    w = zeros(Cint, max(nions(g), 1))
    check(ccall((:csro_ranges_species_weights, libcsro), Cint, (Ptr{Cvoid}, Cstring, Cint, Ptr{Cint}, Csize_t),
                g, species, 0, w, nions(g)))
    m = masses(r)
    ion = Vector{Int32}(undef, length(m))
    check(ccall((:csro_ranges_assign, libcsro), Cint, (Ptr{Cvoid}, Ptr{Float32}, Csize_t, Ptr{Int32}),
                g, m, length(m), ion))
    x, y, z = coords(r)
    reps = [i >= 0 ? Int(w[i + 1]) : 0 for i in ion]
    return (Float32[x[i] for i in eachindex(x) for _ in 1:reps[i]],
            Float32[y[i] for i in eachindex(y) for _ in 1:reps[i]],
            Float32[z[i] for i in eachindex(z) for _ in 1:reps[i]])
end

# ---- grids and z-SDMs ----
Grid(lo, hi; voxel = 1.0, stride = 0.5, shape = CSRO_VOXEL_SPHERE) =
    created(Grid, out -> ccall((:csro_grid_new, libcsro), Cint,
                               (Ref{Ptr{Cvoid}}, Ptr{Cdouble}, Ptr{Cdouble}, Cdouble, Cdouble, Cint),
                               out, Float64.(collect(lo)), Float64.(collect(hi)), voxel, stride, shape))
Base.length(g::Grid) = Int(ccall((:csro_grid_count, libcsro), Csize_t, (Ptr{Cvoid},), g))

SdmOpts() = SdmOpts(ccall((:csro_sdm_opts_new, libcsro), Ptr{Cvoid}, ()))
nbins(o::SdmOpts) = Int(ccall((:csro_sdm_opts_nbins, libcsro), Csize_t, (Ptr{Cvoid},), o))

"""Raw z-SDM counts of all ordered pairs of the point sets a and b ((x, y, z) tuples)."""
function zsdm_points(a, b = a; opts = SdmOpts())
    h = zeros(UInt64, nbins(opts))
    check(ccall((:csro_sdm_points, libcsro), Cint,
                (Ptr{Cvoid}, Ptr{Float32}, Ptr{Float32}, Ptr{Float32}, Csize_t,
                 Ptr{Float32}, Ptr{Float32}, Ptr{Float32}, Csize_t, Ptr{UInt64}, Csize_t),
                opts, a[1], a[2], a[3], length(a[1]), b[1], b[2], b[3], length(b[1]), h, length(h)))
    return h
end

"""z-SDMs of every voxel of g: an nbins x nvoxels Float32 matrix (column = voxel,
the C row-major layout seen from Julia) and the no-data flags."""
function zsdm_voxels(g::Grid, a, b = a; opts = SdmOpts(), threads = 0)
    nv, nb = length(g), nbins(opts)
    prof = zeros(Float32, nb, nv)
    nodata = zeros(UInt8, nv)
    check(ccall((:csro_sdm_voxels, libcsro), Cint,
                (Ptr{Cvoid}, Ptr{Cvoid}, Ptr{Float32}, Ptr{Float32}, Ptr{Float32}, Csize_t,
                 Ptr{Float32}, Ptr{Float32}, Ptr{Float32}, Csize_t, Csize_t, Csize_t,
                 Ptr{Float32}, Ptr{UInt32}, Ptr{UInt8}, Cint, Ptr{Cvoid}, Ptr{Cvoid}),
                opts, g, a[1], a[2], a[3], length(a[1]), b[1], b[2], b[3], length(b[1]), 0, nv,
                prof, C_NULL, nodata, threads, C_NULL, C_NULL))
    return prof, nodata .!= 0
end

# ---- preprocessing and classification ----
"""Preprocess the columns of prof in place to `state`; returns the row flags."""
function preprocess_rows!(prof::Matrix{Float32}, state; threads = 0)
    nb, n = size(prof)
    flags = zeros(UInt32, n)
    check(ccall((:csro_preprocess_rows, libcsro), Cint,
                (Ptr{Cvoid}, Cint, Ptr{Float32}, Ptr{Float32}, Csize_t, Csize_t, Ptr{UInt32}, Cint),
                C_NULL, state, prof, prof, n, nb, flags, threads))
    return flags
end

load_ensemble(path::AbstractString) =
    created(Ensemble, out -> ccall((:csro_ensemble_load, libcsro), Cint, (Ref{Ptr{Cvoid}}, Cstring), out, path))
nclasses(e::Ensemble) = Int(ccall((:csro_ensemble_nclasses, libcsro), Csize_t, (Ptr{Cvoid},), e))
class_name(e::Ensemble, i) = unsafe_string(ccall((:csro_ensemble_class, libcsro), Cstring, (Ptr{Cvoid}, Csize_t), e, i))
"""The preprocessing state the model expects (CSRO_PRE_*)."""
function expected_state(e::Ensemble)
    m = ccall((:csro_ensemble_contract, libcsro), Ptr{Cvoid}, (Ptr{Cvoid},), e)
    return m == C_NULL ? CSRO_PRE_MINMAX : Int(ccall((:csro_zsdm_meta_preprocess, libcsro), Cint, (Ptr{Cvoid},), m))
end

"""Ensemble mean and std: nclasses x n matrices for the columns of x."""
function predict(e::Ensemble, x::Matrix{Float32}; threads = 0)
    nb, n = size(x)
    mean, sd = zeros(Float32, nclasses(e), n), zeros(Float32, nclasses(e), n)
    check(ccall((:csro_ensemble_predict, libcsro), Cint,
                (Ptr{Cvoid}, Csize_t, Ptr{Float32}, Ptr{Float32}, Ptr{Float32}, Cint), e, n, x, mean, sd, threads))
    return mean, sd
end

# ---- the classify stage (csro/classify.h): the library's preprocessing rule ----
"""Metadata of raw voxel z-SDMs of grid g for the pair a-b (what apt-voxelize writes)."""
function voxel_meta(g::Grid, a::AbstractString, b::AbstractString = a; opts = SdmOpts())
    m = Meta(ccall((:csro_zsdm_meta_new, libcsro), Ptr{Cvoid}, (Cint,), CSRO_ZSDM_VOXELS))
    check(ccall((:csro_zsdm_meta_set_sdm, libcsro), Cint, (Ptr{Cvoid}, Ptr{Cvoid}), m, opts))
    check(ccall((:csro_zsdm_meta_set_pair, libcsro), Cint, (Ptr{Cvoid}, Cstring, Cstring), m, a, b))
    check(ccall((:csro_zsdm_meta_set_grid, libcsro), Cint, (Ptr{Cvoid}, Ptr{Cvoid}), m, g))
    check(ccall((:csro_zsdm_meta_set_preprocess, libcsro), Cint, (Ptr{Cvoid}, Cint), m, CSRO_PRE_RAW))
    return m
end

"""Classify the columns of prof (nbins x n, raw counts described by meta) as
csro-classify does: the model's preprocessing and the measured-data rule,
the contract check, no-data rows. Returns (index, flags, mean, sd, outmeta,
note); mean and sd are nclasses x n, outmeta the .prob metadata (with the
model's map rule), valid while the returned Classifier `c` lives."""
function classify(e::Ensemble, meta::Meta, prof::Matrix{Float32}; nodata = nothing)
    nb, n = size(prof)
    c = created(Classifier, out -> ccall((:csro_classify_new, libcsro), Cint,
                                         (Ref{Ptr{Cvoid}}, Ptr{Cvoid}, Ptr{Cvoid}, Ptr{Cvoid}), out, e, meta, C_NULL))
    x = copy(prof)                                       # preprocessed in place
    index = UInt64.(0:n-1)
    flags = nodata === nothing ? zeros(UInt32, n) : UInt32[d ? CSRO_ROW_NODATA : 0 for d in nodata]
    mean, sd = zeros(Float32, nclasses(e), n), zeros(Float32, nclasses(e), n)
    check(ccall((:csro_classify_rows, libcsro), Cint,
                (Ptr{Cvoid}, Csize_t, Ptr{Float32}, Ptr{UInt64}, Ptr{UInt32}, Ptr{Float32}, Ptr{Float32}),
                c, n, x, index, flags, mean, sd))
    note = unsafe_string(ccall((:csro_classify_note, libcsro), Cstring, (Ptr{Cvoid},), c))
    outmeta = ccall((:csro_classify_output_meta, libcsro), Ptr{Cvoid}, (Ptr{Cvoid},), c)
    return (index = index, flags = flags, mean = mean, sd = sd, meta = outmeta, note = note, c = c)
end

# ---- maps ----
"""The map and threshold of the rule the model carries (its map.* texts,
copied by the classify stage into r.meta), as csro-map applies it
(csro_probmap_new_auto): returns (map, threshold, note). Models without a
rule: the reference sum map and 3.75."""
function probmap_auto(r)
    out = Ref{Ptr{Cvoid}}(C_NULL)
    thr = Ref{Cdouble}(0)
    note = zeros(UInt8, 512)
    GC.@preserve r begin
        check(ccall((:csro_probmap_new_auto, libcsro), Cint,
                    (Ref{Ptr{Cvoid}}, Ref{Cdouble}, Ptr{Cvoid}, Csize_t, Ptr{UInt64}, Ptr{UInt32}, Ptr{Float32},
                     Ptr{Float32}, Ptr{UInt8}, Csize_t),
                    out, thr, r.meta, length(r.index), r.index, r.flags, r.mean, r.sd, note, length(note)))
    end
    return ProbMap(out[]), thr[], unsafe_string(pointer(note))
end

"""Sub-cell map of one value per voxel of g (NaN = no data)."""
probmap(g::Grid, v::Vector{Float32}; mode = CSRO_PROBMAP_SUM) =
    created(ProbMap, out -> ccall((:csro_probmap_new, libcsro), Cint,
                                  (Ref{Ptr{Cvoid}}, Ptr{Cvoid}, Ptr{Float32}, Csize_t, Cint), out, g, v, length(v), mode))
function dims(m::ProbMap)
    d = zeros(Csize_t, 3)
    ccall((:csro_probmap_dims, libcsro), Cvoid, (Ptr{Cvoid}, Ptr{Csize_t}), m, d)
    return Int.(d)
end
"""Zero-copy nx x ny x nz view of the map (valid while m is alive)."""
Base.Array(m::ProbMap) = unsafe_wrap(Array, ccall((:csro_probmap_data, libcsro), Ptr{Float32}, (Ptr{Cvoid},), m),
                                     Tuple(dims(m)); own = false)
write_tiff(m::ProbMap, path::AbstractString, label = "") =
    check(ccall((:csro_probmap_write_tiff, libcsro), Cint, (Ptr{Cvoid}, Cstring, Cstring), m, path, label))
"""Bool vector: the ions of r inside sub-cells with lower < value <= upper."""
function extract(m::ProbMap, r::Recon, lower; upper = Inf)
    x, y, z = coords(r)
    keep = zeros(UInt8, length(x))
    check(ccall((:csro_probmap_extract, libcsro), Cint,
                (Ptr{Cvoid}, Cdouble, Cdouble, Cint, Ptr{Float32}, Ptr{Float32}, Ptr{Float32}, Csize_t,
                 Ptr{UInt8}, Ptr{Csize_t}), m, lower, upper, 0, x, y, z, length(x), keep, C_NULL))
    return keep .!= 0
end

end # module
