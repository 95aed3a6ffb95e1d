#!/usr/bin/env python3
"""The ML-APT flow of the reference notebooks with libcsro from Python:
load a reconstruction and its ranges, voxelize into z-SDMs of a species
pair, classify every voxel with a trained ensemble, map the CSRO
probability on 0.5 nm cells, and extract the atoms inside CSRO regions.
The map and its threshold are the rule the model carries (a calibrated
model's map.* texts; models without one: the reference's sum of 8 voxel
probabilities and 3.75), applied by the library as csro-map applies it.

  mlapt_flow.py RECON.pos RANGES.rrng MODEL.csronet [-o map.tif] [--pair Ni-Ni]
"""
import argparse
import os
import sys

try:
    import csro
except ImportError:  # run from a source checkout without installing
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))
    import csro

ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
ap.add_argument("recon"), ap.add_argument("ranges"), ap.add_argument("model")
ap.add_argument("-o", "--output", default="map.tif", help="3D TIFF stack of the CSRO map")
ap.add_argument("--pair", default="Ni-Ni", help="species pair A-B (default Ni-Ni)")
ap.add_argument("--threshold", type=float, help="override the model's map threshold")
ap.add_argument("--extract", help="write the atoms inside CSRO regions here (.pos/.csv)")
args = ap.parse_args()

recon = csro.Recon.load(args.recon)                       # POS, EPOS, APT or CSV
ranges = csro.Ranges.load(args.ranges)                    # RRNG or RNG
model = csro.Ensemble.load(args.model)                    # .csronet (csro-train, csro-net-import)
voxels = csro.voxelize(recon, ranges, pair=args.pair, voxel=1.0, stride=0.5)
prob = csro.classify(model, voxels)                       # ensemble mean and std per voxel
pmap, threshold, note = csro.ProbMap.from_prob_auto(prob)   # the model's map rule on 0.5 nm cells
if args.threshold is not None:
    threshold = args.threshold
print("%s; preprocessing %s" % (note, prob.meta.text("classify_preprocess")))
pmap.write_tiff(args.output, pmap.label)
inside = pmap.extract(recon, threshold)                   # the reference's sphere rule
print("%d ions, %d voxels (%d no data), %d cells above %g, %d ions inside (%.1f%%)" % (
    len(recon), len(voxels.index), (prob.flags & csro.ROW_NODATA != 0).sum(),
    pmap.threshold(threshold).sum(), threshold, inside.sum(), 100.0 * inside.mean()))
if args.extract:
    recon.subset(inside).save(args.extract)
