/* ensemble_contract.c: the input contract of an ensemble (a copy of the
 * csro_zsdm_meta of the data it was trained on: bins, species pair,
 * preprocessing state), its serialisation inside .csronet headers (the
 * .zsdm header codec) and the check of data against it. */
#include "net_impl.h"
#include "formats/zsdm_impl.h"
#include <stdlib.h>

void cs_ens_contract_free(csro_zsdm_meta *m) { csro_zsdm_meta_free(m); }

void cs_ens_contract_put(cs_buf *b, const csro_zsdm_meta *m)
{
    if (!m) { cs_buf_u32(b, 0); return; }
    cs_buf mb = { 0 };
    cs_zsdm_meta_encode(m, &mb);
    if (mb.oom || mb.n > UINT32_MAX) { b->oom = 1; free(mb.p); return; }
    cs_buf_u32(b, 1);
    cs_buf_u32(b, (uint32_t)mb.n);
    cs_buf_put(b, mb.p, mb.n);
    free(mb.p);
}

int cs_ens_contract_get(cs_cur *c, csro_zsdm_meta **m, const char *path)
{
    *m = NULL;
    uint32_t present = cs_cur_u32(c);
    if (c->bad) return cs_err(CSRO_EFORMAT, "%s: truncated header (contract)", path);
    if (!present) return 0;
    if (present != 1) return cs_err(CSRO_EFORMAT, "%s: bad contract flag %u", path, present);
    uint32_t len = cs_cur_u32(c);
    if (c->bad || len > c->n - c->off) return cs_err(CSRO_EFORMAT, "%s: truncated header (contract)", path);
    int rc = cs_zsdm_meta_decode(m, c->p + c->off, len, path);
    if (rc) return rc;
    c->off += len;
    return 0;
}

static int ens_isz(const csro_ensemble *e) { return e->n ? (int)csro_net_input_size(e->members[0]) : -1; }

int csro_ensemble_set_contract(csro_ensemble *e, const csro_zsdm_meta *m)
{
    if (!e || !m) return cs_err(CSRO_EINVAL, "ensemble_set_contract: NULL argument");
    size_t nb = csro_zsdm_meta_nbins(m);
    if (!nb) return cs_err(CSRO_EINVAL, "ensemble_set_contract: the metadata has no bins");
    if (e->n && nb != (size_t)ens_isz(e))
        return cs_err(CSRO_EMISMATCH, "ensemble_set_contract: %zu bins, but the networks take %d inputs", nb, ens_isz(e));
    csro_zsdm_meta *c = csro_zsdm_meta_clone(m);
    if (!c) return cs_err(CSRO_ENOMEM, "ensemble: out of memory");
    csro_zsdm_meta_free(e->contract);
    e->contract = c;
    return 0;
}

const csro_zsdm_meta *csro_ensemble_contract(const csro_ensemble *e) { return e ? e->contract : NULL; }

static const char *pre_name(int s)
{
    switch (s) {
    case CSRO_PRE_RAW: return "raw counts";
    case CSRO_PRE_MINMAX: return "min-max normalised";
    case CSRO_PRE_EXPERIMENTAL: return "experimental (normalise + Savitzky-Golay + Moody + normalise)";
    default: return "unknown";
    }
}

static int same_str(const char *a, const char *b) { return (!a && !b) || (a && b && !strcmp(a, b)); }

int csro_ensemble_check_input(const csro_ensemble *e, const csro_zsdm_meta *data)
{
    if (!e || !data) return cs_err(CSRO_EINVAL, "ensemble_check_input: NULL argument");
    size_t nb = csro_zsdm_meta_nbins(data);
    if (e->n && nb != (size_t)ens_isz(e))
        return cs_err(CSRO_EMISMATCH, "data have %zu bins, the model takes %d", nb, ens_isz(e));
    const csro_zsdm_meta *c = e->contract;
    if (!c) return 0;
    int rc = csro_zsdm_meta_same_bins(c, data);
    if (rc) {
        char why[512];
        snprintf(why, sizeof why, "%s", csro_last_error());
        return cs_err(CSRO_EMISMATCH, "bins differ (model vs data): %s", why);
    }
    const char *ca = csro_zsdm_meta_pair(c, 0), *cb = csro_zsdm_meta_pair(c, 1);
    const char *da = csro_zsdm_meta_pair(data, 0), *db = csro_zsdm_meta_pair(data, 1);
    if (ca && (!same_str(ca, da) || !same_str(cb, db)))
        return cs_err(CSRO_EMISMATCH, "species pair %s-%s, the model expects %s-%s", da ? da : "?", db ? db : "?",
                      ca, cb ? cb : "?");
    int cp = csro_zsdm_meta_preprocess(c), dp = csro_zsdm_meta_preprocess(data);
    if (cp != dp)
        return cs_err(CSRO_EMISMATCH, "profiles are %s, the model expects %s", pre_name(dp), pre_name(cp));
    return 0;
}
