/* tiff_stack.c: float32 ImageJ-compatible TIFF stacks through libtiff.
 * Written in memory, then atomically (tiffmem_impl.h). */
#include "base/internal.h"
#include "probmap_impl.h"
#include <math.h>
#include <stdlib.h>
#include "base/tiffmem_impl.h"

int cs_tiff_write_pages(const char *path, const float *data, size_t nx, size_t ny,
                        size_t npages, double spacing, double zspacing, const double origin[3],
                        const char *info, const char *const *page_names)
{
    if (!path || !*path) return cs_err(CSRO_EINVAL, "tiff: empty output path");
    if (!nx || !ny || !npages || nx > 0x7fffffff || ny > 0x7fffffff || npages > 65535)
        return cs_err(CSRO_EINVAL, "%s: cannot write a %zu x %zu x %zu TIFF stack", path, nx, ny, npages);
    if (!(spacing > 0) || !isfinite(spacing) || !(zspacing > 0) || !isfinite(zspacing))
        return cs_err(CSRO_EINVAL, "%s: spacing %g / %g must be > 0", path, spacing, zspacing);
    size_t npix = nx * ny;
    /* value range for ImageJ's display (finite values only) */
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < npix * npages; i++)
        if (isfinite(data[i])) { if (data[i] < lo) lo = data[i]; if (data[i] > hi) hi = data[i]; }
    if (!(lo <= hi)) lo = hi = 0;
    size_t dlen = 640 + (info ? strlen(info) : 0);
    char *desc = malloc(dlen);
    if (!desc) return cs_err(CSRO_ENOMEM, "%s: out of memory", path);
    int k = snprintf(desc, dlen,
                     "ImageJ=1.11a\nimages=%zu\nslices=%zu\nunit=nm\nspacing=%.17g\nloop=false\nmin=%.9g\nmax=%.9g\n",
                     npages, npages, zspacing, lo, hi);
    if (origin) /* ImageJ: origin in pixels, calibrated x = (px - xorigin) * pixel width */
        k += snprintf(desc + k, dlen - (size_t)k,
                      "xorigin=%.17g\nyorigin=%.17g\nzorigin=%.17g\norigin_nm=%.17g,%.17g,%.17g\n",
                      -origin[0] / spacing, -origin[1] / spacing, -origin[2] / zspacing,
                      origin[0], origin[1], origin[2]);
    k += snprintf(desc + k, dlen - (size_t)k, "libcsro=%s\n", CSRO_VERSION_STRING);
    if (info && *info) snprintf(desc + k, dlen - (size_t)k, "%s%s", info, info[strlen(info) - 1] == '\n' ? "" : "\n");

    cs_tiffmem *b;
    TIFF *tif = cs_tiffmem_open(&b, path, 0);
    if (!tif) { free(desc); return CSRO_EIO; }
    int rc = 0;
    uint32_t rows = (uint32_t)(65536 / (nx * 4)); /* ~64 KiB strips */
    if (rows < 1) rows = 1;
    if (rows > ny) rows = (uint32_t)ny;
    for (size_t p = 0; p < npages && !rc; p++) {
        int ok = TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, (uint32_t)nx)
              && TIFFSetField(tif, TIFFTAG_IMAGELENGTH, (uint32_t)ny)
              && TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, 32)
              && TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, 1)
              && TIFFSetField(tif, TIFFTAG_SAMPLEFORMAT, SAMPLEFORMAT_IEEEFP)
              && TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISBLACK)
              && TIFFSetField(tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG)
              && TIFFSetField(tif, TIFFTAG_COMPRESSION, COMPRESSION_ADOBE_DEFLATE)
              && TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP, rows)
              && TIFFSetField(tif, TIFFTAG_XRESOLUTION, (float)(1.0 / spacing))
              && TIFFSetField(tif, TIFFTAG_YRESOLUTION, (float)(1.0 / spacing))
              && TIFFSetField(tif, TIFFTAG_RESOLUTIONUNIT, RESUNIT_NONE)
              && TIFFSetField(tif, TIFFTAG_SOFTWARE, "libcsro " CSRO_VERSION_STRING);
        if (ok && npages > 1) ok = TIFFSetField(tif, TIFFTAG_SUBFILETYPE, FILETYPE_PAGE)
                                && TIFFSetField(tif, TIFFTAG_PAGENUMBER, (uint16_t)p, (uint16_t)npages);
        if (ok && p == 0) ok = TIFFSetField(tif, TIFFTAG_IMAGEDESCRIPTION, desc);
        if (ok && page_names && page_names[p]) ok = TIFFSetField(tif, TIFFTAG_PAGENAME, page_names[p]);
        const float *page = data + p * npix;
        for (uint32_t s0 = 0; ok && s0 < ny; s0 += rows) {
            uint32_t nr = ny - s0 < rows ? (uint32_t)(ny - s0) : rows;
            if (TIFFWriteEncodedStrip(tif, s0 / rows, (void *)(page + (size_t)s0 * nx),
                                      (tmsize_t)((size_t)nr * nx * sizeof(float))) < 0) ok = 0;
        }
        if (ok && !TIFFWriteDirectory(tif)) ok = 0;
        if (!ok) rc = cs_err(CSRO_EIO, "%s: libtiff: %s", path,
                             cs_tiffmem_error(b)[0] ? cs_tiffmem_error(b) : "cannot write page");
    }
    free(desc);
    return cs_tiffmem_finish(b, tif, path, rc);
}

int csro_tiff_write_volume(const char *path, const float *data, const size_t dims[3],
                           double spacing, const char *label)
{
    return csro_tiff_write_volume_info(path, data, dims, NULL, spacing, label, NULL);
}

int csro_tiff_write_volume_info(const char *path, const float *data, const size_t dims[3],
                                const double origin[3], double spacing, const char *label,
                                const char *info)
{
    if (!data || !dims) return cs_err(CSRO_EINVAL, "%s: NULL volume", path ? path : "tiff");
    size_t nz = dims[2];
    const char **names = NULL;
    if (label && nz && nz <= 65535) {
        names = malloc(nz * sizeof *names);
        if (!names) return cs_err(CSRO_ENOMEM, "%s: out of memory", path);
        for (size_t i = 0; i < nz; i++) names[i] = label;
    }
    int rc = cs_tiff_write_pages(path, data, dims[0], dims[1], nz, spacing, spacing, origin, info, names);
    free(names);
    return rc;
}

int csro_probmap_write_tiff(const csro_probmap *m, const char *path, const char *label)
{
    return csro_tiff_write_volume_info(path, m->data, m->dims, m->origin, m->spacing, label, m->info);
}

int csro_probmap_write_quicklook(const csro_probmap *m, const char *path)
{
    size_t nx = m->dims[0], ny = m->dims[1], nz = m->dims[2], npix = nx * ny;
    float *img = malloc(4 * npix * sizeof *img);
    if (!img) return cs_err(CSRO_ENOMEM, "%s: out of memory", path);
    for (size_t q = 0; q < npix; q++) {
        float mx = NAN;
        for (size_t k = 0; k < nz; k++) {
            float v = m->data[q + npix * k];
            if (!isnan(v) && (isnan(mx) || v > mx)) mx = v;
        }
        img[q] = mx;
    }
    char names[4][64];
    const char *np[4] = {names[0], names[1], names[2], names[3]};
    snprintf(names[0], sizeof names[0], "MIP z");
    for (int t = 1; t <= 3; t++) {
        size_t k = nz * (size_t)t / 4;
        if (k >= nz) k = nz - 1;
        memcpy(img + (size_t)t * npix, m->data + npix * k, npix * sizeof *img);
        snprintf(names[t], sizeof names[t], "z slice %zu (%.4g nm)", k,
                 m->origin[2] + ((double)k + 0.5) * m->spacing);
    }
    int rc = cs_tiff_write_pages(path, img, nx, ny, 4, m->spacing, m->spacing, m->origin, m->info, np);
    free(img);
    return rc;
}
