/* sdm_tiff.c: SDM images as TIFF (one page per 2D slice, float32 or
 * uint32 samples) through libtiff, written in memory and then atomically
 * (tiffmem_impl.h). */
#include "base/internal.h"
#include <stdlib.h>
#include "base/tiffmem_impl.h"

int csro_sdm_tiff_write(const char *path, const void *data, int type,
                        size_t width, size_t height, size_t pages)
{
    return csro_sdm_tiff_write_info(path, data, type, width, height, pages, NULL);
}

int csro_sdm_tiff_write_info(const char *path, const void *data, int type,
                             size_t width, size_t height, size_t pages, const char *info)
{
    if (!path || !data) return cs_err(CSRO_EINVAL, "SDM TIFF: path and data are required");
    if (type != CSRO_SDM_TIFF_FLOAT32 && type != CSRO_SDM_TIFF_UINT32)
        return cs_err(CSRO_EINVAL, "%s: unknown TIFF sample type %d", path, type);
    if (!width || !height || !pages || width > 65535 || height > 65535 || pages > 65535)
        return cs_err(CSRO_EINVAL, "%s: image size %zu x %zu x %zu is not supported", path, width, height, pages);
    cs_tiffmem *b;
    TIFF *tif = cs_tiffmem_open(&b, path, pages * width * height * 4 > 0xF0000000u);
    if (!tif) return CSRO_EIO;
    int rc = 0;
    const unsigned char *src = data;
    size_t row = width * 4;
    for (size_t pg = 0; !rc && pg < pages; pg++) {
        TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, (uint32_t)width);
        TIFFSetField(tif, TIFFTAG_IMAGELENGTH, (uint32_t)height);
        TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, 32);
        TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, 1);
        TIFFSetField(tif, TIFFTAG_SAMPLEFORMAT, type == CSRO_SDM_TIFF_FLOAT32 ? SAMPLEFORMAT_IEEEFP : SAMPLEFORMAT_UINT);
        TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISBLACK);
        TIFFSetField(tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
        TIFFSetField(tif, TIFFTAG_COMPRESSION, COMPRESSION_NONE);
        TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP, (uint32_t)height);
        if (pg == 0 && info && *info) TIFFSetField(tif, TIFFTAG_IMAGEDESCRIPTION, info);
        if (pages > 1) {
            TIFFSetField(tif, TIFFTAG_SUBFILETYPE, FILETYPE_PAGE);
            TIFFSetField(tif, TIFFTAG_PAGENUMBER, (uint16_t)pg, (uint16_t)pages);
        }
        for (size_t r = 0; !rc && r < height; r++)
            if (TIFFWriteScanline(tif, (void *)(src + (pg * height + r) * row), (uint32_t)r, 0) < 0)
                rc = cs_err(CSRO_EIO, "%s: TIFF page %zu: %s", path, pg, cs_tiffmem_error(b)[0] ? cs_tiffmem_error(b) : "write failed");
        if (!rc && !TIFFWriteDirectory(tif))
            rc = cs_err(CSRO_EIO, "%s: TIFF page %zu: %s", path, pg, cs_tiffmem_error(b)[0] ? cs_tiffmem_error(b) : "write failed");
    }
    return cs_tiffmem_finish(b, tif, path, rc);
}
