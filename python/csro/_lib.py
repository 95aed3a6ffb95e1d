"""Loading libcsro and turning its error codes into exceptions."""
import ctypes
import ctypes.util
import os

c_float_p = ctypes.POINTER(ctypes.c_float)
c_double_p = ctypes.POINTER(ctypes.c_double)
c_void_pp = ctypes.POINTER(ctypes.c_void_p)


class CsroError(RuntimeError):
    """A libcsro call failed; the message is csro_last_error()."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


def _find():
    env = os.environ.get("CSRO_LIBRARY")
    if env:
        return env
    here = os.path.dirname(os.path.abspath(__file__))
    for cand in (os.path.join(here, "..", "..", "build", "libcsro.so.1"),):
        if os.path.exists(cand):
            return os.path.abspath(cand)
    found = ctypes.util.find_library("csro")
    if found:
        return found
    raise OSError("libcsro not found: set CSRO_LIBRARY to the path of libcsro.so.1")


lib = ctypes.CDLL(_find())
lib.csro_version.restype = ctypes.c_char_p
lib.csro_last_error.restype = ctypes.c_char_p
lib.csro_strerror.restype = ctypes.c_char_p
lib.csro_strerror.argtypes = [ctypes.c_int]
lib.csro_free.argtypes = [ctypes.c_void_p]


def check(rc):
    """Raise CsroError for a negative return code."""
    if rc < 0:
        msg = lib.csro_last_error().decode(errors="replace") or lib.csro_strerror(rc).decode()
        raise CsroError(rc, msg)
    return rc


def fn(name, restype, *argtypes):
    """Declare a C function's signature once and return it."""
    f = getattr(lib, name)
    f.restype = restype
    f.argtypes = list(argtypes)
    return f


def version():
    return lib.csro_version().decode()


class Handle:
    """Base of the handle wrappers: owns a C pointer, frees it once; usable
    as a context manager."""

    _free = None

    def __init__(self, ptr):
        self._ptr = ptr

    @property
    def ptr(self):
        if not self._ptr:
            raise ValueError("handle already closed")
        return self._ptr

    def close(self):
        if self._ptr and self._free is not None:
            type(self)._free(self._ptr)
        self._ptr = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass
