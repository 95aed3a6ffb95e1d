"""Voxel grids and z-SDMs (csro_grid, csro_sdm)."""
import ctypes
import numpy as np
from ._lib import Handle, check, fn, c_float_p

SPHERE, CUBE = 0, 1

_grid_new = fn("csro_grid_new", ctypes.c_int, ctypes.POINTER(ctypes.c_void_p), ctypes.c_double * 3,
               ctypes.c_double * 3, ctypes.c_double, ctypes.c_double, ctypes.c_int)
_grid_free = fn("csro_grid_free", None, ctypes.c_void_p)
_grid_count = fn("csro_grid_count", ctypes.c_size_t, ctypes.c_void_p)
_grid_dims = fn("csro_grid_dims", None, ctypes.c_void_p, ctypes.c_size_t * 3)
_grid_center = fn("csro_grid_center", None, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_double * 3)
_opts_new = fn("csro_sdm_opts_new", ctypes.c_void_p)
_opts_free = fn("csro_sdm_opts_free", None, ctypes.c_void_p)
_set_radius = fn("csro_sdm_opts_set_radius", ctypes.c_int, ctypes.c_void_p, ctypes.c_double)
_set_width = fn("csro_sdm_opts_set_bin_width", ctypes.c_int, ctypes.c_void_p, ctypes.c_double)
_set_crop = fn("csro_sdm_opts_set_crop", ctypes.c_int, ctypes.c_void_p, ctypes.c_double, ctypes.c_double)
_set_dir = fn("csro_sdm_opts_set_direction", ctypes.c_int, ctypes.c_void_p, ctypes.c_double, ctypes.c_double,
              ctypes.c_double)
_nbins = fn("csro_sdm_opts_nbins", ctypes.c_size_t, ctypes.c_void_p)
_left = fn("csro_sdm_opts_bin_left", ctypes.c_double, ctypes.c_void_p, ctypes.c_size_t)
_points = fn("csro_sdm_points", ctypes.c_int, ctypes.c_void_p, c_float_p, c_float_p, c_float_p, ctypes.c_size_t,
             c_float_p, c_float_p, c_float_p, ctypes.c_size_t, ctypes.POINTER(ctypes.c_uint64), ctypes.c_size_t)
_voxels = fn("csro_sdm_voxels", ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p,
             c_float_p, c_float_p, c_float_p, ctypes.c_size_t, c_float_p, c_float_p, c_float_p, ctypes.c_size_t,
             ctypes.c_size_t, ctypes.c_size_t, c_float_p, ctypes.POINTER(ctypes.c_uint32),
             ctypes.POINTER(ctypes.c_uint8), ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)


class Grid(Handle):
    """The ML-APT voxel grid over [lo, hi] (voxel edge, stride in nm)."""

    _free = _grid_free

    def __init__(self, lo, hi, voxel=1.0, stride=0.5, shape=SPHERE):
        out = ctypes.c_void_p()
        check(_grid_new(ctypes.byref(out), (ctypes.c_double * 3)(*lo), (ctypes.c_double * 3)(*hi),
                        voxel, stride, shape))
        super().__init__(out.value)

    def __len__(self):
        return _grid_count(self.ptr)

    @property
    def dims(self):
        d = (ctypes.c_size_t * 3)()
        _grid_dims(self.ptr, d)
        return tuple(d)

    def center(self, idx):
        c = (ctypes.c_double * 3)()
        _grid_center(self.ptr, idx, c)
        return tuple(c)


class SdmOpts(Handle):
    """z-SDM parameters; defaults are the reference (R 1.5, 0.015 nm bins,
    93 bins over [-0.7, 0.7))."""

    _free = _opts_free

    def __init__(self, radius=None, bin_width=None, crop=None, direction=None):
        super().__init__(_opts_new())
        if radius is not None:
            check(_set_radius(self.ptr, radius))
        if bin_width is not None:
            check(_set_width(self.ptr, bin_width))
        if crop is not None:
            check(_set_crop(self.ptr, *crop))
        if direction is not None:
            check(_set_dir(self.ptr, *direction))

    @property
    def nbins(self):
        return _nbins(self.ptr)

    @property
    def bin_left(self):
        return np.array([_left(self.ptr, i) for i in range(self.nbins)])


def _xyz(points):
    p = np.asarray(points, dtype=np.float32)
    if p.ndim != 2 or p.shape[1] != 3:
        raise ValueError("points must be an (n, 3) array")
    cols = [np.ascontiguousarray(p[:, k]) for k in range(3)]
    return cols, [c.ctypes.data_as(c_float_p) for c in cols]


def zsdm_points(a, b=None, opts=None):
    """Raw z-SDM counts of all pairs (i in a, j in b); b=None means a-a."""
    opts = opts or SdmOpts()
    ka, pa = _xyz(a)
    kb, pb = (ka, pa) if b is None else _xyz(b)
    h = np.zeros(opts.nbins, np.uint64)
    check(_points(opts.ptr, *pa, len(ka[0]), *pb, len(kb[0]), h.ctypes.data_as(ctypes.POINTER(ctypes.c_uint64)),
                  opts.nbins))
    return h


def zsdm_voxels(grid, a, b=None, opts=None, first=0, count=None, threads=0):
    """z-SDMs of voxels [first, first+count): (profiles (count, nbins)
    float32, atom counts, no-data flags)."""
    opts = opts or SdmOpts()
    count = len(grid) - first if count is None else count
    ka, pa = _xyz(a)
    kb, pb = (ka, pa) if b is None else _xyz(b)
    out = np.zeros((count, opts.nbins), np.float32)
    natoms = np.zeros(count, np.uint32)
    nodata = np.zeros(count, np.uint8)
    check(_voxels(opts.ptr, grid.ptr, *pa, len(ka[0]), *pb, len(kb[0]), first, count,
                  out.ctypes.data_as(c_float_p), natoms.ctypes.data_as(ctypes.POINTER(ctypes.c_uint32)),
                  nodata.ctypes.data_as(ctypes.POINTER(ctypes.c_uint8)), threads, None, None))
    return out, natoms, nodata.astype(bool)
