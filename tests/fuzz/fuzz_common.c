/* fuzz_common.c: temp file, container fixer, libFuzzer entry point and the
 * plain replay driver (see fuzz.h). */
#include "fuzz.h"
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

static char tmp_path[64];

static void tmp_cleanup(void)
{
    if (tmp_path[0]) unlink(tmp_path);
}

const char *fuzz_file(const uint8_t *data, size_t size)
{
    if (!tmp_path[0]) {
        snprintf(tmp_path, sizeof tmp_path, "/tmp/csro-fuzz-XXXXXX");
        int fd = mkstemp(tmp_path);
        if (fd < 0) { perror("fuzz: mkstemp"); abort(); }
        close(fd);
        atexit(tmp_cleanup);
    }
    FILE *fp = fopen(tmp_path, "wb");
    if (!fp || (size && fwrite(data, 1, size, fp) != size) || fclose(fp)) { perror("fuzz: write"); abort(); }
    return tmp_path;
}

static uint32_t rd32(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
static void wr32(uint8_t *p, uint32_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24); }

uint8_t *fuzz_fix_container(const uint8_t *data, size_t size, const char magic[8], size_t *out_size)
{
    size_t n = size < 16 ? 16 : size;
    uint8_t *b = calloc(n, 1), *raw = malloc(1u << 20);
    if (!b || !raw) abort();
    memcpy(b, data, size);
    memcpy(b, magic, 8);
    *out_size = n;
    size_t hl = rd32(b + 12);
    if (16 + hl + 4 > n) { free(raw); return b; }
    wr32(b + 16 + hl, (uint32_t)crc32(0L, b + 16, (uInt)hl));
    size_t off = 16 + hl + 4;
    uLong all = crc32(0L, Z_NULL, 0);
    uint64_t total = 0;
    while (off + 12 <= n) {
        uint32_t rl = rd32(b + off), cl = rd32(b + off + 4);
        if (rl == 0 && cl == 0) { /* end record */
            if (off + 20 <= n) {
                wr32(b + off + 8, (uint32_t)all);
                for (int i = 0; i < 8; i++) b[off + 12 + i] = (uint8_t)(total >> (8 * i));
            }
            break;
        }
        if (cl > n - off - 12 || rl > (1u << 20)) break;
        uLongf dl = 1u << 20;
        if (uncompress(raw, &dl, b + off + 12, cl) != Z_OK) break;
        wr32(b + off, (uint32_t)dl);
        uint32_t c = (uint32_t)crc32(0L, raw, (uInt)dl);
        wr32(b + off + 8, c);
        all = crc32_combine(all, c, (z_off_t)dl);
        total += dl;
        off += 12 + cl;
    }
    free(raw);
    return b;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_target(data, size);
    return 0;
}

#ifdef FUZZ_DRIVER
/* Replay FILE or DIR arguments. A file named refuse-* must be refused
 * with a format error (not accepted, not out of memory); every input must
 * finish within 20 s. Outside ASan the address space may grow by only
 * 256 MiB, so that an allocation bomb shows as CSRO_ENOMEM. */
static int replay(const char *path, int *nfail)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) { fprintf(stderr, "fuzz: %s: %s\n", path, strerror(errno)); (*nfail)++; return 0; }
    uint8_t *d = NULL;
    size_t n = 0, cap = 0, got;
    uint8_t buf[65536];
    while ((got = fread(buf, 1, sizeof buf, fp)) > 0) {
        if (n + got > cap) { cap = 2 * (n + got); d = realloc(d, cap); if (!d) abort(); }
        memcpy(d + n, buf, got);
        n += got;
    }
    fclose(fp);
    alarm(20);
    int rc = fuzz_target(d ? d : buf, n);
    alarm(0);
    free(d);
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    if (getenv("FUZZ_VERBOSE")) printf("%s: %d %s\n", path, rc, rc ? csro_last_error() : "accepted");
    if (!strncmp(base, "refuse-", 7) && (rc == 0 || rc == CSRO_ENOMEM)) {
        fprintf(stderr, "fuzz: %s: %s (must be refused as malformed)\n", path,
                rc ? csro_last_error() : "accepted");
        (*nfail)++;
    }
    return 1;
}

int main(int argc, char **argv)
{
#if !defined(__SANITIZE_ADDRESS__)
    FILE *fp = fopen("/proc/self/statm", "r");
    unsigned long pages = 0;
    if (fp) { if (fscanf(fp, "%lu", &pages) != 1) pages = 0; fclose(fp); }
    if (pages) {
        struct rlimit rl;
        getrlimit(RLIMIT_AS, &rl);
        rl.rlim_cur = (rlim_t)pages * (rlim_t)sysconf(_SC_PAGESIZE) + ((rlim_t)256 << 20);
        setrlimit(RLIMIT_AS, &rl);
    }
#endif
    int nrun = 0, nfail = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st)) { fprintf(stderr, "fuzz: %s: %s\n", argv[i], strerror(errno)); nfail++; continue; }
        if (!S_ISDIR(st.st_mode)) { nrun += replay(argv[i], &nfail); continue; }
        DIR *dir = opendir(argv[i]);
        struct dirent *e;
        while (dir && (e = readdir(dir))) {
            if (e->d_name[0] == '.') continue;
            char p[4096];
            snprintf(p, sizeof p, "%s/%s", argv[i], e->d_name);
            nrun += replay(p, &nfail);
        }
        if (dir) closedir(dir);
    }
    printf("%s: %d inputs replayed, %d failed\n", argv[0], nrun, nfail);
    return nfail ? 1 : 0;
}
#endif
