/* error.c: error codes, thread-local error text, version. */
#include "internal.h"
#include <errno.h>
#include <stdlib.h>

/* The only mutable global state of libcsro: per-thread error text. */
static _Thread_local char cs_errbuf[1024];

const char *csro_version(void) { return CSRO_VERSION_STRING; }

const char *csro_strerror(int code)
{
    switch (code) {
    case CSRO_OK: return "success";
    case CSRO_ENOMEM: return "out of memory";
    case CSRO_EIO: return "input/output error";
    case CSRO_EFORMAT: return "malformed or truncated input";
    case CSRO_EINVAL: return "invalid argument";
    case CSRO_ECHECKSUM: return "checksum mismatch";
    case CSRO_EUNSUPPORTED: return "unsupported content";
    case CSRO_EMISMATCH: return "inputs do not match";
    case CSRO_ENOTFOUND: return "not found";
    case CSRO_ECANCELED: return "canceled";
    default: return "unknown error";
    }
}

const char *csro_last_error(void) { return cs_errbuf; }

void cs_err_clear(void) { cs_errbuf[0] = 0; }

int cs_err(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cs_errbuf, sizeof cs_errbuf, fmt, ap);
    va_end(ap);
    return code;
}

int cs_err_errno(int code, const char *fmt, ...)
{
    int e = errno;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(cs_errbuf, sizeof cs_errbuf, fmt, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n < sizeof cs_errbuf)
        snprintf(cs_errbuf + n, sizeof cs_errbuf - (size_t)n, ": %s", strerror(e));
    return code;
}

void csro_free(void *p) { free(p); }
