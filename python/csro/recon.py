"""Reconstructions (csro_recon: POS/EPOS/APT/CSV) and range files
(csro_ranges: RRNG/RNG); coordinates come out as zero-copy numpy views."""
import ctypes

import numpy as np

from ._lib import (Handle, keeper, check, fn, carray, view, ptr, enc, dec, new_handle, c_int, c_size_t, c_double,
                   c_char_p, c_void_p, c_void_pp, c_uint64, c_float_p, c_i32_p, c_int_p, c_u8_p, c_size_p,
                   double3)

POS, EPOS, APT, CSV = 1, 2, 3, 4

_load = fn("csro_recon_load", c_int, c_void_pp, c_char_p, c_void_p)
_from = fn("csro_recon_from_arrays", c_int, c_void_pp, c_size_t, c_float_p, c_float_p, c_float_p, c_float_p)
_free = fn("csro_recon_free", None, c_void_p)
_count = fn("csro_recon_count", c_size_t, c_void_p)
_axes = {k: fn("csro_recon_" + k, c_float_p, c_void_p) for k in ("x", "y", "z", "mass")}
_bounds = fn("csro_recon_bounds", c_int, c_void_p, double3, double3)
_save = fn("csro_recon_save", c_int, c_void_p, c_char_p, c_int)
_shuffle = fn("csro_recon_shuffle_mass", c_int, c_void_p, c_uint64)
_subset = fn("csro_recon_subset", c_int, c_void_pp, c_void_p, c_u8_p)
_nfields = fn("csro_recon_nfields", c_size_t, c_void_p)
_field_name = fn("csro_recon_field_name", c_char_p, c_void_p, c_size_t)
_field_type = fn("csro_recon_field_type", c_int, c_void_p, c_size_t)
_field_width = fn("csro_recon_field_width", c_size_t, c_void_p, c_size_t)
_field_data = fn("csro_recon_field_data", c_void_p, c_void_p, c_size_t)
_opts_new = fn("csro_load_opts_new", c_void_p)
_opts_free = fn("csro_load_opts_free", None, c_void_p)
_opts_fmt = fn("csro_load_opts_set_format", c_int, c_void_p, c_int)
_opts_drop = fn("csro_load_opts_set_drop_nonfinite", c_int, c_void_p, c_int)
_fmt_from_name = fn("csro_format_from_name", c_int, c_char_p)

_FIELD_DTYPES = {1: np.float32, 2: np.int32, 3: np.float64, 4: np.int8, 5: np.uint8, 6: np.int16,
                 7: np.uint16, 8: np.uint32, 9: np.int64, 10: np.uint64}


class Recon(Handle):
    """An APT reconstruction. x, y, z (nm) and mass (Da) are read-only
    zero-copy float32 views of the library's arrays; a view keeps its
    Recon's memory alive even after close() of other references."""

    _free = _free

    @classmethod
    def load(cls, path, fmt=None, drop_nonfinite=False):
        """Load POS/EPOS/APT/CSV ("-" = stdin); fmt "pos", "epos", ... or
        None for the extension."""
        opts = _opts_new()
        try:
            if fmt is not None:
                check(_opts_fmt(opts, check(_fmt_from_name(enc(fmt)))))
            if drop_nonfinite:
                check(_opts_drop(opts, 1))
            return new_handle(cls, _load, enc(str(path)), opts)
        finally:
            _opts_free(opts)

    @classmethod
    def from_arrays(cls, x, y, z, mass):
        """New reconstruction from equal-length arrays (copied by the library)."""
        x, y, z, m = (carray(a, np.float32, (-1,)) for a in (x, y, z, mass))
        if not (len(x) == len(y) == len(z) == len(m)):
            raise ValueError("x, y, z and mass must have the same length")
        return new_handle(cls, _from, len(x), *(ptr(a, c_float_p) for a in (x, y, z, m)))

    def __len__(self):
        return _count(self.ptr)

    def _view(self, axis):
        return view(_axes[axis](self.ptr), (len(self),), np.float32, owner=keeper(self))

    x = property(lambda self: self._view("x"))
    y = property(lambda self: self._view("y"))
    z = property(lambda self: self._view("z"))
    mass = property(lambda self: self._view("mass"))

    @property
    def xyz(self):
        """(n, 3) float32 copy of the positions."""
        return np.stack([self.x, self.y, self.z], axis=1)

    def bounds(self):
        lo, hi = double3(), double3()
        check(_bounds(self.ptr, lo, hi))
        return tuple(lo), tuple(hi)

    @property
    def fields(self):
        """Extra per-ion fields (EPOS tof, vdc, ...; APT sections) as a dict
        of zero-copy numpy views."""
        out = {}
        n = len(self)
        for i in range(_nfields(self.ptr)):
            dt = np.dtype(_FIELD_DTYPES[check(_field_type(self.ptr, i))])
            w = _field_width(self.ptr, i)
            p = ctypes.cast(_field_data(self.ptr, i), ctypes.POINTER(np.ctypeslib.as_ctypes_type(dt)))
            shape = (n,) if w == 1 else (n, w)
            out[dec(_field_name(self.ptr, i))] = view(p, shape, dt, owner=keeper(self))
        return out

    def save(self, path, fmt=None):
        """Write POS/EPOS/APT/CSV atomically (fmt None: by extension)."""
        code = 0 if fmt is None else check(_fmt_from_name(enc(fmt)))
        check(_save(self.ptr, enc(str(path)), code))

    def shuffle_mass(self, seed):
        """Random-label control: permute mass-to-charge among positions."""
        check(_shuffle(self.ptr, seed))

    def subset(self, keep):
        """New Recon with the ions where keep (bool array) is true."""
        k = carray(np.asarray(keep) != 0, np.uint8, (len(self),), "keep")
        return new_handle(Recon, _subset, self.ptr, ptr(k, c_u8_p))


_r_opts_new = fn("csro_ranges_opts_new", c_void_p)
_r_opts_free = fn("csro_ranges_opts_free", None, c_void_p)
_r_first = fn("csro_ranges_opts_set_first_match", c_int, c_void_p, c_int)
_r_load = fn("csro_ranges_load", c_int, c_void_pp, c_char_p, c_void_p)
_r_free = fn("csro_ranges_free", None, c_void_p)
_r_nions = fn("csro_ranges_nions", c_size_t, c_void_p)
_r_ion = fn("csro_ranges_ion_name", c_char_p, c_void_p, c_size_t)
_r_find = fn("csro_ranges_find_ion", c_int, c_void_p, c_char_p)
_r_known = fn("csro_ranges_ion_known", c_int, c_void_p, c_size_t)
_r_nranges = fn("csro_ranges_nranges", c_size_t, c_void_p)
_r_range = fn("csro_ranges_range", c_int, c_void_p, c_size_t, ctypes.POINTER(c_double),
              ctypes.POINTER(c_double), c_size_p)
_r_nel = fn("csro_ranges_nelements", c_size_t, c_void_p)
_r_el = fn("csro_ranges_element", c_char_p, c_void_p, c_size_t)
_r_elcount = fn("csro_ranges_ion_element_count", c_int, c_void_p, c_size_t, c_size_t)
_r_ion_of = fn("csro_ranges_ion_of", c_int, c_void_p, c_double)
_r_assign = fn("csro_ranges_assign", c_int, c_void_p, c_float_p, c_size_t, c_i32_p)
_r_weights = fn("csro_ranges_species_weights", c_int, c_void_p, c_char_p, c_int, c_int_p, c_size_t)

DECOMPOSE = 1


class Ranges(Handle):
    """A range file (RRNG or RNG): ion types, inclusive [lo, hi] windows."""

    _free = _r_free

    @classmethod
    def load(cls, path, first_match=False):
        opts = _r_opts_new()
        try:
            if first_match:
                check(_r_first(opts, 1))
            return new_handle(cls, _r_load, enc(str(path)), opts)
        finally:
            _r_opts_free(opts)

    @property
    def ions(self):
        return [dec(_r_ion(self.ptr, i)) for i in range(_r_nions(self.ptr))]

    @property
    def elements(self):
        return [dec(_r_el(self.ptr, e)) for e in range(_r_nel(self.ptr))]

    def find_ion(self, name):
        return _r_find(self.ptr, enc(name))

    def composition(self, ion):
        """{element: atoms} of one ion type ({} for unknown labels)."""
        if not _r_known(self.ptr, ion):
            return {}
        return {el: c for e, el in enumerate(self.elements) if (c := _r_elcount(self.ptr, ion, e))}

    @property
    def ranges(self):
        """List of (lo, hi, ion index) after merging same-ion overlaps."""
        out = []
        for k in range(_r_nranges(self.ptr)):
            lo, hi, ion = c_double(), c_double(), c_size_t()
            check(_r_range(self.ptr, k, ctypes.byref(lo), ctypes.byref(hi), ctypes.byref(ion)))
            out.append((lo.value, hi.value, ion.value))
        return out

    def ion_of(self, mass):
        return _r_ion_of(self.ptr, mass)

    def assign(self, mass):
        """Ion type index of every mass (int32, -1 = unranged)."""
        m = carray(mass, np.float32, (-1,), "mass")
        out = np.empty(len(m), np.int32)
        check(_r_assign(self.ptr, ptr(m, c_float_p), len(m), ptr(out, c_i32_p)))
        return out

    def weights(self, spec, decompose=False):
        """Atoms of the selected species per ion type (csro_ranges_species_weights)."""
        n = _r_nions(self.ptr)
        w = np.zeros(max(n, 1), np.intc)
        check(_r_weights(self.ptr, enc(spec), DECOMPOSE if decompose else 0, ptr(w, c_int_p), len(w)))
        return w[:n]

    def atoms(self, recon, spec, decompose=False):
        """(n, 3) float32 positions of the atoms of species spec in recon:
        each ion counted as many times as it holds selected atoms."""
        w = self.weights(spec, decompose)
        ion = self.assign(recon.mass)
        per = np.where(ion >= 0, w[np.maximum(ion, 0)], 0) if len(w) else np.zeros(len(ion), int)
        return np.repeat(np.stack([recon.x, recon.y, recon.z], axis=1), per, axis=0)
