"""The learned 3D context stage (csro/context.h): sub-cell P(CSRO) from the
first-stage voxel field of a .prob file, its one-line text form (the
model's map.context text) and the sub-cell truth of simulated specimens."""
import ctypes

import numpy as np

from ._lib import (Handle, check, fn, carray, ptr, enc, new_handle, c_int, c_size_t, c_void_p, c_void_pp,
                   c_float_p, c_u8_p)

_subcells = fn("csro_context_subcells", c_size_t, c_void_p)
_apply = fn("csro_context_apply", c_int, c_void_p, c_void_p, c_float_p, c_float_p, c_float_p, c_size_t, c_int)
_features = fn("csro_context_features", c_int, c_void_p, c_void_p, c_float_p, c_float_p, c_float_p, c_size_t,
               c_int)
_to_text = fn("csro_context_to_text", c_int, c_void_p, ctypes.POINTER(ctypes.c_void_p))
_from_text = fn("csro_context_from_text", c_int, c_void_pp, ctypes.c_char_p)
_free = fn("csro_context_free", None, c_void_p)
_nfeat = fn("csro_context_nfeatures", c_size_t, c_void_p)
_truth = fn("csro_context_truth", c_int, ctypes.POINTER(ctypes.c_int8), c_size_t, c_void_p, c_float_p, c_float_p,
            c_float_p, c_u8_p, c_size_t)
_libc_free = ctypes.CDLL(None).free
_libc_free.argtypes = [c_void_p]


def subcells(grid):
    """Number of sub-cells of grid (csro_probmap order)."""
    return _subcells(grid.ptr)


class Context(Handle):
    """A trained context stage. Context.from_text(model.text("map.context"));
    apply(grid, mean, std) gives one P(CSRO) per sub-cell (NaN = no data)."""

    _free = _free

    @classmethod
    def from_text(cls, text):
        return new_handle(cls, _from_text, enc(text))

    def to_text(self):
        out = ctypes.c_void_p()
        check(_to_text(self.ptr, ctypes.byref(out)))
        try:
            return ctypes.string_at(out.value).decode()
        finally:
            _libc_free(out.value)

    @property
    def nfeatures(self):
        return _nfeat(self.ptr)

    def _fields(self, grid, mean, std):
        n = len(grid)
        m = carray(mean, np.float32, (n,), "mean")
        s = None if std is None else carray(std, np.float32, (n,), "std")
        return m, s

    def apply(self, grid, mean, std=None, threads=0):
        m, s = self._fields(grid, mean, std)
        out = np.empty(subcells(grid), np.float32)
        check(_apply(self.ptr, grid.ptr, ptr(m, c_float_p), ptr(s, c_float_p), ptr(out, c_float_p), len(out),
                     threads))
        return out

    def features(self, grid, mean, std=None, threads=0):
        m, s = self._fields(grid, mean, std)
        n = subcells(grid)
        out = np.empty((n, self.nfeatures), np.float32)
        check(_features(self.ptr, grid.ptr, ptr(m, c_float_p), ptr(s, c_float_p), ptr(out, c_float_p), n,
                        threads))
        return out


def truth(grid, x, y, z, ion_truth):
    """Sub-cell truth (csro-score's rule): 1, 0, or -1 for an empty sub-cell."""
    x, y, z = (carray(a, np.float32, (-1,), "xyz") for a in (x, y, z))
    t = carray(ion_truth, np.uint8, (len(x),), "truth")
    out = np.empty(subcells(grid), np.int8)
    check(_truth(out.ctypes.data_as(ctypes.POINTER(ctypes.c_int8)), len(out), grid.ptr, ptr(x, c_float_p),
                 ptr(y, c_float_p), ptr(z, c_float_p), ptr(t, c_u8_p), len(x)))
    return out
