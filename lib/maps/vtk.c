/* vtk.c: legacy VTK structured points (binary, big-endian float32) for
 * ParaView; point data sit at the sub-cell centres. */
#include "base/internal.h"
#include "probmap_impl.h"
#include <ctype.h>
#include <stdlib.h>

int csro_probmap_write_vtk(const csro_probmap *m, const char *path, const char *label)
{
    char name[64];
    snprintf(name, sizeof name, "%s", label && *label ? label : "probability");
    for (char *c = name; *c; c++)
        if (!isgraph((unsigned char)*c)) *c = '_';
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
