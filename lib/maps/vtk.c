/* vtk.c: legacy VTK structured points (binary, big-endian float32) and VTK
 * XML ImageData (.vti, raw appended little-endian float32) for ParaView;
 * point data sit at the sub-cell centres. The map's info lines go into
 * both: a FIELD char array "provenance" (legacy) and an XML comment (.vti). */
#include "base/internal.h"
#include "probmap_impl.h"
#include <ctype.h>
#include <math.h>
#include <stdlib.h>

/* label as a field name: printable, no blanks; for XML also no markup */
static void field_name(char *name, size_t size, const char *label, const char *bad)
{
    snprintf(name, size, "%s", label && *label ? label : "probability");
    for (char *c = name; *c; c++)
        if (!isgraph((unsigned char)*c) || strchr(bad, *c)) *c = '_';
}

int csro_probmap_write_vtk(const csro_probmap *m, const char *path, const char *label)
{
    char name[64];
    field_name(name, sizeof name, label, "");
    cs_out *o;
    int rc = cs_out_open(&o, path);
    if (rc) return rc;
    FILE *fp = cs_out_fp(o);
    size_t n = csro_probmap_count(m);
    double s = m->spacing;
    fprintf(fp, "# vtk DataFile Version 3.0\n");
    fprintf(fp, "libcsro %s CSRO map (%s of %d^3 voxel probabilities per %.6g nm sub-cell)\n",
            CSRO_VERSION_STRING, m->mode == CSRO_PROBMAP_MEAN ? "mean" : "sum", m->ratio, s);
    fprintf(fp, "BINARY\nDATASET STRUCTURED_POINTS\n");
    if (m->info) { /* provenance: field data, one char array of the info lines */
        size_t len = strlen(m->info);
        fprintf(fp, "FIELD FieldData 1\nprovenance 1 %zu char\n", len);
        fwrite(m->info, 1, len, fp);
        fputc('\n', fp);
    }
    fprintf(fp, "DIMENSIONS %zu %zu %zu\n", m->dims[0], m->dims[1], m->dims[2]);
    fprintf(fp, "ORIGIN %.17g %.17g %.17g\n", m->origin[0] + s / 2, m->origin[1] + s / 2, m->origin[2] + s / 2);
    fprintf(fp, "SPACING %.17g %.17g %.17g\n", s, s, s);
    fprintf(fp, "POINT_DATA %zu\nSCALARS %s float 1\nLOOKUP_TABLE default\n", n, name);
    unsigned char buf[4096];
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        cs_wr_be32(buf + k, cs_f2u(m->data[i]));
        k += 4;
        if (k == sizeof buf || i + 1 == n) {
            if (fwrite(buf, 1, k, fp) != k) break;
            k = 0;
        }
    }
    fputc('\n', fp);
    return cs_out_commit(o);
}

/* info lines as XML comment text: "--" may not appear inside a comment */
static void xml_comment(FILE *fp, const char *info)
{
    fputs("  <!-- ", fp);
    for (const char *c = info; *c; c++) {
        if (*c == '-' && c[1] == '-') { fputs("-~", fp); continue; }
        fputc(*c == '\n' && c[1] ? '\n' : *c, fp);
        if (*c == '\n' && c[1]) fputs("       ", fp);
    }
    fputs(" -->\n", fp);
}

int csro_probmap_write_vti(const csro_probmap *m, const char *path, const char *label)
{
    if (!m || !path) return cs_err(CSRO_EINVAL, "vti: NULL map or path");
    char name[64];
    field_name(name, sizeof name, label, "<>&\"'");
    size_t n = csro_probmap_count(m);
    double s = m->spacing, lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < n; i++)
        if (isfinite(m->data[i])) { if (m->data[i] < lo) lo = m->data[i]; if (m->data[i] > hi) hi = m->data[i]; }
    if (!(lo <= hi)) lo = hi = 0;
    cs_out *o;
    int rc = cs_out_open(&o, path);
    if (rc) return rc;
    FILE *fp = cs_out_fp(o);
    char ext[128];
    snprintf(ext, sizeof ext, "0 %zu 0 %zu 0 %zu", m->dims[0] ? m->dims[0] - 1 : 0,
             m->dims[1] ? m->dims[1] - 1 : 0, m->dims[2] ? m->dims[2] - 1 : 0);
    fprintf(fp, "<?xml version=\"1.0\"?>\n"
                "<VTKFile type=\"ImageData\" version=\"1.0\" byte_order=\"LittleEndian\" header_type=\"UInt64\">\n");
    fprintf(fp, "  <!-- libcsro %s CSRO map (%s of %d^3 voxel probabilities per %.6g nm sub-cell) -->\n",
            CSRO_VERSION_STRING, m->mode == CSRO_PROBMAP_MEAN ? "mean" : "sum", m->ratio, s);
    if (m->info) xml_comment(fp, m->info);
    fprintf(fp, "  <ImageData WholeExtent=\"%s\" Origin=\"%.17g %.17g %.17g\" Spacing=\"%.17g %.17g %.17g\">\n",
            ext, m->origin[0] + s / 2, m->origin[1] + s / 2, m->origin[2] + s / 2, s, s, s);
    fprintf(fp, "    <Piece Extent=\"%s\">\n      <PointData Scalars=\"%s\">\n", ext, name);
    fprintf(fp, "        <DataArray type=\"Float32\" Name=\"%s\" NumberOfComponents=\"1\" format=\"appended\" "
                "offset=\"0\" RangeMin=\"%.9g\" RangeMax=\"%.9g\"/>\n", name, lo, hi);
    fprintf(fp, "      </PointData>\n      <CellData>\n      </CellData>\n    </Piece>\n  </ImageData>\n"
                "  <AppendedData encoding=\"raw\">\n   _");
    unsigned char buf[4096];
    cs_wr_le64(buf, (uint64_t)n * 4);
    size_t k = 8;
    for (size_t i = 0; i < n; i++) {
        if (k + 4 > sizeof buf) {
            if (fwrite(buf, 1, k, fp) != k) break;
            k = 0;
        }
        cs_wr_le32(buf + k, cs_f2u(m->data[i]));
        k += 4;
    }
    if (k && fwrite(buf, 1, k, fp) != k) k = 0;
    fprintf(fp, "\n  </AppendedData>\n</VTKFile>\n");
    return cs_out_commit(o);
}
