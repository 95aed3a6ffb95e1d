/* csro/common.h: version, export macro, error codes, progress callbacks.
 *
 * Every libcsro function that can fail returns int: 0 on success or a
 * negative CSRO_E* code. csro_strerror() names the code; csro_last_error()
 * returns a detailed message ("recon.pos: size 1000 is not a multiple of 16
 * bytes") kept in thread-local storage: it is the only mutable global state
 * of the library and is valid until the next failing call on the same thread.
 */
#ifndef CSRO_COMMON_H
#define CSRO_COMMON_H

#include <stddef.h>
#include <stdint.h>

#define CSRO_VERSION_MAJOR 1
#define CSRO_VERSION_MINOR 1
#define CSRO_VERSION_PATCH 0
#define CSRO_VERSION_STRING "1.1.0"

#if defined(_WIN32)
#  define CSRO_API __declspec(dllexport)
#elif defined(__GNUC__)
#  define CSRO_API __attribute__((visibility("default")))
#else
#  define CSRO_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Error codes (always negative; 0 means success). */
enum {
    CSRO_OK = 0,
    CSRO_ENOMEM = -1,       /* out of memory */
    CSRO_EIO = -2,          /* read/write/open failure */
    CSRO_EFORMAT = -3,      /* malformed or truncated input */
    CSRO_EINVAL = -4,       /* invalid argument or parameter */
    CSRO_ECHECKSUM = -5,    /* checksum mismatch: corrupted file */
    CSRO_EUNSUPPORTED = -6, /* valid but unsupported content or version */
    CSRO_EMISMATCH = -7,    /* inputs that do not fit together */
    CSRO_ENOTFOUND = -8,    /* a named item (species, section, field) is absent */
    CSRO_ECANCELED = -9     /* a progress callback asked to stop */
};

/* Run-time version string, e.g. "1.1.0". Thread-safe. */
CSRO_API const char *csro_version(void);

/* Static description of an error code. Thread-safe. */
CSRO_API const char *csro_strerror(int code);

/* Detailed message of the last failure on the calling thread ("" if none).
 * The pointer stays valid until the next libcsro call on this thread. */
CSRO_API const char *csro_last_error(void);

/* Progress callback: fraction in [0, 1]; return non-zero to cancel, the
 * operation then fails with CSRO_ECANCELED. May be called from the thread
 * that started the operation only. */
typedef int (*csro_progress_fn)(double fraction, void *user);

/* Free memory that a libcsro function documents as caller-owned
 * (allocated by the library). NULL is a no-op. */
CSRO_API void csro_free(void *p);

#ifdef __cplusplus
}
#endif
#endif
