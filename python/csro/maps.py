"""Probability maps (csro/probmap.h): sub-cell CSRO maps from voxel
probabilities or .prob files, thresholds, atom extraction, TIFF/VTK
output, connected domains and summary statistics."""
import ctypes
import math

import numpy as np

from ._lib import (Handle, keeper, check, fn, carray, view, ptr, enc, dec, new_handle, c_int, c_size_t,
                   c_double, c_char_p, c_void_p, c_void_pp, c_float_p, c_u8_p, c_u32_p, c_i32_p, c_u64_p, c_double_p,
                   c_size_p, size3, double3)

SUM, MEAN = 0, 1
MEANS, STDS = 0, 1
SPHERE, CELL = 0, 1

_new = fn("csro_probmap_new", c_int, c_void_pp, c_void_p, c_float_p, c_size_t, c_int)
_load = fn("csro_probmap_load", c_int, c_void_pp, c_char_p, c_char_p, c_int, c_int)
_label = fn("csro_probmap_label", c_char_p, c_void_p)
_load_auto = fn("csro_probmap_load_auto", c_int, c_void_pp, c_double_p, c_char_p, c_char_p, c_size_t)
_new_auto = fn("csro_probmap_new_auto", c_int, c_void_pp, c_double_p, c_void_p, c_size_t, c_u64_p, c_u32_p,
               c_float_p, c_float_p, c_char_p, c_size_t)
_smooth = fn("csro_probmap_smooth", c_int, c_void_p, c_double)
_free = fn("csro_probmap_free", None, c_void_p)
_dims = fn("csro_probmap_dims", None, c_void_p, size3)
_count = fn("csro_probmap_count", c_size_t, c_void_p)
_origin = fn("csro_probmap_origin", None, c_void_p, double3)
_spacing = fn("csro_probmap_spacing", c_double, c_void_p)
_ratio = fn("csro_probmap_ratio", c_int, c_void_p)
_mode = fn("csro_probmap_mode", c_int, c_void_p)
_maxv = fn("csro_probmap_max_value", c_double, c_void_p)
_data = fn("csro_probmap_data", c_float_p, c_void_p)
_threshold = fn("csro_probmap_threshold", c_int, c_void_p, c_double, c_double, c_u8_p, c_size_t, c_size_p)
_extract = fn("csro_probmap_extract", c_int, c_void_p, c_double, c_double, c_int, c_float_p, c_float_p, c_float_p,
              c_size_t, c_u8_p, c_size_p)
_tiff = fn("csro_probmap_write_tiff", c_int, c_void_p, c_char_p, c_char_p)
_vtk = fn("csro_probmap_write_vtk", c_int, c_void_p, c_char_p, c_char_p)
_quick = fn("csro_probmap_write_quicklook", c_int, c_void_p, c_char_p)
_tiff_volume = fn("csro_tiff_write_volume", c_int, c_char_p, c_float_p, size3, c_double, c_char_p)
_vti = fn("csro_probmap_write_vti", c_int, c_void_p, c_char_p, c_char_p)
_set_info = fn("csro_probmap_set_info", c_int, c_void_p, c_char_p)


class ProbMap(Handle):
    """CSRO probability on cubic sub-cells of edge = grid stride.
    ProbMap(grid, voxel_prob) builds it from one value per voxel (NaN =
    no data); ProbMap.load(path) from a .prob file. data is a read-only
    zero-copy (nz, ny, nx) float32 view."""

    _free = _free

    def __init__(self, grid, voxel_prob, mode=SUM):
        v = carray(voxel_prob, np.float32, (len(grid),), "voxel_prob")
        out = c_void_p()
        check(_new(ctypes.byref(out), grid.ptr, ptr(v, c_float_p), len(v), mode))
        super().__init__(out.value)

    @classmethod
    def load(cls, path, cls_name=None, field=MEANS, mode=SUM):
        """Map of one class of a .prob file (default: the second class of
        a two-class file); field STDS maps the ensemble uncertainty."""
        return new_handle(cls, _load, enc(str(path)), enc(cls_name), field, mode)

    @classmethod
    def load_auto(cls, path):
        """The map and threshold the rule of a .prob says (the map.* texts a
        calibrated model carries, copied by csro-classify): returns (map,
        threshold, note). Files without a rule: sum map, 3.75, and the note
        says so."""
        out = c_void_p()
        thr = ctypes.c_double()
        note = ctypes.create_string_buffer(512)
        check(_load_auto(ctypes.byref(out), ctypes.byref(thr), enc(str(path)), note, len(note)))
        m = cls.__new__(cls)
        Handle.__init__(m, out.value)
        return m, thr.value, dec(note.value)

    @classmethod
    def from_prob_auto(cls, prob):
        """load_auto for a Prob in memory (csro.classify's result): the map
        and threshold of the rule the model carries (csro_probmap_new_auto,
        the function csro-map uses through load_auto); returns (map,
        threshold, note). Without a rule: sum map, 3.75, said so."""
        nc = len(prob.meta.classes)
        n = len(prob.index)
        idx = carray(prob.index, np.uint64, (n,), "index")
        fl = carray(prob.flags, np.uint32, (n,), "flags")
        mean = carray(prob.mean, np.float32, (n, nc), "mean")
        std = carray(prob.std, np.float32, (n, nc), "std")
        out = c_void_p()
        thr = ctypes.c_double()
        note = ctypes.create_string_buffer(512)
        check(_new_auto(ctypes.byref(out), ctypes.byref(thr), prob.meta.ptr, n, ptr(idx, c_u64_p),
                        ptr(fl, c_u32_p), ptr(mean, c_float_p), ptr(std, c_float_p), note,
                        len(note)))
        m = cls.__new__(cls)
        Handle.__init__(m, out.value)
        return m, thr.value, dec(note.value)

    def smooth(self, sigma):
        """Gaussian smoothing in place (sigma nm; NaN sub-cells stay NaN)."""
        check(_smooth(self.ptr, sigma))
        return self

    @classmethod
    def from_prob(cls, prob, cls_name=None, field=MEANS, mode=SUM):
        """Map of one class of a Prob in memory, as ProbMap.load does for a
        file: voxels absent or flagged ROW_NODATA are no data (NaN). For the
        map and threshold the model's rule says, use from_prob_auto."""
        classes = prob.meta.classes
        if cls_name is None:
            if len(classes) != 2:
                raise ValueError("from_prob: name the class of a %d-class Prob" % len(classes))
            c = 1
        else:
            c = classes.index(cls_name) if cls_name in classes else int(cls_name)
        grid = prob.meta.grid
        v = np.full(len(grid), np.nan, np.float32)
        ok = (prob.flags & 1) == 0
        v[prob.index[ok].astype(np.intp)] = (prob.mean if field == MEANS else prob.std)[ok, c]
        return cls(grid, v, mode)

    @property
    def dims(self):
        """(nx, ny, nz) sub-cells."""
        d = size3()
        _dims(self.ptr, d)
        return tuple(d)

    def __len__(self):
        return _count(self.ptr)

    @property
    def data(self):
        nx, ny, nz = self.dims
        return view(_data(self.ptr), (nz, ny, nx), np.float32, keeper(self))

    @property
    def origin(self):
        o = double3()
        _origin(self.ptr, o)
        return tuple(o)

    label = property(lambda self: dec(_label(self.ptr)))
    spacing = property(lambda self: _spacing(self.ptr))
    ratio = property(lambda self: _ratio(self.ptr))
    mode = property(lambda self: _mode(self.ptr))
    max_value = property(lambda self: _maxv(self.ptr))

    def threshold(self, lower, upper=math.inf):
        """Bool (nz, ny, nx) mask of lower < value <= upper."""
        m = np.zeros(len(self), np.uint8)
        check(_threshold(self.ptr, lower, upper, ptr(m, c_u8_p), len(m), None))
        nx, ny, nz = self.dims
        return m.view(bool).reshape(nz, ny, nx)

    def extract(self, points, lower, upper=math.inf, rule=SPHERE):
        """Bool mask of the points ((n, 3) array or a Recon) inside the
        selected sub-cells (rule SPHERE: the reference's distance rule)."""
        if hasattr(points, "mass"):
            cols = [points.x, points.y, points.z]
        else:
            p = carray(points, np.float32, (-1, 3), "points")
            cols = [np.ascontiguousarray(p[:, k]) for k in range(3)]
        keep = np.zeros(len(cols[0]), np.uint8)
        check(_extract(self.ptr, lower, upper, rule, *(ptr(c, c_float_p) for c in cols), len(keep),
                       ptr(keep, c_u8_p), None))
        return keep.view(bool)

    def write_tiff(self, path, label=None):
        check(_tiff(self.ptr, enc(str(path)), enc(label)))

    def write_vtk(self, path, label=None):
        check(_vtk(self.ptr, enc(str(path)), enc(label)))

    def write_vti(self, path, label=None):
        """VTK XML ImageData (.vti) for ParaView (libcsro >= 1.1)."""
        check(_vti(self.ptr, enc(str(path)), enc(label)))

    def set_info(self, info):
        """Attach "key=value" lines written into TIFF descriptions and VTI
        files of this map (libcsro >= 1.1); a dict is formatted as such."""
        if isinstance(info, dict):
            info = "".join("%s=%s\n" % kv for kv in info.items())
        check(_set_info(self.ptr, enc(info)))

    def write_quicklook(self, path):
        check(_quick(self.ptr, enc(str(path))))


def write_tiff_volume(path, data, spacing, label=None):
    """Any (nz, ny, nx) volume as an ImageJ float32 TIFF stack."""
    d = carray(data, np.float32, (-1, -1, -1), "data")
    nz, ny, nx = d.shape
    check(_tiff_volume(enc(str(path)), ptr(d, c_float_p), size3(nx, ny, nz), spacing, enc(label)))


_d_new = fn("csro_domains_new", c_int, c_void_pp, c_u8_p, size3, c_int)
_d_free = fn("csro_domains_free", None, c_void_p)
_d_count = fn("csro_domains_count", c_size_t, c_void_p)
_d_labels = fn("csro_domains_labels", c_i32_p, c_void_p)
_d_sizes = fn("csro_domains_sizes", c_u64_p, c_void_p)
_d_diam = fn("csro_domains_diameters", c_int, c_void_p, c_double, c_double_p, c_size_t)


class Domains(Handle):
    """Connected components (6, 18 or 26 connectivity) of a 3D (nz, ny,
    nx) mask: labels (0 = background, 1..count) and sizes, zero-copy."""

    _free = _d_free

    def __init__(self, mask, connectivity=26):
        m = carray(np.asarray(mask) != 0, np.uint8, (-1, -1, -1), "mask")
        nz, ny, nx = m.shape
        self._shape = m.shape
        out = c_void_p()
        check(_d_new(ctypes.byref(out), ptr(m, c_u8_p), size3(nx, ny, nz), connectivity))
        super().__init__(out.value)

    def __len__(self):
        return _d_count(self.ptr)

    labels = property(lambda self: view(_d_labels(self.ptr), self._shape, np.int32, keeper(self)))
    sizes = property(lambda self: view(_d_sizes(self.ptr), (len(self),), np.uint64, keeper(self)))

    def diameters(self, spacing):
        out = np.zeros(len(self))
        check(_d_diam(self.ptr, spacing, ptr(out, c_double_p), len(out)))
        return out


_summary = fn("csro_stats_summary", c_int, c_double_p, c_double_p, c_double_p, c_double_p, c_double_p, c_size_t)
_hist = fn("csro_stats_histogram", c_int, c_u64_p, c_size_t, c_double, c_double, c_double_p, c_size_t)
_comp = fn("csro_stats_composition", c_int, c_u64_p, c_u64_p, c_size_t, c_i32_p, c_u8_p, c_size_t)
_linfit = fn("csro_stats_linfit", c_int, c_double_p, c_double_p, c_double_p, c_double_p, c_double_p, c_double_p,
             c_size_t)


def _d(v):
    return carray(v, np.float64, (-1,), "values")


def summary(values):
    """(mean, median, min, max) of values (NaN for none)."""
    v = _d(values)
    out = [c_double() for _ in range(4)]
    check(_summary(*(ctypes.byref(o) for o in out), ptr(v, c_double_p), len(v)))
    return tuple(o.value for o in out)


def histogram(values, nbins, lo, hi):
    """Counts in nbins equal bins over [lo, hi) (hi itself in the last bin)."""
    v = _d(values)
    c = np.zeros(nbins, np.uint64)
    check(_hist(ptr(c, c_u64_p), nbins, lo, hi, ptr(v, c_double_p), len(v)))
    return c


def composition(species, inside, nspecies):
    """(counts inside, counts outside) per species index (others skipped)."""
    sp = carray(species, np.int32, (-1,), "species")
    ins = carray(np.asarray(inside) != 0, np.uint8, (len(sp),), "inside")
    a, b = np.zeros(nspecies, np.uint64), np.zeros(nspecies, np.uint64)
    check(_comp(ptr(a, c_u64_p), ptr(b, c_u64_p), nspecies, ptr(sp, c_i32_p), ptr(ins, c_u8_p), len(sp)))
    return a, b


def linfit(x, y):
    """Least squares y = a + b x: (slope, slope standard error, intercept, R^2)."""
    x, y = _d(x), _d(y)
    if len(x) != len(y):
        raise ValueError("linfit: x and y differ in length")
    out = [c_double() for _ in range(4)]
    check(_linfit(*(ctypes.byref(o) for o in out), ptr(x, c_double_p), ptr(y, c_double_p), len(x)))
    return tuple(o.value for o in out)
