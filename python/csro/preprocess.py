"""Preprocessing of z-SDM profiles (csro/preprocess.h): min-max,
Savitzky-Golay, Moody background, the ML-APT "experimental" pipeline."""
import ctypes

import numpy as np

from ._lib import (Handle, check, fn, carray, ptr, c_int, c_size_t, c_void_p, c_float_p, c_double_p, c_u32_p,
                   c_int_p)
from .zsdm import RAW, MINMAX, EXPERIMENTAL, ROW_NODATA, _STATES  # noqa: F401

_o_new = fn("csro_preprocess_opts_new", c_void_p)
_o_free = fn("csro_preprocess_opts_free", None, c_void_p)
_o_savgol = fn("csro_preprocess_opts_set_savgol", c_int, c_void_p, c_int, c_int)
_o_moody = fn("csro_preprocess_opts_set_moody_passes", c_int, c_void_p, c_int)
_minmax = fn("csro_preprocess_minmax", c_int, c_float_p, c_float_p, c_size_t, c_int_p)
_savgol = fn("csro_preprocess_savgol", c_int, c_double_p, c_double_p, c_size_t, c_int, c_int)
_moody = fn("csro_preprocess_moody", c_int, c_void_p, c_double_p, c_double_p, c_size_t, c_int_p)
_exp = fn("csro_preprocess_experimental", c_int, c_float_p, c_float_p, c_size_t, c_int_p)
_rows = fn("csro_preprocess_rows", c_int, c_void_p, c_int, c_float_p, c_float_p, c_size_t, c_size_t, c_u32_p,
           c_int)


class PreprocessOpts(Handle):
    """Savitzky-Golay window/order and Moody pass limit (reference 15, 8, 1001)."""

    _free = _o_free

    def __init__(self, window=None, order=None, moody_passes=None):
        super().__init__(_o_new())
        if window is not None or order is not None:
            check(_o_savgol(self.ptr, 15 if window is None else window, 8 if order is None else order))
        if moody_passes is not None:
            check(_o_moody(self.ptr, moody_passes))


def minmax(profile):
    """(normalised float32 profile, nodata) of one profile."""
    x = carray(profile, np.float32, (-1,), "profile")
    out, nd = np.empty_like(x), c_int()
    check(_minmax(ptr(x, c_float_p), ptr(out, c_float_p), len(x), ctypes.byref(nd)))
    return out, bool(nd.value)


def savgol(y, window=15, order=8):
    """Savitzky-Golay filter with SciPy's mode='interp' edges (float64)."""
    x = carray(y, np.float64, (-1,), "y")
    out = np.empty_like(x)
    check(_savgol(ptr(x, c_double_p), ptr(out, c_double_p), len(x), window, order))
    return out


def moody(smoothed, opts=None):
    """(Moody background (float64), passes done) of a smoothed curve."""
    x = carray(smoothed, np.float64, (-1,), "smoothed")
    out, n = np.empty_like(x), c_int()
    check(_moody(opts.ptr if opts else None, ptr(x, c_double_p), ptr(out, c_double_p), len(x), ctypes.byref(n)))
    return out, n.value


def experimental(profile):
    """(network input, nodata) of one raw profile by the reference pipeline."""
    x = carray(profile, np.float32, (-1,), "profile")
    out, nd = np.empty_like(x), c_int()
    check(_exp(ptr(x, c_float_p), ptr(out, c_float_p), len(x), ctypes.byref(nd)))
    return out, bool(nd.value)


def rows(profiles, state=EXPERIMENTAL, flags=None, opts=None, threads=0, inplace=False):
    """Preprocess (n, nbins) profiles to state MINMAX or EXPERIMENTAL
    ("minmax"/"experimental" accepted). Returns (out, flags): flags gets
    ROW_NODATA set where a row has no data (other bits of the given flags
    kept). inplace=True overwrites profiles (a C-contiguous float32 array)."""
    state = _STATES.get(state, state)
    x = carray(profiles, np.float32, (-1, -1), "profiles")
    if inplace and x is not profiles:
        raise ValueError("inplace needs a C-contiguous float32 array")
    out = x if inplace else np.empty_like(x)
    fl = np.zeros(len(x), np.uint32) if flags is None else np.array(flags, np.uint32)
    check(_rows(opts.ptr if opts else None, state, ptr(x, c_float_p), ptr(out, c_float_p), x.shape[0], x.shape[1],
                ptr(fl, c_u32_p), threads))
    return out, fl
