"""Voxel grids (csro_grid), z-SDM options and z-SDMs of point sets and of
voxels (csro_sdm_points, csro_sdm_voxels), and voxelize(): the
apt-voxelize step on a Recon in memory."""
import ctypes

import numpy as np

from ._lib import pair as _pair
from ._lib import (PROGRESS, progress_fn, Handle, check, fn, carray, ptr, new_handle, c_int, c_size_t, c_double, c_void_p,
                   c_void_pp, c_float_p, c_u64_p, c_u32_p, c_u8_p, size3, double3)

SPHERE, CUBE = 0, 1

_grid_new = fn("csro_grid_new", c_int, c_void_pp, double3, double3, c_double, c_double, c_int)
_grid_free = fn("csro_grid_free", None, c_void_p)
_grid_count = fn("csro_grid_count", c_size_t, c_void_p)
_grid_dims = fn("csro_grid_dims", None, c_void_p, size3)
_grid_lo = fn("csro_grid_lo", None, c_void_p, double3)
_grid_hi = fn("csro_grid_hi", None, c_void_p, double3)
_grid_voxel = fn("csro_grid_voxel", c_double, c_void_p)
_grid_stride = fn("csro_grid_stride", c_double, c_void_p)
_grid_shape = fn("csro_grid_shape", c_int, c_void_p)
_grid_center = fn("csro_grid_center", None, c_void_p, c_size_t, double3)
_opts_new = fn("csro_sdm_opts_new", c_void_p)
_opts_free = fn("csro_sdm_opts_free", None, c_void_p)
_opts_clone = fn("csro_sdm_opts_clone", c_void_p, c_void_p)
_set_bins = fn("csro_sdm_opts_set_bins", c_int, c_void_p, c_double, c_double)
_set_crop = fn("csro_sdm_opts_set_crop", c_int, c_void_p, c_double, c_double)
_set_dir = fn("csro_sdm_opts_set_direction", c_int, c_void_p, c_double, c_double, c_double)
_radius = fn("csro_sdm_opts_radius", c_double, c_void_p)
_width = fn("csro_sdm_opts_bin_width", c_double, c_void_p)
_nbins = fn("csro_sdm_opts_nbins", c_size_t, c_void_p)
_first = fn("csro_sdm_opts_first_bin", c_size_t, c_void_p)
_left = fn("csro_sdm_opts_bin_left", c_double, c_void_p, c_size_t)
_points = fn("csro_sdm_points", c_int, c_void_p, c_float_p, c_float_p, c_float_p, c_size_t,
             c_float_p, c_float_p, c_float_p, c_size_t, c_u64_p, c_size_t)
_nfull = fn("csro_sdm_opts_nfull", c_size_t, c_void_p)
_sdm2d = fn("csro_sdm_2d", c_int, c_void_p, c_float_p, c_float_p, c_float_p, c_size_t, c_float_p, c_float_p,
            c_float_p, c_size_t, c_u64_p, c_u64_p, c_size_t, c_int, PROGRESS, c_void_p)
_voxels = fn("csro_sdm_voxels", c_int, c_void_p, c_void_p, c_float_p, c_float_p, c_float_p, c_size_t,
             c_float_p, c_float_p, c_float_p, c_size_t, c_size_t, c_size_t, c_float_p, c_u32_p, c_u8_p,
             c_int, PROGRESS, c_void_p)


class Grid(Handle):
    """The ML-APT voxel grid over [lo, hi] (voxel edge and stride in nm,
    shape SPHERE (radius 0.75 voxel, the reference) or CUBE)."""

    _free = _grid_free

    def __init__(self, lo, hi, voxel=1.0, stride=0.5, shape=SPHERE):
        out = c_void_p()
        check(_grid_new(ctypes.byref(out), double3(*lo), double3(*hi), voxel, stride, shape))
        super().__init__(out.value)

    @classmethod
    def _borrow(cls, p, owner):
        g = cls.__new__(cls)
        Handle.__init__(g, p, owner)
        return g

    def __len__(self):
        return _grid_count(self.ptr)

    def _vec(self, f, t):
        v = t()
        f(self.ptr, v)
        return tuple(v)

    dims = property(lambda self: self._vec(_grid_dims, size3))
    lo = property(lambda self: self._vec(_grid_lo, double3))
    hi = property(lambda self: self._vec(_grid_hi, double3))
    voxel = property(lambda self: _grid_voxel(self.ptr))
    stride = property(lambda self: _grid_stride(self.ptr))
    shape = property(lambda self: _grid_shape(self.ptr))

    def center(self, idx):
        c = double3()
        _grid_center(self.ptr, idx, c)
        return tuple(c)

    def centers(self):
        """(count, 3) voxel centres in grid order (x fastest), from the
        grid's lo, stride and voxel edge."""
        nx, ny, nz = self.dims
        lo, s, v = np.array(self.lo), self.stride, self.voxel
        k, j, i = np.meshgrid(np.arange(nz), np.arange(ny), np.arange(nx), indexing="ij")
        return lo + s * np.stack([i.ravel(), j.ravel(), k.ravel()], axis=1) + v / 2


class SdmOpts(Handle):
    """z-SDM parameters; defaults are the reference (R 1.5 nm, 0.015 nm
    bins, kept left edges in [-0.7, 0.7): 93 bins)."""

    _free = _opts_free

    def __init__(self, radius=None, bin_width=None, crop=None, direction=None):
        super().__init__(_opts_new())
        if radius is not None or bin_width is not None:
            check(_set_bins(self.ptr, _radius(self.ptr) if radius is None else radius,
                            _width(self.ptr) if bin_width is None else bin_width))
        if crop is not None:
            check(_set_crop(self.ptr, *crop))
        if direction is not None:
            check(_set_dir(self.ptr, *direction))

    @classmethod
    def _adopt(cls, p):
        o = cls.__new__(cls)
        Handle.__init__(o, p)
        return o

    nbins = property(lambda self: _nbins(self.ptr))
    radius = property(lambda self: _radius(self.ptr))
    bin_width = property(lambda self: _width(self.ptr))
    first_bin = property(lambda self: _first(self.ptr))
    nfull = property(lambda self: _nfull(self.ptr))

    @property
    def bin_left(self):
        return np.array([_left(self.ptr, i) for i in range(self.nbins)])


def _xyz(points):
    p = np.asarray(points, dtype=np.float32)
    if p.ndim != 2 or p.shape[1] != 3:
        raise ValueError("points must be an (n, 3) array")
    cols = [np.ascontiguousarray(p[:, k]) for k in range(3)]
    return cols, [ptr(c, c_float_p) for c in cols], len(p)


def zsdm_points(a, b=None, opts=None):
    """Raw z-SDM counts (uint64, nbins) of all ordered pairs (i in a, j in
    b) of (n, 3) point sets; b=None is the same-species case a-a."""
    opts = opts or SdmOpts()
    ka, pa, na = _xyz(a)
    kb, pb, nb = (ka, pa, na) if b is None else _xyz(b)
    h = np.zeros(opts.nbins, np.uint64)
    check(_points(opts.ptr, *pa, na, *pb, nb, ptr(h, c_u64_p), opts.nbins))
    return h


def sdm_2d(a, b=None, opts=None, threads=0, progress=None):
    """Whole point-set 2D SDM: (hist (nfull, nfull) uint64, rows = dz bin,
    columns = dx bin over [-R, R); profile (nfull,) = row sums, the
    uncropped 1D z-SDM)."""
    opts = opts or SdmOpts()
    ka, pa, na = _xyz(a)
    kb, pb, nb = (ka, pa, na) if b is None else _xyz(b)
    n = opts.nfull
    h, prof = np.zeros((n, n), np.uint64), np.zeros(n, np.uint64)
    check(_sdm2d(opts.ptr, *pa, na, *pb, nb, ptr(h, c_u64_p), ptr(prof, c_u64_p), n, threads,
                 progress_fn(progress, "SDM"), None))
    return h, prof


def zsdm_voxels(grid, a, b=None, opts=None, first=0, count=None, threads=0, out=None, progress=None):
    """z-SDMs of voxels [first, first+count) of grid: (profiles (count,
    nbins) float32 pair counts, A atoms per voxel, no-data flags). out (a
    C-contiguous float32 (count, nbins) array) is filled in place.
    progress(fraction) is called now and then; a true return cancels."""
    opts = opts or SdmOpts()
    count = len(grid) - first if count is None else count
    ka, pa, na = _xyz(a)
    kb, pb, nb = (ka, pa, na) if b is None else _xyz(b)
    if out is None:
        out = np.zeros((count, opts.nbins), np.float32)
    elif out.dtype != np.float32 or out.shape != (count, opts.nbins) or not out.flags.c_contiguous:
        raise ValueError("out must be a C-contiguous float32 array of shape (%d, %d)" % (count, opts.nbins))
    natoms = np.zeros(count, np.uint32)
    nodata = np.zeros(count, np.uint8)
    check(_voxels(opts.ptr, grid.ptr, *pa, na, *pb, nb, first, count, ptr(out, c_float_p),
                  ptr(natoms, c_u32_p), ptr(nodata, c_u8_p), threads, progress_fn(progress, "z-SDM"), None))
    return out, natoms, nodata.astype(bool)


def voxelize(recon, ranges, pair=("Ni", "Ni"), voxel=1.0, stride=0.5, shape=SPHERE, roi=None,
             opts=None, threads=0, decompose=False, preprocess="raw", progress=None):
    """The apt-voxelize step in memory: z-SDMs of every voxel of a grid
    over roi ((lo, hi); default the reconstruction's bounding box) for the
    species pair ('A-B' or (A, B): names or specs of
    csro_ranges_species_weights). progress: True for a progress bar, or a
    callable f(fraction) as in zsdm_voxels.
    Returns a csro.zsdm.Zsdm (VOXELS kind) holding the grid, bins, pair
    and the profiles: raw pair counts by default, as apt-voxelize (the
    classify stage preprocesses them for its model, csro/classify.h), or
    preprocess="minmax" / "experimental".
    No-data voxels are flagged ROW_NODATA."""
    from .zsdm import Meta, Zsdm, VOXELS, ROW_NODATA, RAW, _STATES
    opts = opts or SdmOpts()
    lo, hi = roi if roi is not None else recon.bounds()
    grid = Grid(lo, hi, voxel, stride, shape)
    pair = _pair(pair)
    a = ranges.atoms(recon, pair[0], decompose)
    b = None if pair[1] == pair[0] else ranges.atoms(recon, pair[1], decompose)
    prof, _, nodata = zsdm_voxels(grid, a, b, opts, threads=threads, progress=progress)
    flags = np.where(nodata, ROW_NODATA, 0).astype(np.uint32)
    state = _STATES.get(preprocess, preprocess)
    if state != RAW:
        from .preprocess import rows
        prof, fl = rows(prof, state, flags=flags, threads=threads, inplace=True)
        flags |= fl
    meta = Meta(VOXELS, sdm=opts, pair=pair, grid=grid, preprocess=state)
    return Zsdm(meta, prof, np.arange(len(grid), dtype=np.uint64), np.full(len(grid), -1, np.int32), flags,
                np.zeros((len(grid), 0), np.float32))
