"""Lattice Monte-Carlo (csro_mc), simulated APT specimens (csro_aptsim)
and simulated pattern banks for training (csro_sim: SimOpts, Crystal,
simulate_bank)."""
import ctypes

import numpy as np

from ._lib import pair as _pair
from ._lib import (PROGRESS, progress_fn, Handle, keeper, check, fn, view, ptr, enc, dec, new_handle, c_int, c_size_t, c_double,
                   c_char_p, c_void_p, c_void_pp, c_uint64, c_float_p, c_i32_p, lib)
from .recon import Recon

FCC, BCC = 0, 1

_mc_new = fn("csro_mc_new", ctypes.c_int, ctypes.POINTER(ctypes.c_void_p), ctypes.c_int, ctypes.c_double,
             ctypes.c_size_t * 3)
_mc_free = fn("csro_mc_free", None, ctypes.c_void_p)
_mc_comp = fn("csro_mc_set_composition", ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p, ctypes.c_uint64)
_mc_int = fn("csro_mc_set_interaction", ctypes.c_int, ctypes.c_void_p, ctypes.c_int, ctypes.c_char_p,
             ctypes.c_char_p, ctypes.c_double)
_mc_run = fn("csro_mc_run", ctypes.c_int, ctypes.c_void_p, ctypes.c_double, ctypes.c_double, ctypes.c_uint64,
             PROGRESS, ctypes.c_void_p)
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

    def run(self, temperature, sweeps, seed=1, progress=None):
        """Metropolis swaps (temperature in K, math.inf allowed)."""
        check(_mc_run(self.ptr, temperature, sweeps, seed, progress_fn(progress, "Monte-Carlo"), None))

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
        try:
            truth = np.ctypeslib.as_array(t, shape=(len(rec),)).astype(bool) if len(rec) else np.zeros(0, bool)
        finally:
            lib.csro_free(ctypes.cast(t, ctypes.c_void_p))
        return rec, truth

    @property
    def domain_fraction(self):
        return _as_frac(self.ptr)

    def write(self, pos_path, truth_path=None):
        """Stream the specimen to a POS file (and a .truth file)."""
        check(_as_write(self.ptr, enc(pos_path), enc(truth_path), None, None))

    def write_ranges(self, path):
        """An RRNG file ranging every isotope peak of the composition."""
        check(_as_ranges(self.ptr, enc(str(path))))


_as_write = fn("csro_aptsim_write", ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p,
               ctypes.c_void_p, ctypes.c_void_p)
_as_ranges = fn("csro_aptsim_write_ranges", ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p)

# ---- simulated pattern banks (csro/sim.h) ----
SIM_FCC, SIM_BCC, SIM_FILE = 1, 2, 3
RANDOM, L12, B2, D03, OCC_FILE = 0, 1, 2, 3, 4
SIGMA_XY, SIGMA_Z, EFFICIENCY = 0, 1, 2
STAGE_IDEAL, STAGE_ORIENTED, STAGE_APT = 0, 1, 2
_MODELS = {"random": RANDOM, "L12": L12, "B2": B2, "D03": D03, "file": OCC_FILE}
_PARAMS = {"sigma_xy": SIGMA_XY, "sigma_z": SIGMA_Z, "efficiency": EFFICIENCY}

_so_new = fn("csro_sim_opts_new", c_void_p)
_so_clone = fn("csro_sim_opts_clone", c_void_p, c_void_p)
_so_free = fn("csro_sim_opts_free", None, c_void_p)
_so_lattice = fn("csro_sim_opts_set_lattice", c_int, c_void_p, c_int, c_double, c_double)
_so_lattice_file = fn("csro_sim_opts_set_lattice_file", c_int, c_void_p, c_char_p, c_double)
_so_types = fn("csro_sim_opts_set_types", c_int, c_void_p, c_char_p)
_so_comp = fn("csro_sim_opts_set_composition", c_int, c_void_p, c_char_p)
_so_order = fn("csro_sim_opts_set_order", c_int, c_void_p, c_int, c_char_p, c_double)
_so_alpha1 = fn("csro_sim_opts_set_alpha1", c_int, c_void_p, c_double)
_so_s = fn("csro_sim_opts_order_s", c_double, c_void_p)
_so_pole = fn("csro_sim_opts_set_pole", c_int, c_void_p, c_double, c_double, c_double)
_so_tilt = fn("csro_sim_opts_set_tilt", c_int, c_void_p, c_double)
_so_sweep = fn("csro_sim_opts_set_sweep", c_int, c_void_p, c_int, c_double, c_double, c_double)
_so_value = fn("csro_sim_opts_set_value", c_int, c_void_p, c_int, c_double)
_so_range = fn("csro_sim_opts_set_range", c_int, c_void_p, c_int, c_double, c_double)
_so_random = fn("csro_sim_opts_set_random", c_int, c_void_p, c_size_t)
_so_repeats = fn("csro_sim_opts_set_repeats", c_int, c_void_p, c_size_t)
_so_pair = fn("csro_sim_opts_set_pair", c_int, c_void_p, c_char_p, c_char_p)
_so_sdm = fn("csro_sim_opts_set_sdm", c_int, c_void_p, c_void_p)
_so_seed = fn("csro_sim_opts_set_seed", c_int, c_void_p, c_uint64, c_uint64)
_so_threads = fn("csro_sim_opts_set_threads", c_int, c_void_p, c_int)
_sim_np = fn("csro_sim_npatterns", c_size_t, c_void_p)
_sim_nbins = fn("csro_sim_nbins", c_size_t, c_void_p)
_sim_nparams = fn("csro_sim_nparams", c_size_t)
_sim_pname = fn("csro_sim_param_name", c_char_p, c_size_t)
_sim_bank = fn("csro_sim_bank", c_int, c_void_p, c_size_t, c_size_t, c_float_p, c_size_t, c_float_p, PROGRESS,
               c_void_p)
_cr_new = fn("csro_sim_crystal_new", c_int, c_void_pp, c_void_p, c_uint64, c_int)
_cr_free = fn("csro_sim_crystal_free", None, c_void_p)
_cr_count = fn("csro_sim_crystal_count", c_size_t, c_void_p)
_cr_axes = {k: fn("csro_sim_crystal_" + k, c_float_p, c_void_p) for k in "xyz"}
_cr_species = fn("csro_sim_crystal_species", c_i32_p, c_void_p)
_cr_nsp = fn("csro_sim_crystal_nspecies", c_size_t, c_void_p)
_cr_spname = fn("csro_sim_crystal_species_name", c_char_p, c_void_p, c_size_t)
_cr_param = fn("csro_sim_crystal_param", c_double, c_void_p, c_size_t)
_cr_alpha1 = fn("csro_sim_crystal_alpha1", c_int, c_void_p, c_char_p, c_char_p, ctypes.POINTER(c_double))


def sim_param_names():
    """Names of the per-pattern parameters csro_sim_bank records."""
    return [dec(_sim_pname(i)) for i in range(_sim_nparams())]


class SimOpts(Handle):
    """One class of simulated patterns (csro_sim_opts). Keywords:
    lattice ("fcc"/"bcc" or a file path), a, size, composition,
    model ("random", "L12", "B2", "D03", "file"), x (ordered species), S,
    alpha1, pole, tilt, sigma_xy/sigma_z/efficiency (a value, a
    (start, stop, step) sweep, or with random=N a (lo, hi) range), random,
    repeats, pair, sdm (SdmOpts), seed, stream_base, threads."""

    _free = _so_free

    def __init__(self, lattice="fcc", a=0.36, size=1.0, composition=None, model="random", x=None, S=1.0,
                 alpha1=None, pole=None, tilt=None, sigma_xy=None, sigma_z=None, efficiency=None, random=0,
                 repeats=None, pair=("Co", "Co"), sdm=None, seed=0, stream_base=0, threads=1, types=None):
        super().__init__(_so_new())
        p = self.ptr
        if lattice in ("fcc", "bcc"):
            check(_so_lattice(p, SIM_FCC if lattice == "fcc" else SIM_BCC, a, size))
        else:
            check(_so_lattice_file(p, enc(str(lattice)), a))
        if types:
            check(_so_types(p, enc(types)))
        if composition:
            check(_so_comp(p, enc(composition)))
        check(_so_order(p, _MODELS.get(model, model), enc(x), S))
        if alpha1 is not None:
            check(_so_alpha1(p, alpha1))
        if pole is not None:
            check(_so_pole(p, *pole))
        if tilt is not None:
            check(_so_tilt(p, tilt))
        if random:
            check(_so_random(p, random))
        for name, spec in (("sigma_xy", sigma_xy), ("sigma_z", sigma_z), ("efficiency", efficiency)):
            if spec is None:
                continue
            k = _PARAMS[name]
            if np.isscalar(spec):
                check(_so_value(p, k, spec))
            elif len(spec) == 3:
                check(_so_sweep(p, k, *spec))
            else:
                check(_so_range(p, k, *spec))
        if repeats:
            check(_so_repeats(p, repeats))
        pa, pb = _pair(pair)
        check(_so_pair(p, enc(pa), enc(pb)))
        if sdm is not None:
            check(_so_sdm(p, sdm.ptr))
        check(_so_seed(p, seed, stream_base))
        check(_so_threads(p, threads))

    def set_seed(self, seed, stream_base=0):
        check(_so_seed(self.ptr, seed, stream_base))

    npatterns = property(lambda self: _sim_np(self.ptr))
    nbins = property(lambda self: _sim_nbins(self.ptr))
    order_s = property(lambda self: _so_s(self.ptr))

    def bank(self, first=0, n=None, progress=None):
        """(profiles (n, nbins) float32 raw pair counts, params (n,
        nparams) float32) of patterns first .. first+n-1."""
        n = self.npatterns - first if n is None else n
        prof = np.zeros((n, self.nbins), np.float32)
        par = np.zeros((n, _sim_nparams()), np.float32)
        check(_sim_bank(self.ptr, first, n, ptr(prof, c_float_p), self.nbins, ptr(par, c_float_p),
                        progress_fn(progress, "bank"), None))
        return prof, par

    def crystal(self, p=0, stage=STAGE_APT):
        return Crystal(self, p, stage)


class Crystal(Handle):
    """One realisation of a SimOpts class: atoms (zero-copy x, y, z),
    species indices and names, parameters, Warren-Cowley alpha_1."""

    _free = _cr_free

    def __init__(self, opts, p=0, stage=STAGE_APT):
        out = c_void_p()
        check(_cr_new(ctypes.byref(out), opts.ptr, p, stage))
        super().__init__(out.value)

    def __len__(self):
        return _cr_count(self.ptr)

    x = property(lambda self: view(_cr_axes["x"](self.ptr), (len(self),), np.float32, keeper(self)))
    y = property(lambda self: view(_cr_axes["y"](self.ptr), (len(self),), np.float32, keeper(self)))
    z = property(lambda self: view(_cr_axes["z"](self.ptr), (len(self),), np.float32, keeper(self)))
    species = property(lambda self: view(_cr_species(self.ptr), (len(self),), np.int32, keeper(self)))

    @property
    def xyz(self):
        return np.stack([self.x, self.y, self.z], axis=1)

    @property
    def species_names(self):
        return [dec(_cr_spname(self.ptr, i)) for i in range(_cr_nsp(self.ptr))]

    def atoms(self, name):
        """(n, 3) positions of the atoms of one species."""
        names = self.species_names
        return self.xyz[self.species == names.index(name)] if name in names else np.zeros((0, 3), np.float32)

    @property
    def params(self):
        return {k: _cr_param(self.ptr, i) for i, k in enumerate(sim_param_names())}

    def alpha1(self, a, b):
        v = c_double()
        check(_cr_alpha1(self.ptr, enc(a), enc(b), ctypes.byref(v)))
        return v.value


def simulate_bank(classes, pair=("Co", "Co"), sdm=None, seed=0, path=None, progress=None, **common):
    """A labelled bank as csro-simulate makes it. classes: list of (name,
    dict of SimOpts keywords for that class); common: SimOpts keywords of
    every class. Class k's patterns use the random streams after those of
    the classes before it. Returns a Zsdm (kind BANK, raw pair counts,
    per-pattern params); with path it is also written as a .zsdm file.
    progress (True or f(fraction)) is passed to each class's bank()."""
    from .zsdm import Meta, Zsdm, BANK, RAW, write_zsdm
    from .spatial import SdmOpts
    sdm = sdm or SdmOpts()
    profs, pars, labels, total = [], [], [], 0
    for k, (name, kw) in enumerate(classes):
        with SimOpts(**dict(common, **kw, pair=pair, sdm=sdm, seed=seed, stream_base=total)) as o:
            prof, par = o.bank(progress=progress)
        profs.append(prof)
        pars.append(par)
        labels.append(np.full(len(prof), k, np.int32))
        total += len(prof)
    meta = Meta(BANK, sdm=sdm, pair=pair, preprocess=RAW, classes=[c[0] for c in classes],
                params=sim_param_names())
    z = Zsdm(meta, np.concatenate(profs), np.arange(total, dtype=np.uint64), np.concatenate(labels),
             np.zeros(total, np.uint32), np.concatenate(pars))
    if path is not None:
        write_zsdm(path, meta, z.profiles, z.index, z.label, z.flags, z.params)
    return z


_truth_load = fn("csro_truth_load", c_int, ctypes.POINTER(ctypes.POINTER(ctypes.c_uint8)), ctypes.POINTER(c_size_t),
                 c_char_p)
_truth_save = fn("csro_truth_save", c_int, ctypes.POINTER(ctypes.c_uint8), c_size_t, c_char_p)


def load_truth(path):
    """Per-ion truth of a .truth file (apt-simulate --truth) as a bool array."""
    t, n = ctypes.POINTER(ctypes.c_uint8)(), c_size_t()
    check(_truth_load(ctypes.byref(t), ctypes.byref(n), enc(str(path))))
    try:
        return np.ctypeslib.as_array(t, shape=(n.value,)).astype(bool) if n.value else np.zeros(0, bool)
    finally:
        lib.csro_free(ctypes.cast(t, c_void_p))


def save_truth(path, truth):
    t = np.ascontiguousarray(np.asarray(truth) != 0, np.uint8)
    check(_truth_save(t.ctypes.data_as(ctypes.POINTER(ctypes.c_uint8)), len(t), enc(str(path))))
