/* preprocess_state.c: names of the preprocessing states (one table for the
 * tools, the classify stage and the bindings). */
#include "base/internal.h"

static const char *const names[] = { "raw", "minmax", "experimental" };

const char *csro_preprocess_state_name(int state)
{
    return state >= CSRO_PRE_RAW && state <= CSRO_PRE_EXPERIMENTAL ? names[state] : "unknown";
}

int csro_preprocess_state_parse(const char *name)
{
    for (int s = CSRO_PRE_RAW; s <= CSRO_PRE_EXPERIMENTAL; s++)
        if (name && !strcmp(name, names[s])) return s;
    return cs_err(CSRO_EINVAL, "'%s' is not raw, minmax or experimental", name ? name : "(null)");
}
