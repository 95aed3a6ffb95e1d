/* recon_epos.c: EPOS reader: big-endian 44-byte records x, y, z, m, tof,
 * VDC, Vpulse, detector x, detector y (float32), pulses since last event,
 * ions per pulse (int32). Values are kept as stored (VDC/Vpulse in kV). */
#include "recon_impl.h"
#include <stdlib.h>

const char *const cs_epos_names[7] = {"tof", "vdc", "vpulse", "det_x", "det_y", "pslep", "ipp"};
const char *const cs_epos_units[7] = {"ns", "kV", "kV", "mm", "mm", "", ""};
const int cs_epos_types[7] = {CSRO_FIELD_F32, CSRO_FIELD_F32, CSRO_FIELD_F32, CSRO_FIELD_F32,
                              CSRO_FIELD_F32, CSRO_FIELD_I32, CSRO_FIELD_I32};

int cs_recon_read_epos(csro_recon *r, cs_rin *in, const csro_load_opts *o)
{
    uint32_t *cols[11];
    size_t n;
    int rc = cs_recon_read_be_words(in, o, 11, "EPOS", cols, &n);
    if (rc) return rc;
    r->n = n;
    r->x = (float *)cols[0];
    r->y = (float *)cols[1];
    r->z = (float *)cols[2];
    r->m = (float *)cols[3];
    for (int i = 0; i < 7; i++) {
        if (!rc) rc = cs_recon_add_field_own(r, cs_epos_names[i], cs_epos_types[i], 1, cs_epos_units[i], cols[4 + i]);
        else free(cols[4 + i]);
    }
    return rc;
}
