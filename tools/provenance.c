/* tools/provenance.c: see provenance.h. */
#include "provenance.h"
#include "common.h"
#include "base/fileio.h" /* the library's atomic writer */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <zlib.h>

typedef struct { char *section, *key, *value; } entry;

struct tool_prov {
    entry *e;
    size_t n, cap, ninputs;
};

static char *xstrdup(const char *s)
{
    char *d = strdup(s ? s : "");
    if (!d) tool_die(TOOL_EDATA, "out of memory");
    return d;
}

static void add(tool_prov *p, const char *section, const char *key, const char *value)
{
    if (p->n == p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 32;
        entry *e = realloc(p->e, cap * sizeof *e);
        if (!e) tool_die(TOOL_EDATA, "out of memory");
        p->e = e;
        p->cap = cap;
    }
    char *v = xstrdup(value);
    for (char *c = v; *c; c++)
        if (*c == '\n' || *c == '\r' || *c == '\t') *c = ' ';
    p->e[p->n++] = (entry){xstrdup(section), xstrdup(key), v};
}

static char *vfmt(const char *fmt, va_list ap)
{
    char *s;
    if (vasprintf(&s, fmt, ap) < 0) tool_die(TOOL_EDATA, "out of memory");
    return s;
}

/* an argument as the shell would need it */
static void quote_arg(char *out, size_t *k, const char *a)
{
    int plain = *a != 0;
    for (const char *c = a; *c; c++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%", *c)) plain = 0;
    if (plain) { strcpy(out + *k, a); *k += strlen(a); return; }
    out[(*k)++] = '\'';
    for (const char *c = a; *c; c++) {
        if (*c == '\'') { memcpy(out + *k, "'\\''", 4); *k += 4; }
        else out[(*k)++] = *c;
    }
    out[(*k)++] = '\'';
}

tool_prov *prov_new(int argc, char **argv)
{
    tool_prov *p = calloc(1, sizeof *p);
    if (!p) tool_die(TOOL_EDATA, "out of memory");
    size_t len = 1;
    for (int i = 0; i < argc; i++) len += 4 * strlen(argv[i]) + 3;
    char *cmd = malloc(len), ts[32];
    if (!cmd) tool_die(TOOL_EDATA, "out of memory");
    size_t k = 0;
    for (int i = 0; i < argc; i++) {
        if (i) cmd[k++] = ' ';
        quote_arg(cmd, &k, argv[i]);
    }
    cmd[k] = 0;
    /* SOURCE_DATE_EPOCH (reproducible outputs) or now, UTC */
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    time_t t = sde && *sde ? (time_t)strtoll(sde, NULL, 10) : time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
    add(p, "program", "program", tool_name());
    add(p, "program", "version", CSRO_VERSION_STRING);
    add(p, "program", "library_version", csro_version());
    add(p, "program", "command_line", cmd);
    add(p, "program", "timestamp", ts);
    free(cmd);
    return p;
}

void prov_free(tool_prov *p)
{
    if (!p) return;
    for (size_t i = 0; i < p->n; i++) {
        free(p->e[i].section);
        free(p->e[i].key);
        free(p->e[i].value);
    }
    free(p->e);
    free(p);
}

tool_prov *prov_copy(const tool_prov *p)
{
    tool_prov *c = calloc(1, sizeof *c);
    if (!c) tool_die(TOOL_EDATA, "out of memory");
    for (size_t i = 0; i < p->n; i++) add(c, p->e[i].section, p->e[i].key, p->e[i].value);
    c->ninputs = p->ninputs;
    return c;
}

static void vadd(tool_prov *p, const char *section, const char *key, const char *fmt, va_list ap)
{
    char *v = vfmt(fmt, ap);
    add(p, section, key, v);
    free(v);
}

void prov_param(tool_prov *p, const char *key, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vadd(p, "parameters", key, fmt, ap);
    va_end(ap);
}

void prov_model(tool_prov *p, const char *key, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vadd(p, "model", key, fmt, ap);
    va_end(ap);
}

const char *prov_input(tool_prov *p, const char *role, const char *path)
{
    char key[64], val[64];
    size_t n = ++p->ninputs;
    snprintf(key, sizeof key, "%zu.role", n);
    add(p, "inputs", key, role);
    snprintf(key, sizeof key, "%zu.file", n);
    add(p, "inputs", key, strcmp(path, "-") ? path : "(standard input)");
    struct stat st;
    /* stdin, FIFOs and devices are read once, by the tool: no checksum */
    if (!strcmp(path, "-") || (stat(path, &st) == 0 && !S_ISREG(st.st_mode))) return NULL;
    FILE *f = fopen(path, "rb");
    if (!f) tool_die(TOOL_EDATA, "%s: %s; check the path", path, strerror(errno));
    static const size_t bufsize = 1 << 20;
    unsigned char *buf = malloc(bufsize);
    if (!buf) tool_die(TOOL_EDATA, "out of memory");
    uLong crc = crc32(0L, Z_NULL, 0);
    unsigned long long size = 0;
    size_t got;
    while ((got = fread(buf, 1, bufsize, f)) > 0) {
        crc = crc32(crc, buf, (uInt)got);
        size += got;
    }
    int bad = ferror(f);
    fclose(f);
    free(buf);
    if (bad) tool_die(TOOL_EDATA, "%s: read error; check the file", path);
    snprintf(key, sizeof key, "%zu.size", n);
    snprintf(val, sizeof val, "%llu", size);
    add(p, "inputs", key, val);
    snprintf(key, sizeof key, "%zu.crc32", n);
    snprintf(val, sizeof val, "%08lx", (unsigned long)crc);
    add(p, "inputs", key, val);
    return p->e[p->n - 1].value;
}

size_t prov_count(const tool_prov *p) { return p->n; }

void prov_entry(const tool_prov *p, size_t i, const char **section, const char **key, const char **value)
{
    *section = p->e[i].section;
    *key = p->e[i].key;
    *value = p->e[i].value;
}

static const char *text_prefix(const char *section)
{
    if (!strcmp(section, "parameters")) return "parameter.";
    if (!strcmp(section, "inputs")) return "input.";
    if (!strcmp(section, "model")) return "model.";
    return "";
}

char *prov_text(const tool_prov *p)
{
    size_t len = 1;
    for (size_t i = 0; i < p->n; i++)
        len += strlen(p->e[i].key) + strlen(p->e[i].value) + 16;
    char *s = malloc(len);
    if (!s) tool_die(TOOL_EDATA, "out of memory");
    size_t k = 0;
    for (size_t i = 0; i < p->n; i++)
        k += (size_t)snprintf(s + k, len - k, "%s%s=%s\n", text_prefix(p->e[i].section), p->e[i].key,
                              p->e[i].value);
    s[k] = 0;
    return s;
}

void prov_json(const tool_prov *p, tool_json *j)
{
    tool_json_object(j, "provenance");
    for (size_t i = 0; i < p->n; i++)
        if (!strcmp(p->e[i].section, "program")) tool_json_str(j, p->e[i].key, p->e[i].value);
    static const char *const secs[3] = {"parameters", "inputs", "model"};
    for (int s = 0; s < 3; s++) {
        int input = s == 1, opened = 0;
        size_t cur = 0;
        for (size_t i = 0; i < p->n; i++) {
            const entry *e = &p->e[i];
            if (strcmp(e->section, secs[s])) continue;
            if (!opened) {
                if (input) tool_json_array(j, secs[s]);
                else tool_json_object(j, secs[s]);
                opened = 1;
            }
            if (!input) { tool_json_str(j, e->key, e->value); continue; }
            char *dot;
            size_t n = strtoul(e->key, &dot, 10);
            if (n != cur) {
                if (cur) tool_json_close(j);
                tool_json_object(j, NULL);
                tool_json_inline(j);
                cur = n;
            }
            if (!strcmp(dot + 1, "size")) tool_json_int(j, dot + 1, strtoll(e->value, NULL, 10));
            else tool_json_str(j, dot + 1, e->value);
        }
        if (opened && input && cur) tool_json_close(j);
        if (opened) tool_json_close(j);
    }
    tool_json_close(j);
}

void prov_comments(const tool_prov *p, FILE *fp)
{
    for (size_t i = 0; i < p->n; i++)
        fprintf(fp, "# %s%s=%s\n", text_prefix(p->e[i].section), p->e[i].key, p->e[i].value);
}

void prov_rows(const tool_prov *p, FILE *fp)
{
    for (size_t i = 0; i < p->n; i++)
        fprintf(fp, "provenance.%s%s\t%s\n", text_prefix(p->e[i].section), p->e[i].key, p->e[i].value);
}

void prov_prepend(const tool_prov *p, const char *path)
{
    struct stat st;
    if (!strcmp(path, "-") || stat(path, &st) != 0 || !S_ISREG(st.st_mode)) return;
    FILE *in = fopen(path, "rb");
    cs_out *o;
    if (!in) tool_die(TOOL_EDATA, "%s: %s", path, strerror(errno));
    if (cs_out_open(&o, path)) tool_fail(CSRO_EIO);
    FILE *fp = cs_out_fp(o);
    prov_comments(p, fp);
    char buf[1 << 16];
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, in)) > 0)
        if (fwrite(buf, 1, got, fp) != got) break;
    int bad = ferror(in);
    fclose(in);
    if (bad) { cs_out_abort(o); tool_die(TOOL_EDATA, "%s: read error", path); }
    if (cs_out_commit(o)) tool_fail(CSRO_EIO);
}

void prov_texts(const tool_prov *p, csro_zsdm_meta *m)
{
    for (size_t i = 0; i < p->n; i++) {
        char key[256];
        snprintf(key, sizeof key, "%s.%s%s", tool_name(), text_prefix(p->e[i].section), p->e[i].key);
        int rc = csro_zsdm_meta_set_text(m, key, p->e[i].value);
        if (rc) tool_fail(rc);
    }
}

void prov_prob_model(tool_prov *p, const char *prob)
{
    if (!strcmp(prob, "-")) return;
    csro_prob_reader *r;
    int rc = csro_prob_reader_open(&r, prob);
    if (rc) tool_fail(rc);
    const csro_zsdm_meta *m = csro_prob_reader_meta(r);
    static const char pre[] = "csro-classify.model.";
    size_t found = 0;
    for (size_t i = 0; i < csro_zsdm_meta_ntexts(m); i++) {
        const char *k = csro_zsdm_meta_text_key(m, i);
        if (strncmp(k, pre, sizeof pre - 1)) continue;
        add(p, "model", k + sizeof pre - 1, csro_zsdm_meta_text(m, k));
        found++;
    }
    const char *old = csro_zsdm_meta_text(m, "classify_model");
    if (!found && old) add(p, "model", "file", old);
    csro_prob_reader_close(r);
}
