"""The .zsdm file (csro/zsdm.h: voxel z-SDMs or a labelled pattern bank)
and the .prob file (csro/prob.h: class probabilities per voxel).

read_zsdm()/read_prob() read whole files into numpy arrays (the library
writes the rows straight into the arrays); ZsdmReader iterates in chunks
in bounded memory; write_zsdm()/ZsdmWriter and write_prob() write them
(atomically: nothing is left on failure)."""
import ctypes
from collections import namedtuple

import numpy as np

from ._lib import pair as _pair
from ._lib import (Handle, keeper, check, fn, carray, ptr, enc, dec, c_int, c_size_t, c_double, c_char_p, c_void_p,
                   c_void_pp, c_float_p, c_u64_p, c_u32_p, c_i32_p, c_size_p, c_double_p)
from .spatial import Grid, SdmOpts

VOXELS, BANK = 1, 2
RAW, MINMAX, EXPERIMENTAL = 0, 1, 2
ROW_NODATA = 1
_STATES = {"raw": RAW, "minmax": MINMAX, "experimental": EXPERIMENTAL}

_m_new = fn("csro_zsdm_meta_new", c_void_p, c_int)
_m_clone = fn("csro_zsdm_meta_clone", c_void_p, c_void_p)
_m_free = fn("csro_zsdm_meta_free", None, c_void_p)
_m_set_sdm = fn("csro_zsdm_meta_set_sdm", c_int, c_void_p, c_void_p)
_m_set_pair = fn("csro_zsdm_meta_set_pair", c_int, c_void_p, c_char_p, c_char_p)
_m_set_grid = fn("csro_zsdm_meta_set_grid", c_int, c_void_p, c_void_p)
_m_set_pre = fn("csro_zsdm_meta_set_preprocess", c_int, c_void_p, c_int)
_m_add_class = fn("csro_zsdm_meta_add_class", c_int, c_void_p, c_char_p)
_m_add_param = fn("csro_zsdm_meta_add_param", c_int, c_void_p, c_char_p)
_m_set_text = fn("csro_zsdm_meta_set_text", c_int, c_void_p, c_char_p, c_char_p)
_m_kind = fn("csro_zsdm_meta_kind", c_int, c_void_p)
_m_nbins = fn("csro_zsdm_meta_nbins", c_size_t, c_void_p)
_m_left = fn("csro_zsdm_meta_bin_left", c_double, c_void_p, c_size_t)
_m_width = fn("csro_zsdm_meta_bin_width", c_double, c_void_p)
_m_radius = fn("csro_zsdm_meta_radius", c_double, c_void_p)
_m_sdm = fn("csro_zsdm_meta_sdm_opts", c_void_p, c_void_p)
_m_pair = fn("csro_zsdm_meta_pair", c_char_p, c_void_p, c_int)
_m_grid = fn("csro_zsdm_meta_grid", c_void_p, c_void_p)
_m_pre = fn("csro_zsdm_meta_preprocess", c_int, c_void_p)
_m_ncl = fn("csro_zsdm_meta_nclasses", c_size_t, c_void_p)
_m_cl = fn("csro_zsdm_meta_class", c_char_p, c_void_p, c_size_t)
_m_npar = fn("csro_zsdm_meta_nparams", c_size_t, c_void_p)
_m_par = fn("csro_zsdm_meta_param", c_char_p, c_void_p, c_size_t)
_m_text = fn("csro_zsdm_meta_text", c_char_p, c_void_p, c_char_p)
_m_ntexts = fn("csro_zsdm_meta_ntexts", c_size_t, c_void_p)
_m_text_key = fn("csro_zsdm_meta_text_key", c_char_p, c_void_p, c_size_t)
_m_same = fn("csro_zsdm_meta_same_bins", c_int, c_void_p, c_void_p)


class Meta(Handle):
    """Metadata of a .zsdm/.prob file: kind, bins, species pair, grid,
    preprocessing state, class and parameter names, provenance texts."""

    _free = _m_free

    def __init__(self, kind=VOXELS, sdm=None, pair=None, grid=None, preprocess=RAW, classes=(),
                 params=(), texts=None):
        super().__init__(_m_new(kind))
        if sdm is not None:
            check(_m_set_sdm(self.ptr, sdm.ptr))
        if pair is not None:
            pa, pb = _pair(pair)
            check(_m_set_pair(self.ptr, enc(pa), enc(pb)))
        if grid is not None:
            check(_m_set_grid(self.ptr, grid.ptr))
        check(_m_set_pre(self.ptr, _STATES.get(preprocess, preprocess)))
        for c in classes:
            self.add_class(c)
        for p in params:
            check(_m_add_param(self.ptr, enc(p)))
        for k, v in (texts or {}).items():
            self.set_text(k, v)

    @classmethod
    def copy_of(cls, p):
        """A Python-owned clone of the metadata at C pointer p."""
        if not p:
            raise ValueError("Meta.copy_of: NULL metadata")
        m = cls.__new__(cls)
        Handle.__init__(m, _m_clone(p))
        return m

    def clone(self):
        return Meta.copy_of(self.ptr)

    def add_class(self, name):
        return check(_m_add_class(self.ptr, enc(name)))

    def set_text(self, key, value):
        check(_m_set_text(self.ptr, enc(key), enc(value)))

    def set_preprocess(self, state):
        check(_m_set_pre(self.ptr, _STATES.get(state, state)))

    kind = property(lambda self: _m_kind(self.ptr))
    nbins = property(lambda self: _m_nbins(self.ptr))
    bin_width = property(lambda self: _m_width(self.ptr))
    radius = property(lambda self: _m_radius(self.ptr))
    preprocess = property(lambda self: _m_pre(self.ptr))

    @property
    def bin_left(self):
        return np.array([_m_left(self.ptr, i) for i in range(self.nbins)])

    @property
    def pair(self):
        a, b = _m_pair(self.ptr, 0), _m_pair(self.ptr, 1)
        return None if a is None else (dec(a), dec(b))

    @property
    def grid(self):
        """The grid (a Grid borrowing this metadata's memory) or None."""
        g = _m_grid(self.ptr)
        return Grid._borrow(g, keeper(self)) if g else None

    def sdm_opts(self):
        p = _m_sdm(self.ptr)
        return SdmOpts._adopt(p) if p else None

    @property
    def classes(self):
        return [dec(_m_cl(self.ptr, i)) for i in range(_m_ncl(self.ptr))]

    @property
    def params(self):
        return [dec(_m_par(self.ptr, i)) for i in range(_m_npar(self.ptr))]

    def text(self, key):
        return dec(_m_text(self.ptr, enc(key)))

    @property
    def texts(self):
        keys = [dec(_m_text_key(self.ptr, i)) for i in range(_m_ntexts(self.ptr))]
        return {k: self.text(k) for k in keys}

    def same_bins(self, other):
        """Raise CsroError(EMISMATCH) naming the difference if the bins differ."""
        check(_m_same(self.ptr, other.ptr))


Zsdm = namedtuple("Zsdm", "meta profiles index label flags params")
Zsdm.__doc__ = """Rows of a .zsdm file: meta (Meta), profiles (n, nbins)
float32, index (n,) uint64, label (n,) int32 (-1 unlabelled), flags (n,)
uint32 (ROW_NODATA), params (n, nparams) float32."""
Prob = namedtuple("Prob", "meta index flags mean std")
Prob.__doc__ = """Rows of a .prob file: meta (Meta with the model's
classes), index (n,) uint64, flags (n,) uint32, mean and std (n, nclasses)
float32."""

_r_open = fn("csro_zsdm_reader_open", c_int, c_void_pp, c_char_p)
_r_meta = fn("csro_zsdm_reader_meta", c_void_p, c_void_p)
_r_read = fn("csro_zsdm_reader_read", c_int, c_void_p, c_size_t, c_float_p, c_u64_p, c_i32_p, c_u32_p,
             c_float_p, c_size_p)
_r_close = fn("csro_zsdm_reader_close", None, c_void_p)
_w_open = fn("csro_zsdm_writer_open", c_int, c_void_pp, c_char_p, c_void_p)
_w_write = fn("csro_zsdm_writer_write", c_int, c_void_p, c_size_t, c_float_p, c_u64_p, c_i32_p, c_u32_p,
              c_float_p)
_w_close = fn("csro_zsdm_writer_close", c_int, c_void_p)
_w_abort = fn("csro_zsdm_writer_abort", None, c_void_p)


def _arrays(meta, rows):
    nb, npar = meta.nbins, len(meta.params)
    return (np.empty((rows, nb), np.float32), np.empty(rows, np.uint64), np.empty(rows, np.int32),
            np.empty(rows, np.uint32), np.empty((rows, npar), np.float32))


class ZsdmReader(Handle):
    """Streaming .zsdm reader ("-" = stdin); iterate to get Zsdm chunks."""

    _free = _r_close

    def __init__(self, path, chunk=65536):
        out = c_void_p()
        check(_r_open(ctypes.byref(out), enc(str(path))))
        super().__init__(out.value)
        self.meta = Meta.copy_of(_r_meta(self.ptr))
        self.chunk = chunk

    def read_into(self, profiles, index, label, flags, params):
        """Read up to len(index) rows into the given arrays (in place);
        returns the number read, 0 at the verified end of file."""
        n = c_size_t()
        check(_r_read(self.ptr, len(index), ptr(profiles, c_float_p), ptr(index, c_u64_p), ptr(label, c_i32_p),
                      ptr(flags, c_u32_p), ptr(params, c_float_p), ctypes.byref(n)))
        return n.value

    def __iter__(self):
        while True:
            arr = _arrays(self.meta, self.chunk)
            n = self.read_into(*arr)
            if n == 0:
                return
            yield Zsdm(self.meta, *(a[:n] for a in arr))

    def read_all(self):
        """All remaining rows; arrays grow in place (no per-chunk copies)."""
        cap, n = self.chunk, 0
        arr = list(_arrays(self.meta, cap))
        while True:
            if n == cap:
                cap *= 2
                for a in arr:
                    a.resize((cap,) + a.shape[1:], refcheck=False)
            got = self.read_into(*(a[n:] for a in arr))
            if got == 0:
                break
            n += got
        for a in arr:
            a.resize((n,) + a.shape[1:], refcheck=False)
        return Zsdm(self.meta, *arr)


def read_zsdm(path):
    """Read a whole .zsdm file ("-" = stdin) into a Zsdm of numpy arrays."""
    with ZsdmReader(path) as r:
        return r.read_all()


class ZsdmWriter(Handle):
    """Streaming .zsdm writer ("-" = stdout). The file appears on close();
    leaving a with block by an exception discards it."""

    _free = _w_abort

    def __init__(self, path, meta):
        out = c_void_p()
        check(_w_open(ctypes.byref(out), enc(str(path)), meta.ptr))
        super().__init__(out.value)
        self.nbins, self.nparams = meta.nbins, len(meta.params)

    def write(self, profiles, index=None, label=None, flags=None, params=None):
        prof = carray(profiles, np.float32, (-1, self.nbins), "profiles")
        n = len(prof)
        idx = None if index is None else carray(index, np.uint64, (n,), "index")
        lab = None if label is None else carray(label, np.int32, (n,), "label")
        fl = None if flags is None else carray(flags, np.uint32, (n,), "flags")
        par = None if params is None else carray(params, np.float32, (n, self.nparams), "params")
        check(_w_write(self.ptr, n, ptr(prof, c_float_p), ptr(idx, c_u64_p), ptr(lab, c_i32_p),
                       ptr(fl, c_u32_p), ptr(par, c_float_p)))

    def commit(self):
        p, self._ptr = self.ptr, None
        self._mem.p = None  # the writer is freed by close whatever happens
        self._mem = None
        check(_w_close(p))

    def __exit__(self, etype, *exc):
        if etype is None and self._ptr:
            self.commit()
        else:
            self.close()


def write_zsdm(path, meta, profiles, index=None, label=None, flags=None, params=None):
    """Write a .zsdm file from arrays (see ZsdmWriter.write)."""
    with ZsdmWriter(path, meta) as w:
        w.write(profiles, index, label, flags, params)


_p_open = fn("csro_prob_reader_open", c_int, c_void_pp, c_char_p)
_p_meta = fn("csro_prob_reader_meta", c_void_p, c_void_p)
_p_read = fn("csro_prob_reader_read", c_int, c_void_p, c_size_t, c_u64_p, c_u32_p, c_float_p, c_float_p,
             c_size_p)
_p_close = fn("csro_prob_reader_close", None, c_void_p)
_pw_open = fn("csro_prob_writer_open", c_int, c_void_pp, c_char_p, c_void_p)
_pw_write = fn("csro_prob_writer_write", c_int, c_void_p, c_size_t, c_u64_p, c_u32_p, c_float_p, c_float_p)
_pw_close = fn("csro_prob_writer_close", c_int, c_void_p)
_pw_abort = fn("csro_prob_writer_abort", None, c_void_p)


class _ProbReader(Handle):
    _free = _p_close


def read_prob(path, chunk=65536):
    """Read a whole .prob file ("-" = stdin) into a Prob of numpy arrays."""
    out = c_void_p()
    check(_p_open(ctypes.byref(out), enc(str(path))))
    with _ProbReader(out.value) as r:
        meta = Meta.copy_of(_p_meta(r.ptr))
        nc = len(meta.classes)
        cap, n = chunk, 0
        arr = [np.empty(cap, np.uint64), np.empty(cap, np.uint32), np.empty((cap, nc), np.float32),
               np.empty((cap, nc), np.float32)]
        while True:
            if n == cap:
                cap *= 2
                for a in arr:
                    a.resize((cap,) + a.shape[1:], refcheck=False)
            got = c_size_t()
            idx, fl, mean, sd = (a[n:] for a in arr)
            check(_p_read(r.ptr, cap - n, ptr(idx, c_u64_p), ptr(fl, c_u32_p), ptr(mean, c_float_p),
                          ptr(sd, c_float_p), ctypes.byref(got)))
            if got.value == 0:
                break
            n += got.value
        for a in arr:
            a.resize((n,) + a.shape[1:], refcheck=False)
    return Prob(meta, *arr)


def write_prob(path, meta, index, mean, std, flags=None):
    """Write a .prob file; meta must name the classes (mean/std columns)."""
    nc = len(meta.classes)
    mean = carray(mean, np.float32, (-1, nc), "mean")
    n = len(mean)
    std = carray(std, np.float32, (n, nc), "std")
    idx = carray(index, np.uint64, (n,), "index")
    fl = None if flags is None else carray(flags, np.uint32, (n,), "flags")
    out = c_void_p()
    check(_pw_open(ctypes.byref(out), enc(str(path)), meta.ptr))
    rc = _pw_write(out.value, n, ptr(idx, c_u64_p), ptr(fl, c_u32_p), ptr(mean, c_float_p), ptr(std, c_float_p))
    if rc < 0:
        _pw_abort(out.value)
        check(rc)
    check(_pw_close(out.value))
