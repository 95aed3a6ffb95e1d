/* tools/nexus.c: see nexus.h. */
#include "nexus.h"
#include "common.h"
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int nx_wanted(const char *path)
{
    static const char *ext[] = {".h5", ".hdf5", ".nxs"};
    size_t n = path ? strlen(path) : 0;
    for (int i = 0; i < 3; i++) {
        size_t e = strlen(ext[i]);
        if (n > e && !strcasecmp(path + n - e, ext[i])) return 1;
    }
    return 0;
}

#ifndef CSRO_HAVE_HDF5

void nx_check_output(const char *opt, const char *path)
{
    (void)path;
    tool_usage_error("%s: HDF5/NeXus output needs the tools built with libhdf5 (install libhdf5-dev, rebuild)", opt);
}
nx_file *nx_create(const char *path, const tool_prov *prov, const char *title, const char *default_data)
{
    (void)prov; (void)title; (void)default_data;
    tool_die(TOOL_EDATA, "%s: built without HDF5", path);
}
#define NX_UNREACHABLE abort()
void nx_commit(nx_file *f) { (void)f; NX_UNREACHABLE; }
void nx_volume(nx_file *f, const char *g, const char *s, const float *d, const size_t dims[3], const double o[3],
               double sp, const char *u, const char *l)
{ (void)f; (void)g; (void)s; (void)d; (void)dims; (void)o; (void)sp; (void)u; (void)l; NX_UNREACHABLE; }
void nx_volume_add(nx_file *f, const char *g, const char *n, const float *d, const uint8_t *u8, const char *u,
                   const char *l)
{ (void)f; (void)g; (void)n; (void)d; (void)u8; (void)u; (void)l; NX_UNREACHABLE; }
void nx_group(nx_file *f, const char *p, const char *c) { (void)f; (void)p; (void)c; NX_UNREACHABLE; }
void nx_f64(nx_file *f, const char *p, const double *v, int r, const size_t *d, const char *u)
{ (void)f; (void)p; (void)v; (void)r; (void)d; (void)u; NX_UNREACHABLE; }
void nx_f32(nx_file *f, const char *p, const float *v, int r, const size_t *d, const char *u)
{ (void)f; (void)p; (void)v; (void)r; (void)d; (void)u; NX_UNREACHABLE; }
void nx_u64(nx_file *f, const char *p, const uint64_t *v, size_t n, const char *u)
{ (void)f; (void)p; (void)v; (void)n; (void)u; NX_UNREACHABLE; }
void nx_u8(nx_file *f, const char *p, const uint8_t *v, int r, const size_t *d)
{ (void)f; (void)p; (void)v; (void)r; (void)d; NX_UNREACHABLE; }
void nx_scalar(nx_file *f, const char *p, double v, const char *u) { (void)f; (void)p; (void)v; (void)u; NX_UNREACHABLE; }
void nx_string(nx_file *f, const char *p, const char *s) { (void)f; (void)p; (void)s; NX_UNREACHABLE; }
void nx_strings(nx_file *f, const char *p, const char *const *s, size_t n)
{ (void)f; (void)p; (void)s; (void)n; NX_UNREACHABLE; }
void nx_attr(nx_file *f, const char *p, const char *n, const char *v) { (void)f; (void)p; (void)n; (void)v; NX_UNREACHABLE; }
void nx_attr_strings(nx_file *f, const char *p, const char *n, const char *const *v, size_t k)
{ (void)f; (void)p; (void)n; (void)v; (void)k; NX_UNREACHABLE; }
void nx_attr_int(nx_file *f, const char *p, const char *n, long v) { (void)f; (void)p; (void)n; (void)v; NX_UNREACHABLE; }

#else
#include <hdf5.h>

enum { NX_MAXAUX = 8 };

struct nx_file {
    hid_t file;
    const char *path;   /* the output as the user named it */
    /* the last nx_volume: its group, shape and auxiliary signals */
    char vgroup[128];
    size_t vdims[3];
    char aux[NX_MAXAUX][64];
    int naux;
};

void nx_check_output(const char *opt, const char *path)
{
    if (path && !strcmp(path, "-"))
        tool_usage_error("%s: HDF5 cannot be written to standard output; give a file name", opt);
}

_Noreturn static void nx_fail(nx_file *f, const char *what, const char *obj)
{
    if (f->file >= 0) H5Fclose(f->file);
    tool_die(TOOL_EDATA, "%s: HDF5: cannot write %s%s%s; check the path and free space", f->path, what,
             obj ? " " : "", obj ? obj : "");
}

static void full(char *out, size_t size, const char *path)
{
    snprintf(out, size, "/entry%s%s", path && *path ? "/" : "", path ? path : "");
}

static hid_t str_type(void)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    return t;
}

static void attr_raw(nx_file *f, hid_t obj, const char *name, hid_t type, hid_t space, const void *buf)
{
    if (H5Aexists(obj, name) > 0) H5Adelete(obj, name);
    hid_t a = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
    herr_t rc = a < 0 ? -1 : H5Awrite(a, type, buf);
    if (a >= 0) H5Aclose(a);
    if (rc < 0) nx_fail(f, "attribute", name);
}

static void attr_on(nx_file *f, const char *abs, const char *name, hid_t type, hid_t space, const void *buf)
{
    hid_t o = H5Oopen(f->file, abs, H5P_DEFAULT);
    if (o < 0) nx_fail(f, "object", abs);
    attr_raw(f, o, name, type, space, buf);
    H5Oclose(o);
}

static void attr_str_abs(nx_file *f, const char *abs, const char *name, const char *value)
{
    hid_t t = str_type(), s = H5Screate(H5S_SCALAR);
    attr_on(f, abs, name, t, s, &value);
    H5Sclose(s);
    H5Tclose(t);
}

void nx_attr(nx_file *f, const char *path, const char *name, const char *value)
{
    char abs[512];
    full(abs, sizeof abs, path);
    attr_str_abs(f, abs, name, value);
}

void nx_attr_strings(nx_file *f, const char *path, const char *name, const char *const *v, size_t n)
{
    char abs[512];
    full(abs, sizeof abs, path);
    hsize_t d = n;
    hid_t t = str_type(), s = H5Screate_simple(1, &d, NULL);
    attr_on(f, abs, name, t, s, v);
    H5Sclose(s);
    H5Tclose(t);
}

void nx_attr_int(nx_file *f, const char *path, const char *name, long v)
{
    char abs[512];
    full(abs, sizeof abs, path);
    hid_t s = H5Screate(H5S_SCALAR);
    long long x = v;
    attr_on(f, abs, name, H5T_NATIVE_LLONG, s, &x);
    H5Sclose(s);
}

static void group_abs(nx_file *f, const char *abs, const char *nxclass)
{
    hid_t g = H5Gcreate2(f->file, abs, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0) nx_fail(f, "group", abs);
    H5Gclose(g);
    if (nxclass) attr_str_abs(f, abs, "NX_class", nxclass);
}

void nx_group(nx_file *f, const char *path, const char *nxclass)
{
    char abs[512];
    full(abs, sizeof abs, path);
    group_abs(f, abs, nxclass);
}

/* a dataset of rank <= 4; arrays above 4096 values are chunked (<= 1 MiB)
 * and deflate-compressed */
static void dataset(nx_file *f, const char *path, hid_t type, size_t esize, const void *v, int rank,
                    const size_t *dims, const char *units)
{
    char abs[512];
    full(abs, sizeof abs, path);
    hsize_t d[4], c[4], total = 1;
    for (int i = 0; i < rank; i++) { d[i] = c[i] = dims[i]; total *= dims[i]; }
    hid_t sp = rank ? H5Screate_simple(rank, d, NULL) : H5Screate(H5S_SCALAR);
    hid_t pl = H5Pcreate(H5P_DATASET_CREATE);
    if (rank && total > 4096) {
        hsize_t bytes = total * esize;
        for (int i = 0; i < rank && bytes > (1u << 20); i++) {
            hsize_t keep = c[i] * (1u << 20) / bytes;
            if (keep < 1) keep = 1;
            bytes = bytes / c[i] * keep;
            c[i] = keep;
        }
        H5Pset_chunk(pl, rank, c);
        H5Pset_deflate(pl, 4);
    }
    hid_t ds = H5Dcreate2(f->file, abs, type, sp, H5P_DEFAULT, pl, H5P_DEFAULT);
    herr_t rc = ds < 0 ? -1 : total ? H5Dwrite(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) : 0;
    if (ds >= 0) H5Dclose(ds);
    H5Pclose(pl);
    H5Sclose(sp);
    if (rc < 0) nx_fail(f, "dataset", abs);
    if (units && *units) attr_str_abs(f, abs, "units", units);
}

void nx_f64(nx_file *f, const char *path, const double *v, int rank, const size_t *dims, const char *units)
{
    dataset(f, path, H5T_NATIVE_DOUBLE, 8, v, rank, dims, units);
}

void nx_f32(nx_file *f, const char *path, const float *v, int rank, const size_t *dims, const char *units)
{
    dataset(f, path, H5T_NATIVE_FLOAT, 4, v, rank, dims, units);
}

void nx_u64(nx_file *f, const char *path, const uint64_t *v, size_t n, const char *units)
{
    dataset(f, path, H5T_NATIVE_UINT64, 8, v, 1, &n, units);
}

void nx_u8(nx_file *f, const char *path, const uint8_t *v, int rank, const size_t *dims)
{
    dataset(f, path, H5T_NATIVE_UINT8, 1, v, rank, dims, NULL);
}

void nx_scalar(nx_file *f, const char *path, double v, const char *units)
{
    dataset(f, path, H5T_NATIVE_DOUBLE, 8, &v, 0, NULL, units);
}

/* a scalar or 1D (n values) UTF-8 string dataset */
static void strings(nx_file *f, const char *path, const char *const *s, size_t n, int scalar)
{
    char abs[512];
    full(abs, sizeof abs, path);
    hsize_t d = n;
    hid_t t = str_type(), sp = scalar ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &d, NULL);
    hid_t ds = H5Dcreate2(f->file, abs, t, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    herr_t rc = ds < 0 ? -1 : (scalar || n) ? H5Dwrite(ds, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, s) : 0;
    if (ds >= 0) H5Dclose(ds);
    H5Sclose(sp);
    H5Tclose(t);
    if (rc < 0) nx_fail(f, "dataset", abs);
}

void nx_strings(nx_file *f, const char *path, const char *const *s, size_t n) { strings(f, path, s, n, 0); }

void nx_string(nx_file *f, const char *path, const char *s) { strings(f, path, &s, 1, 1); }

/* the provenance record as NXprocess */
static void write_process(nx_file *f, const tool_prov *p)
{
    nx_group(f, "process", "NXprocess");
    nx_group(f, "process/program", "NXprogram");
    nx_group(f, "process/library", "NXprogram");
    nx_group(f, "process/parameters", "NXparameters");
    nx_group(f, "process/model", "NXcollection");
    nx_string(f, "process/library/program", "libcsro");
    nx_attr(f, "process/library/program", "version", csro_version());
    size_t cur = 0;
    char path[256];
    for (size_t i = 0; i < prov_count(p); i++) {
        const char *sec, *key, *val;
        prov_entry(p, i, &sec, &key, &val);
        if (!strcmp(sec, "program")) {
            if (!strcmp(key, "program")) nx_string(f, "process/program/program", val);
            else if (!strcmp(key, "version")) nx_attr(f, "process/program/program", "version", val);
            else if (!strcmp(key, "timestamp")) nx_string(f, "process/date", val);
            else if (!strcmp(key, "command_line")) nx_string(f, "process/command_line", val);
        } else if (!strcmp(sec, "inputs")) {
            char *dot;
            size_t n = strtoul(key, &dot, 10);
            if (n != cur) {
                snprintf(path, sizeof path, "process/input_%zu", n);
                nx_group(f, path, "NXnote");
                cur = n;
            }
            const char *k = dot + 1;
            snprintf(path, sizeof path, "process/input_%zu/%s", n,
                     !strcmp(k, "file") ? "file_name" : !strcmp(k, "crc32") ? "checksum" : k);
            if (!strcmp(k, "size")) {
                uint64_t sz = strtoull(val, NULL, 10);
                dataset(f, path, H5T_NATIVE_UINT64, 8, &sz, 0, NULL, "byte");
            } else {
                nx_string(f, path, val);
                if (!strcmp(k, "crc32")) nx_attr(f, path, "algorithm", "crc32");
            }
        } else {
            snprintf(path, sizeof path, "process/%s/%s", !strcmp(sec, "model") ? "model" : "parameters", key);
            for (char *c = path + 8; *c; c++)
                if (!isalnum((unsigned char)*c) && !strchr("_-./", *c)) *c = '_';
            nx_string(f, path, val);
        }
    }
    /* the whole record once more as JSON, for people and scripts */
    char *json = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&json, &len);
    if (!m) tool_die(TOOL_EDATA, "out of memory");
    tool_json j;
    tool_json_begin(&j, m);
    prov_json(p, &j);
    tool_json_end(&j);
    fclose(m);
    nx_string(f, "process/provenance", json);
    nx_attr(f, "process/provenance", "format", "JSON");
    free(json);
}

nx_file *nx_create(const char *path, const tool_prov *prov, const char *title, const char *default_data)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    nx_file *f = calloc(1, sizeof *f);
    if (!f) tool_die(TOOL_EDATA, "out of memory");
    f->path = path;
    /* the tools' atomic writer: a temporary beside path, renamed by tool_commit */
    f->file = H5Fcreate(tool_out_lib(path), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (f->file < 0) nx_fail(f, "file", NULL);
    const char *sec, *key, *val, *when = "", *prog = tool_name();
    for (size_t i = 0; i < prov_count(prov); i++) {
        prov_entry(prov, i, &sec, &key, &val);
        if (!strcmp(sec, "program") && !strcmp(key, "timestamp")) when = val;
    }
    const char *base = strrchr(path, '/');
    char creator[128];
    snprintf(creator, sizeof creator, "%s (libcsro %s)", prog, csro_version());
    attr_str_abs(f, "/", "default", "entry");
    attr_str_abs(f, "/", "creator", creator);
    attr_str_abs(f, "/", "file_name", base ? base + 1 : path);
    attr_str_abs(f, "/", "file_time", when);
    char hv[32];
    unsigned maj, min, rel;
    H5get_libversion(&maj, &min, &rel);
    snprintf(hv, sizeof hv, "%u.%u.%u", maj, min, rel);
    attr_str_abs(f, "/", "HDF5_Version", hv);
    group_abs(f, "/entry", "NXentry");
    if (default_data) nx_attr(f, "", "default", default_data);
    nx_string(f, "title", title);
    nx_string(f, "start_time", when);
    nx_string(f, "program_name", prog);
    nx_attr(f, "program_name", "version", CSRO_VERSION_STRING);
    write_process(f, prov);
    return f;
}

void nx_commit(nx_file *f)
{
    herr_t rc = H5Fclose(f->file);
    f->file = -1;
    if (rc < 0) nx_fail(f, "file", NULL);
    free(f);
}

static void axes_attrs(nx_file *f)
{
    static const char *const axes[3] = {"z", "y", "x"};
    nx_attr_strings(f, f->vgroup, "axes", axes, 3);
    nx_attr_int(f, f->vgroup, "z_indices", 0);
    nx_attr_int(f, f->vgroup, "y_indices", 1);
    nx_attr_int(f, f->vgroup, "x_indices", 2);
}

void nx_volume(nx_file *f, const char *group, const char *signal, const float *data, const size_t dims[3],
               const double origin[3], double spacing, const char *units, const char *long_name)
{
    snprintf(f->vgroup, sizeof f->vgroup, "%s", group);
    memcpy(f->vdims, dims, sizeof f->vdims);
    f->naux = 0;
    nx_group(f, group, "NXdata");
    char p[256];
    size_t hd[3] = {dims[2], dims[1], dims[0]};
    snprintf(p, sizeof p, "%s/%s", group, signal);
    nx_f32(f, p, data, 3, hd, units);
    if (long_name) nx_attr(f, p, "long_name", long_name);
    static const char *const ax[3] = {"x", "y", "z"};
    for (int a = 0; a < 3; a++) {
        double *c = malloc((dims[a] ? dims[a] : 1) * sizeof *c);
        if (!c) tool_die(TOOL_EDATA, "out of memory");
        for (size_t i = 0; i < dims[a]; i++) c[i] = origin[a] + ((double)i + 0.5) * spacing;
        snprintf(p, sizeof p, "%s/%s", group, ax[a]);
        nx_f64(f, p, c, 1, &dims[a], "nm");
        char ln[64];
        snprintf(ln, sizeof ln, "%s (nm), cell centres", ax[a]);
        nx_attr(f, p, "long_name", ln);
        free(c);
    }
    size_t three = 3;
    double sp3[3] = {spacing, spacing, spacing};
    snprintf(p, sizeof p, "%s/origin", group);
    nx_f64(f, p, origin, 1, &three, "nm");
    nx_attr(f, p, "long_name", "corner of cell (0, 0, 0): x, y, z");
    snprintf(p, sizeof p, "%s/spacing", group);
    nx_f64(f, p, sp3, 1, &three, "nm");
    nx_attr(f, group, "signal", signal);
    axes_attrs(f);
}

void nx_volume_add(nx_file *f, const char *group, const char *name, const float *data, const uint8_t *u8,
                   const char *units, const char *long_name)
{
    if (strcmp(group, f->vgroup) || f->naux == NX_MAXAUX) abort(); /* programming error */
    char p[256];
    size_t hd[3] = {f->vdims[2], f->vdims[1], f->vdims[0]};
    snprintf(p, sizeof p, "%s/%s", group, name);
    if (data) nx_f32(f, p, data, 3, hd, units);
    else nx_u8(f, p, u8, 3, hd);
    if (long_name) nx_attr(f, p, "long_name", long_name);
    snprintf(f->aux[f->naux++], sizeof f->aux[0], "%s", name);
    const char *names[NX_MAXAUX];
    for (int i = 0; i < f->naux; i++) names[i] = f->aux[i];
    nx_attr_strings(f, group, "auxiliary_signals", names, (size_t)f->naux);
}
#endif
