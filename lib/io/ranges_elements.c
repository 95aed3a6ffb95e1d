/* ranges_elements.c: the periodic table (symbols by atomic number) for range files. */
#include "ranges_impl.h"
#include <strings.h>

static const char *const cs_symbols[CS_NELEMENTS + 1] = {
    "",
    "H",  "He", "Li", "Be", "B",  "C",  "N",  "O",  "F",  "Ne",
    "Na", "Mg", "Al", "Si", "P",  "S",  "Cl", "Ar", "K",  "Ca",
    "Sc", "Ti", "V",  "Cr", "Mn", "Fe", "Co", "Ni", "Cu", "Zn",
    "Ga", "Ge", "As", "Se", "Br", "Kr", "Rb", "Sr", "Y",  "Zr",
    "Nb", "Mo", "Tc", "Ru", "Rh", "Pd", "Ag", "Cd", "In", "Sn",
    "Sb", "Te", "I",  "Xe", "Cs", "Ba", "La", "Ce", "Pr", "Nd",
    "Pm", "Sm", "Eu", "Gd", "Tb", "Dy", "Ho", "Er", "Tm", "Yb",
    "Lu", "Hf", "Ta", "W",  "Re", "Os", "Ir", "Pt", "Au", "Hg",
    "Tl", "Pb", "Bi", "Po", "At", "Rn", "Fr", "Ra", "Ac", "Th",
    "Pa", "U",  "Np", "Pu", "Am", "Cm", "Bk", "Cf", "Es", "Fm",
    "Md", "No", "Lr", "Rf", "Db", "Sg", "Bh", "Hs", "Mt", "Ds",
    "Rg", "Cn", "Nh", "Fl", "Mc", "Lv", "Ts", "Og"
};

const char *cs_element_symbol(int z)
{
    return z >= 1 && z <= CS_NELEMENTS ? cs_symbols[z] : NULL;
}

int cs_element_find(const char *s, size_t len, int icase)
{
    if (len == 0 || len > 2)
        return 0;
    for (int z = 1; z <= CS_NELEMENTS; z++) {
        const char *e = cs_symbols[z];
        if (strlen(e) != len)
            continue;
        if (icase ? strncasecmp(e, s, len) == 0 : strncmp(e, s, len) == 0)
            return z;
    }
    return 0;
}
