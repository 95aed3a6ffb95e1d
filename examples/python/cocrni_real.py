#!/usr/bin/env python3
# %% [markdown]
# # CSRO in real CoCrNi with the published ML-APT ensemble
#
# A notebook-style walk through the ML-APT method with the `csro` Python
# package on the data shipped in `data/mlapt/` (see its README): real
# annealed CoCrNi ions (the region the published pipeline extracted as
# Ni-Ni CSRO) and the random-label control (mass-to-charge values shuffled
# among the positions), classified by the published 5-model ensemble.
# Cells are marked `# %%` (Jupytext / VS Code / Spyder "percent" format);
# run it as a script:
#
#     python3 examples/python/cocrni_real.py [-o OUTDIR] [--data DIR] [--z LO,HI]
#
# It writes OUTDIR/spectrum.png, OUTDIR/csro_map.png, OUTDIR/csro_map.tif
# and prints a summary. `--z` keeps a slab of the specimen (faster).
#
# As a notebook: `python3 examples/python/to_notebook.py
# examples/python/cocrni_real.py -o cocrni_real.ipynb` (needs nbformat,
# Debian python3-nbformat) and open it in Jupyter from examples/python/,
# or run it there with `jupyter nbconvert --execute`; options then come
# from the environment variable CSRO_EXAMPLE_ARGS (e.g. "-o /tmp/out --z=-45,-37").

# %%
import argparse
import os
import shlex
import sys

import numpy as np

# the script's folder; a notebook has no __file__ and runs in its own folder
HERE = os.path.dirname(os.path.abspath(globals().get("__file__", "cocrni_real.py")))
try:
    import csro
except ImportError:  # run from a source checkout without installing
    sys.path.insert(0, os.path.join(HERE, "..", "..", "python"))
    import csro

ap = argparse.ArgumentParser(description="ML-APT on the shipped real CoCrNi ions")
ap.add_argument("--data", default=os.path.join(HERE, "..", "..", "data", "mlapt"),
                help="folder with the shipped ions, ranges and ensemble (default data/mlapt)")
ap.add_argument("-o", "--output", default="cocrni-out", help="output folder (default cocrni-out)")
ap.add_argument("--z", help="keep only ions with LO <= z <= HI (nm), e.g. -60,-40")
ap.add_argument("--threshold", type=float, help="override the model's map threshold")
ap.add_argument("--progress", action="store_true", help="progress bars (tqdm when installed)")
# parse_known_args: also runs inside Jupyter, whose kernel has arguments of its own
args, _ = ap.parse_known_args(shlex.split(os.environ.get("CSRO_EXAMPLE_ARGS", "")) + sys.argv[1:])
os.makedirs(args.output, exist_ok=True)
print("csro %s, library %s" % (csro.__version__, csro.library_path))

# %% [markdown]
# ## 1. Ions and ranges
# POS files hold x, y, z (nm) and mass-to-charge (Da). The range file
# assigns Ni to its 2+ isotope peaks (58, 60, 61, 62, 64 at 29-32 Da) and
# singly charged peaks.

# %%
def load(name):
    rec = csro.Recon.load(os.path.join(args.data, "cocrni_annealed_NiNi_%s_extract.pos" % name))
    if args.z:
        lo, hi = (float(v) for v in args.z.split(","))
        rec = rec.subset((rec.z >= lo) & (rec.z <= hi))
    return rec


ranges = csro.Ranges.load(os.path.join(args.data, "ranges_cocrni.rrng"))
real, control = load("csro"), load("randomized")
ion = ranges.assign(real.mass)
print("ions: %d real, %d control; ion types %s" % (len(real), len(control), ", ".join(ranges.ions)))
for k, name in enumerate(ranges.ions):
    print("  %-3s %6d ions (%.1f%%)" % (name, (ion == k).sum(), 100.0 * (ion == k).mean()))

# %%
import matplotlib  # noqa: E402
if "ipykernel" not in sys.modules:
    matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

fig, ax = plt.subplots(figsize=(8, 3))
ax.hist(real.mass, bins=np.arange(0, 70, 0.05), histtype="step", color="k", lw=0.6)
colours = {"H": "0.6", "H2": "0.4", "Cr": "tab:cyan", "Co": "tab:blue", "Ni": "tab:green"}
for lo, hi, k in ranges.ranges:
    ax.axvspan(lo, hi, color=colours.get(ranges.ions[k], "tab:red"), alpha=0.4, lw=0)
ax.set(yscale="log", xlabel="mass-to-charge (Da)", ylabel="ions per 0.05 Da", xlim=(0, 70),
       title="real CoCrNi ions and their ranges")
fig.tight_layout()
fig.savefig(os.path.join(args.output, "spectrum.png"), dpi=120)

# %% [markdown]
# ## 2. z-SDMs, classification, map
# Every voxel (1 nm sphere, stride 0.5 nm) gets the raw Ni-Ni z-SDM along
# the analysis direction. The classify stage gives measured profiles the
# preprocessing the model asks for: the published (imported) ensemble gets
# the reference's experimental preprocessing (Savitzky-Golay + Moody
# background + min-max), as `csro-classify` does. The map and its threshold
# are the rule the model carries, applied by the library as `csro-map`
# applies it: the published ensemble carries none, so the map sums the 8
# voxels around each 0.5 nm sub-cell (0 ... 8) and the reference threshold
# 3.75 marks CSRO.

# %%
model = csro.Ensemble.load(os.path.join(args.data, "published_NiNi.csronet"))


def csro_map(rec):
    vox = csro.voxelize(rec, ranges, pair="Ni-Ni", progress=args.progress)
    prob = csro.classify(model, vox)
    pm, thr, note = csro.ProbMap.from_prob_auto(prob)
    return vox, prob, pm, thr, note


vox, prob, pmap, threshold, note = csro_map(real)
_, _, pmap_ctl, _, _ = csro_map(control)
if args.threshold is not None:
    threshold = args.threshold
print("%s; preprocessing %s" % (note, prob.meta.text("classify_preprocess")))
pmap.write_tiff(os.path.join(args.output, "csro_map.tif"), "Ni-Ni CSRO")


def fraction(pm):
    d = pm.data
    return float((d[np.isfinite(d)] > threshold).mean())


f_real, f_ctl = fraction(pmap), fraction(pmap_ctl)
inside = pmap.extract(real, threshold)
print("voxels: %d; map %s sub-cells of %.2f nm, origin %s" % (len(vox.index), pmap.dims, pmap.spacing,
                                                              tuple(round(v, 2) for v in pmap.origin)))
print("CSRO volume fraction: real %.4f, random-label control %.4f; %d ions (%.1f%%) inside CSRO" % (
    f_real, f_ctl, inside.sum(), 100.0 * inside.mean()))

# %% [markdown]
# ## 3. The map figure
# Maximum projections along y of the summed probability (x-z sections of
# the tall specimen), real ions beside the control, and the CSRO fraction
# per 5 nm slab along z.

# %%
fig, axs = plt.subplots(1, 3, figsize=(9, 7), gridspec_kw={"width_ratios": [1, 1, 1.4]}, constrained_layout=True)
for ax, pm, title in ((axs[0], pmap, "real"), (axs[1], pmap_ctl, "random-label control")):
    d = np.nan_to_num(pm.data, nan=0.0)
    (x0, _, z0), s = pm.origin, pm.spacing
    nz, _, nx = d.shape
    im = ax.imshow(d.max(axis=1), origin="lower", cmap="magma", vmin=0, vmax=pm.max_value, aspect="equal",
                   extent=(x0, x0 + nx * s, z0, z0 + nz * s))
    ax.set(title=title, xlabel="x (nm)", ylabel="z (nm)")
fig.colorbar(im, ax=axs[:2], location="bottom", shrink=0.9, label="CSRO map value (max along y)")
for pm, label in ((pmap, "real"), (pmap_ctl, "control")):
    d = pm.data
    z = pm.origin[2] + (np.arange(d.shape[0]) + 0.5) * pm.spacing
    slab = np.floor((z - z.min()) / 5).astype(int)
    sel = np.array([(d[slab == k] > threshold).sum() / max(np.isfinite(d[slab == k]).sum(), 1)
                    for k in range(slab.max() + 1)])
    axs[2].plot(sel, z.min() + 5 * np.arange(len(sel)) + 2.5, label=label)
axs[2].set(xlabel="CSRO volume fraction", ylabel="z (nm)", title="per 5 nm slab")
axs[2].legend()
fig.savefig(os.path.join(args.output, "csro_map.png"), dpi=120)
print("wrote %s/spectrum.png, csro_map.png, csro_map.tif" % args.output)
