"""Reconstructions (csro_recon): POS/EPOS/APT/CSV in, numpy views out."""
import ctypes
import numpy as np
from ._lib import Handle, check, fn, c_float_p

_load = fn("csro_recon_load", ctypes.c_int, ctypes.POINTER(ctypes.c_void_p), ctypes.c_char_p, ctypes.c_void_p)
_from = fn("csro_recon_from_arrays", ctypes.c_int, ctypes.POINTER(ctypes.c_void_p), ctypes.c_size_t,
           c_float_p, c_float_p, c_float_p, c_float_p)
_free = fn("csro_recon_free", None, ctypes.c_void_p)
_count = fn("csro_recon_count", ctypes.c_size_t, ctypes.c_void_p)
_axes = {k: fn("csro_recon_" + k, c_float_p, ctypes.c_void_p) for k in ("x", "y", "z", "mass")}
_bounds = fn("csro_recon_bounds", ctypes.c_int, ctypes.c_void_p, ctypes.c_double * 3, ctypes.c_double * 3)
_save = fn("csro_recon_save", ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int)
_shuffle = fn("csro_recon_shuffle_mass", ctypes.c_int, ctypes.c_void_p, ctypes.c_uint64)
_opts_new = fn("csro_load_opts_new", ctypes.c_void_p)
_opts_free = fn("csro_load_opts_free", None, ctypes.c_void_p)
_opts_fmt = fn("csro_load_opts_set_format", ctypes.c_int, ctypes.c_void_p, ctypes.c_int)
_fmt_from_name = fn("csro_format_from_name", ctypes.c_int, ctypes.c_char_p)


def _f32(a):
    return np.ascontiguousarray(a, dtype=np.float32)


class Recon(Handle):
    """An APT reconstruction. x, y, z (nm) and mass (Da) are zero-copy
    float32 views valid while the Recon is open."""

    _free = _free

    @classmethod
    def load(cls, path, fmt=None):
        opts = None
        if fmt is not None:
            opts = _opts_new()
            code = check(_fmt_from_name(fmt.encode()))
            check(_opts_fmt(opts, code))
        out = ctypes.c_void_p()
        try:
            check(_load(ctypes.byref(out), str(path).encode(), opts))
        finally:
            if opts:
                _opts_free(opts)
        return cls(out.value)

    @classmethod
    def from_arrays(cls, x, y, z, mass):
        x, y, z, m = (_f32(a) for a in (x, y, z, mass))
        if not (len(x) == len(y) == len(z) == len(m)):
            raise ValueError("x, y, z and mass must have the same length")
        out = ctypes.c_void_p()
        check(_from(ctypes.byref(out), len(x), *(a.ctypes.data_as(c_float_p) for a in (x, y, z, m))))
        return cls(out.value)

    def __len__(self):
        return _count(self.ptr)

    def _view(self, axis):
        n = len(self)
        if n == 0:
            return np.zeros(0, np.float32)
        arr = np.ctypeslib.as_array(_axes[axis](self.ptr), shape=(n,))
        arr.flags.writeable = False
        return arr

    x = property(lambda self: self._view("x"))
    y = property(lambda self: self._view("y"))
    z = property(lambda self: self._view("z"))
    mass = property(lambda self: self._view("mass"))

    def bounds(self):
        lo, hi = (ctypes.c_double * 3)(), (ctypes.c_double * 3)()
        check(_bounds(self.ptr, lo, hi))
        return tuple(lo), tuple(hi)

    def save(self, path, fmt=None):
        code = 0 if fmt is None else check(_fmt_from_name(fmt.encode()))
        check(_save(self.ptr, str(path).encode(), code))

    def shuffle_mass(self, seed):
        """Random-label control: permute mass-to-charge among positions."""
        check(_shuffle(self.ptr, seed))
