"""Lattice Monte-Carlo (csro_mc) and simulated APT specimens (csro_aptsim)."""
import ctypes
import numpy as np
from ._lib import Handle, check, fn, c_float_p, lib
from .recon import Recon

FCC, BCC = 0, 1

_mc_new = fn("csro_mc_new", ctypes.c_int, ctypes.POINTER(ctypes.c_void_p), ctypes.c_int, ctypes.c_double,
             ctypes.c_size_t * 3)
_mc_free = fn("csro_mc_free", None, ctypes.c_void_p)
_mc_comp = fn("csro_mc_set_composition", ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p, ctypes.c_uint64)
_mc_int = fn("csro_mc_set_interaction", ctypes.c_int, ctypes.c_void_p, ctypes.c_int, ctypes.c_char_p,
             ctypes.c_char_p, ctypes.c_double)
_mc_run = fn("csro_mc_run", ctypes.c_int, ctypes.c_void_p, ctypes.c_double, ctypes.c_double, ctypes.c_uint64,
             ctypes.c_void_p, ctypes.c_void_p)
_mc_nsites = fn("csro_mc_nsites", ctypes.c_size_t, ctypes.c_void_p)
_mc_nsp = fn("csro_mc_nspecies", ctypes.c_size_t, ctypes.c_void_p)
_mc_name = fn("csro_mc_species_name", ctypes.c_char_p, ctypes.c_void_p, ctypes.c_size_t)
_mc_species = fn("csro_mc_species", ctypes.POINTER(ctypes.c_uint8), ctypes.c_void_p)
_mc_pos = fn("csro_mc_positions", ctypes.c_int, ctypes.c_void_p, c_float_p, c_float_p, c_float_p)
_mc_wc = fn("csro_mc_warren_cowley", ctypes.c_int, ctypes.c_void_p, ctypes.c_int, ctypes.POINTER(ctypes.c_double))
_mc_energy = fn("csro_mc_energy", ctypes.c_double, ctypes.c_void_p)


class MonteCarlo(Handle):
    """Canonical Metropolis swaps with first/second-shell pair interactions."""

    _free = _mc_free

    def __init__(self, composition, cells=(10, 10, 10), lattice=FCC, a=0.356, seed=1):
        out = ctypes.c_void_p()
        check(_mc_new(ctypes.byref(out), lattice, a, (ctypes.c_size_t * 3)(*cells)))
        super().__init__(out.value)
        check(_mc_comp(self.ptr, composition.encode(), seed))

    def set_interaction(self, shell, a, b, mev):
        check(_mc_int(self.ptr, shell, a.encode(), b.encode(), mev))

    def run(self, temperature, sweeps, seed=1):
        check(_mc_run(self.ptr, temperature, sweeps, seed, None, None))

    @property
    def species_names(self):
        return [_mc_name(self.ptr, i).decode() for i in range(_mc_nsp(self.ptr))]

    @property
    def species(self):
        return np.ctypeslib.as_array(_mc_species(self.ptr), shape=(_mc_nsites(self.ptr),))

    @property
    def energy(self):
        return _mc_energy(self.ptr)

    def positions(self):
        n = _mc_nsites(self.ptr)
        xyz = np.zeros((3, n), np.float32)
        check(_mc_pos(self.ptr, *(xyz[k].ctypes.data_as(c_float_p) for k in range(3))))
        return xyz.T

    def warren_cowley(self, shell=1):
        ns = _mc_nsp(self.ptr)
        al = np.zeros((ns, ns))
        check(_mc_wc(self.ptr, shell, al.ctypes.data_as(ctypes.POINTER(ctypes.c_double))))
        return al


_as_new = fn("csro_aptsim_new", ctypes.c_int, ctypes.POINTER(ctypes.c_void_p))
_as_free = fn("csro_aptsim_free", None, ctypes.c_void_p)
_as_box = fn("csro_aptsim_set_box", ctypes.c_int, ctypes.c_void_p, ctypes.c_double, ctypes.c_double, ctypes.c_double)
_as_lat = fn("csro_aptsim_set_lattice", ctypes.c_int, ctypes.c_void_p, ctypes.c_int, ctypes.c_double)
_as_comp = fn("csro_aptsim_set_composition", ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p)
_as_dom = fn("csro_aptsim_set_domains", ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p, ctypes.c_double,
             ctypes.c_double, ctypes.c_double)
_as_det = fn("csro_aptsim_set_detection", ctypes.c_int, ctypes.c_void_p, ctypes.c_double, ctypes.c_double,
             ctypes.c_double)
_as_seed = fn("csro_aptsim_set_seed", ctypes.c_int, ctypes.c_void_p, ctypes.c_uint64)
_as_gen = fn("csro_aptsim_generate", ctypes.c_int, ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p),
             ctypes.POINTER(ctypes.POINTER(ctypes.c_uint8)))
_as_frac = fn("csro_aptsim_domain_fraction", ctypes.c_double, ctypes.c_void_p)


class Specimen(Handle):
    """A simulated APT specimen with planted ordered domains."""

    _free = _as_free

    def __init__(self, box=(20, 20, 20), composition="Co:1,Cr:1,Ni:1", lattice=FCC, a=0.356,
                 domains=None, efficiency=0.5, sigma_xy=0.3, sigma_z=0.03, seed=1):
        out = ctypes.c_void_p()
        check(_as_new(ctypes.byref(out)))
        super().__init__(out.value)
        check(_as_box(self.ptr, *box))
        check(_as_lat(self.ptr, lattice, a))
        check(_as_comp(self.ptr, composition.encode()))
        if domains:
            sp, dmin, dmax, frac = domains
            check(_as_dom(self.ptr, sp.encode(), dmin, dmax, frac))
        check(_as_det(self.ptr, efficiency, sigma_xy, sigma_z))
        check(_as_seed(self.ptr, seed))

    def generate(self):
        """Returns (Recon, truth as a numpy bool array)."""
        r = ctypes.c_void_p()
        t = ctypes.POINTER(ctypes.c_uint8)()
        check(_as_gen(self.ptr, ctypes.byref(r), ctypes.byref(t)))
        rec = Recon(r.value)
        truth = np.ctypeslib.as_array(t, shape=(len(rec),)).astype(bool)
        lib.csro_free(ctypes.cast(t, ctypes.c_void_p))
        return rec, truth

    @property
    def domain_fraction(self):
        return _as_frac(self.ptr)
