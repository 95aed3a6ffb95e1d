/* csro.h: the public interface of libcsro, chemical short-range order
 * (CSRO) in atom probe tomography by machine learning (ML-APT).
 * Include this one header; the module headers under csro/ are its parts. */
#ifndef CSRO_H
#define CSRO_H

#include "csro/common.h"
#include "csro/recon.h"
#include "csro/ranges.h"
#include "csro/grid.h"
#include "csro/sdm.h"
#include "csro/zsdm.h"
#include "csro/preprocess.h"
#include "csro/sim.h"
#include "csro/net.h"
#include "csro/ensemble.h"
#include "csro/train.h"
#include "csro/probmap.h"
#include "csro/context.h"
#include "csro/tiff.h"
#include "csro/domains.h"
#include "csro/stats.h"
#include "csro/prob.h"
#include "csro/mc.h"
#include "csro/aptsim.h"
#include "csro/classify.h"

#endif
