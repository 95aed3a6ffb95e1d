/* ensemble_contract.c: the input contract of an ensemble (a csro_zsdm_meta).
 * PLACEHOLDER until the .zsdm metadata module (csro_zsdm_meta_*) is merged:
 * contracts cannot be set yet and files with a contract are refused. */
#include "net_impl.h"

void cs_ens_contract_free(csro_zsdm_meta *m) { (void)m; }

void cs_ens_contract_put(cs_buf *b, const csro_zsdm_meta *m)
{
    (void)m;
    cs_buf_u32(b, 0);
}

int cs_ens_contract_get(cs_cur *c, csro_zsdm_meta **m, const char *path)
{
    *m = NULL;
    uint32_t present = cs_cur_u32(c);
    if (c->bad) return cs_err(CSRO_EFORMAT, "%s: truncated header (contract)", path);
    if (present) return cs_err(CSRO_EUNSUPPORTED, "%s: input contracts are not supported by this build", path);
    return 0;
}

int csro_ensemble_set_contract(csro_ensemble *e, const csro_zsdm_meta *m)
{
    (void)e; (void)m;
    return cs_err(CSRO_EUNSUPPORTED, "ensemble_set_contract: not available in this build");
}

const csro_zsdm_meta *csro_ensemble_contract(const csro_ensemble *e) { return e ? e->contract : NULL; }

int csro_ensemble_check_input(const csro_ensemble *e, const csro_zsdm_meta *data)
{
    if (!e || !data) return cs_err(CSRO_EINVAL, "ensemble_check_input: NULL argument");
    return 0;
}
