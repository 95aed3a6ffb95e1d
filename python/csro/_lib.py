"""Loading libcsro, declaring C signatures, errors and handle ownership.

The library is found through, in this order: $CSRO_LIBRARY (a path); the
library directory recorded when the package was installed by `make
install` (csro/_install.py); the source tree's build/libcsro.so.1 (when the
package is used from a checkout); pkg-config (`pkg-config --variable=libdir
csro`); the system linker path (ctypes.util.find_library). The package sets
OPENBLAS_NUM_THREADS=1 (csro/__init__.py) before this module loads NumPy or
the library, unless it is set already. Functions absent from the loaded library
(an older libcsro) raise CsroError(CSRO_EUNSUPPORTED) when called; has()
tells in advance.
"""
import ctypes
import ctypes.util
import os
import subprocess
import sys

import numpy as np

c_int, c_size_t, c_double, c_float = ctypes.c_int, ctypes.c_size_t, ctypes.c_double, ctypes.c_float
c_char_p, c_void_p, c_uint64 = ctypes.c_char_p, ctypes.c_void_p, ctypes.c_uint64
P = ctypes.POINTER
c_float_p, c_double_p = P(c_float), P(c_double)
c_u8_p, c_i32_p, c_u32_p, c_u64_p = P(ctypes.c_uint8), P(ctypes.c_int32), P(ctypes.c_uint32), P(c_uint64)
c_size_p, c_int_p = P(c_size_t), P(c_int)
c_void_pp = P(c_void_p)
size3, double3 = c_size_t * 3, c_double * 3

# Error codes of csro/common.h.
ENOMEM, EIO, EFORMAT, EINVAL, ECHECKSUM, EUNSUPPORTED, EMISMATCH, ENOTFOUND, ECANCELED = range(-1, -10, -1)


class CsroError(RuntimeError):
    """A libcsro call failed. str(e) is csro_last_error() (which names the
    file and what is wrong); e.code is the negative CSRO_E* code."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


def _candidates():
    """(where, path) pairs in search order (see the module docstring)."""
    env = os.environ.get("CSRO_LIBRARY")
    if env:
        yield "CSRO_LIBRARY", env
        return
    try:
        from ._install import LIBDIR
    except ImportError:
        LIBDIR = None
    if LIBDIR:
        yield "install prefix", os.path.join(LIBDIR, "libcsro.so.1")
    here = os.path.dirname(os.path.abspath(__file__))
    yield "source tree", os.path.abspath(os.path.join(here, "..", "..", "build", "libcsro.so.1"))
    try:
        out = subprocess.run(["pkg-config", "--variable=libdir", "csro"], capture_output=True, text=True,
                             timeout=10)
        if out.returncode == 0 and out.stdout.strip():
            yield "pkg-config", os.path.join(out.stdout.strip(), "libcsro.so.1")
    except (OSError, subprocess.SubprocessError):
        pass
    found = ctypes.util.find_library("csro")
    if found:
        yield "system path", found


def _find():
    tried = []
    for where, cand in _candidates():
        if where in ("CSRO_LIBRARY", "system path") or os.path.exists(cand):
            return cand
        tried.append("%s (%s)" % (cand, where))
    raise OSError("libcsro not found (tried %s): set CSRO_LIBRARY to the path of libcsro.so.1"
                  % (", ".join(tried) or "the system path"))

path = _find()
lib = ctypes.CDLL(path)
lib.csro_version.restype = c_char_p
lib.csro_last_error.restype = c_char_p
lib.csro_strerror.restype = c_char_p
lib.csro_strerror.argtypes = [c_int]
lib.csro_free.argtypes = [c_void_p]
lib.csro_free.restype = None


def check(rc):
    """Raise CsroError for a negative return code; return rc otherwise."""
    if rc < 0:
        msg = lib.csro_last_error().decode(errors="replace") or lib.csro_strerror(rc).decode()
        raise CsroError(rc, msg)
    return rc


def has(*names):
    """True when the loaded library exports every named function."""
    return all(hasattr(lib, n) for n in names)


def fn(name, restype, *argtypes):
    """Declare a C function's signature once and return it. A function the
    loaded library lacks becomes a stub raising CsroError on call."""
    try:
        f = getattr(lib, name)
    except AttributeError:
        def missing(*_a, **_k):
            raise CsroError(EUNSUPPORTED, "%s: not exported by %s" % (name, path))
        missing.__name__ = name
        return missing
    f.restype = restype
    f.argtypes = list(argtypes)
    return f


PROGRESS = ctypes.CFUNCTYPE(c_int, c_double, c_void_p)


class _Bar:
    """progress=True: a tqdm bar when tqdm is installed (Debian
    python3-tqdm), otherwise a percentage on standard error. Finished when
    the call returns (the callback holding it is released)."""

    def __init__(self, desc):
        try:
            from tqdm import tqdm
            self.tq = tqdm(total=100, desc=desc, unit="%", leave=False)
        except ImportError:
            self.tq = None
        self.desc, self.last = desc, -1

    def __call__(self, fraction):
        pct = int(max(0.0, min(1.0, fraction)) * 100)
        if pct > self.last:
            if self.tq is not None:
                self.tq.update(pct - max(self.last, 0))
            else:
                sys.stderr.write("\r%s: %3d%%" % (self.desc, pct))
                sys.stderr.flush()
            self.last = pct
        return 0

    def __del__(self):
        if self.last < 0:
            return
        if self.tq is not None:
            self.tq.update(100 - self.last)
            self.tq.refresh()  # show 100% even when the call took less than tqdm's refresh interval
            self.tq.close()
        else:
            sys.stderr.write("\r%s: 100%%\n" % self.desc)


def progress_fn(callback, desc="csro"):
    """csro_progress_fn from a Python callable f(fraction) (None or False:
    NULL; True: a progress bar, see _Bar). A true return value, or an
    exception (e.g. KeyboardInterrupt), cancels the operation: it then
    fails with CsroError(ECANCELED)."""
    if callback is None or callback is False:
        return PROGRESS()  # NULL
    if callback is True:
        callback = _Bar(desc)

    def cb(fraction, _user):
        try:
            return 1 if callback(fraction) else 0
        except BaseException:
            return 1
    return PROGRESS(cb)


def pair(p):
    """A species pair as a tuple (A, B) from 'A-B' or a 2-sequence."""
    if isinstance(p, (str, bytes)):
        t = p.decode() if isinstance(p, bytes) else p
        a, sep, b = t.partition("-")
        if not (sep and a and b):
            raise ValueError("pair %r: expected 'A-B' (e.g. 'Ni-Ni') or a tuple ('Ni', 'Ni')" % (t,))
        return a, b
    try:
        a, b = p
    except (TypeError, ValueError):
        raise ValueError("pair %r: expected 'A-B' (e.g. 'Ni-Ni') or a tuple ('Ni', 'Ni')" % (p,)) from None
    return a, b


def version():
    """Run-time version string of the loaded library, e.g. "1.1.0"."""
    return lib.csro_version().decode()


def enc(s):
    """str (or path-like) -> bytes for const char * (None stays NULL)."""
    return None if s is None else os.fsencode(s) if not isinstance(s, bytes) else s


def dec(b):
    return None if b is None else b.decode(errors="replace")


def ptr(a, ctype):
    """Pointer to the data of a contiguous numpy array (None -> NULL)."""
    return None if a is None else a.ctypes.data_as(ctype)


def carray(a, dtype, shape=None, name="array"):
    """a as a C-contiguous numpy array of dtype: no copy when it already is
    one. shape (tuple, -1 wildcard) is checked when given."""
    out = np.ascontiguousarray(a, dtype=dtype)
    if shape is not None:
        if out.ndim != len(shape) or any(s not in (-1, d) for s, d in zip(shape, out.shape)):
            raise ValueError("%s: shape %s, expected %s" % (name, out.shape, shape))
    return out


def view(p, shape, dtype=np.float32, owner=None, writeable=False):
    """Zero-copy numpy view of the C memory at pointer p (a ctypes pointer
    of dtype's C type) with shape. The view references owner (the handle
    whose C memory it is) so the memory lives as long as any view of it."""
    shape = tuple(int(s) for s in shape)
    n = int(np.prod(shape))
    if n == 0 or not p:
        return np.zeros(shape, dtype)
    ctype = np.ctypeslib.as_ctypes_type(np.dtype(dtype))
    buf = ctypes.cast(p, ctypes.POINTER(ctype * n)).contents
    buf._csro_owner = owner  # arr.base (memoryview) -> buf -> owner
    arr = np.ctypeslib.as_array(buf).reshape(shape)
    arr.flags.writeable = writeable
    return arr


class _Mem:
    """Owns one C pointer and frees it when the last reference goes: held
    by the Handle and by every zero-copy view of memory inside it, so
    views stay valid after the Handle is closed."""

    __slots__ = ("p", "free", "__weakref__")

    def __init__(self, p, free):
        self.p, self.free = p, free

    def __del__(self):
        if self.p and self.free is not None:
            self.free(self.p)
        self.p = None


class Handle:
    """Base of the handle wrappers: owns a C pointer, released by close(),
    at the end of a with block, or by garbage collection. Subclasses set
    _free to the C free function. Zero-copy numpy views made from a handle
    keep its C memory alive, so they stay valid after close(). A handle
    made with owner=X borrows C memory owned by X (keeps X alive, never
    frees)."""

    _free = None

    def __init__(self, p, owner=None):
        if isinstance(p, bool) or not isinstance(p, (int, type(None))) or (p is not None and p <= 0):
            name = type(self).__name__
            hint = ("; to open a file use %s.load(path)" % name) if hasattr(type(self), "load") else ""
            raise TypeError("%s(): %r is not a libcsro handle (the constructor wraps a C pointer made by "
                            "the library)%s" % (name, p, hint))
        if not p:
            raise CsroError(ENOMEM, "%s: out of memory" % type(self).__name__)
        self._ptr = p
        self._mem = owner if owner is not None else _Mem(p, type(self)._free)

    @property
    def ptr(self):
        if not getattr(self, "_ptr", None):
            raise ValueError("%s: handle already closed" % type(self).__name__)
        return self._ptr

    @property
    def _as_parameter_(self):
        return self.ptr

    def close(self):
        """Release the handle (the C object is freed once no view uses it)."""
        self._ptr = None
        self._mem = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def new_handle(cls, create, *args):
    """Call create(&out, *args), check it and wrap out in cls."""
    out = c_void_p()
    check(create(ctypes.byref(out), *args))
    obj = cls.__new__(cls)
    Handle.__init__(obj, out.value)
    return obj


def keeper(h):
    """The object a view of h's memory must keep alive."""
    return h._mem
