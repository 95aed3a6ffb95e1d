"""csro-report: an HTML page with the figures of one CSRO map.

    csro-report X.prob [--recon R --ranges F] [--truth T] [--model M]
                [--train-log L] [--train-report TXT] [--score S]
                [--control Y.prob [--control-zsdm Z]] [--limits L.tsv] [--zsdm Z] -o DIR

Writes DIR/index.html and one PNG per figure (matplotlib, Agg backend).
The numbers come from libcsro through this package (csro.ProbMap,
csro.Domains, csro.zsdm_voxels ...), the same code as the C tools; the
plotting is matplotlib's (axes, colour bars, legends) so the C library
keeps no image dependency beyond libtiff. See csro-report(1).
"""
import html
import json
import math
import os
import shutil
import sys
import tempfile
import time

PROG = "csro-report"
DEFAULT_THRESHOLD = 3.75   # the published sub-cell sum threshold (sum mode)
EXIT_DATA, EXIT_USAGE = 1, 2


class ReportError(Exception):
    """A one-line message for the user (file: what is wrong; what to do)."""

    def __init__(self, msg, code=EXIT_DATA):
        super().__init__(msg)
        self.code = code


USAGE = """Usage: csro-report [options] X.prob -o DIR
Writes DIR/index.html with PNG figures of the CSRO map of X.prob.
  -o, --output DIR       report directory (created; existing report files replaced)
  -t, --threshold T      sub-cell threshold (default: the calibrated rule the .prob
                         carries, else %g, the published sum threshold)
      --recon R          reconstruction (POS/EPOS/APT/CSV) the map was made from
  -r, --ranges F         its range file (RRNG/RNG): mass spectrum, z-SDM profiles
      --zsdm Z           the voxel z-SDMs that were classified (instead of
                         recomputing them from --recon/--ranges)
      --control Y.prob   random-label control (apt-voxelize --random-labels)
      --control-zsdm Z   the control's voxel z-SDMs (else recomputed with the
                         seed its .prob records)
      --truth T          per-ion truth (apt-simulate --truth; needs --recon):
                         ROC and precision/recall/F1 against the threshold
      --score S          csro-score output (TSV or JSON) shown as a table
  -m, --model M          the .csronet model: provenance table
      --train-log L      csro-train --log file: training curves
      --train-report TXT csro-train report (stdout): confusion matrix
      --limits L.tsv     detection-limit table (csro-limits TSV)
      --title TEXT       page title
  -q, --quiet            no progress, no summary line on standard error
  -h, --help, -V, --version
Progress: a bar on a terminal, otherwise a line with the elapsed time and
an estimate of the time left every 10 s (CSRO_PROGRESS_INTERVAL seconds).""" % DEFAULT_THRESHOLD


def fail(msg, code=EXIT_DATA):
    raise ReportError(msg, code)


class Progress:
    """Progress of a long pass as the C tools show it (tools/common.c): a
    bar on a terminal, otherwise a line with the elapsed time and an
    estimate of the time left every CSRO_PROGRESS_INTERVAL (10) seconds;
    nothing when quiet."""

    def __init__(self, label, quiet):
        self.label, self.quiet, self.bar = label, quiet, False
        self.t0 = self.last = time.monotonic()
        self.tty = sys.stderr.isatty()
        try:
            self.every = float(os.environ.get("CSRO_PROGRESS_INTERVAL", "10"))
        except ValueError:
            self.every = 10.0

    @staticmethod
    def hms(s):
        t = int(s + 0.5)
        return ("%dh%02dm%02ds" % (t // 3600, t // 60 % 60, t % 60) if t >= 3600 else
                "%dm%02ds" % (t // 60, t % 60) if t >= 60 else "%ds" % t)

    def __call__(self, f):
        if self.quiet:
            return
        t = time.monotonic()
        if self.tty:
            k = max(0, min(40, int(f * 40 + 0.5)))
            sys.stderr.write("\r%s %s [%s%s] %3d%%" % (PROG, self.label, "#" * k, " " * (40 - k), int(f * 100 + 0.5)))
            sys.stderr.flush()
            self.bar = True
        elif f > 0 and t - self.last >= self.every:
            self.last = t
            eta = (t - self.t0) * (1 - f) / f if f < 1 else 0
            print("%s: %s: %.0f%% done, %s elapsed, about %s left" % (PROG, self.label, 100 * f,
                                                                       self.hms(t - self.t0), self.hms(eta)),
                  file=sys.stderr, flush=True)

    def done(self):
        if self.bar:
            sys.stderr.write("\n")
            self.bar = False


# ---------------------------------------------------------------- options
VALUED = {"-o": "output", "--output": "output", "-t": "threshold", "--threshold": "threshold",
          "--recon": "recon", "-r": "ranges", "--ranges": "ranges", "-m": "model", "--zsdm": "zsdm", "--control": "control",
          "--control-zsdm": "control_zsdm",
          "--truth": "truth", "--score": "score", "--model": "model", "--train-log": "train_log",
          "--train-report": "train_report", "--limits": "limits", "--title": "title"}
FLAGS = {"-q": "quiet", "--quiet": "quiet", "-h": "help", "--help": "help", "-V": "version",
         "--version": "version"}


def parse_args(argv):
    """Options as a dict; one-line usage errors (exit 2)."""
    import difflib
    o = {k: None for k in set(VALUED.values()) | set(FLAGS.values())}
    pos = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--":
            pos.extend(argv[i + 1:])
            break
        if a.startswith("--") and "=" in a:
            a, val = a.split("=", 1)
            argv = argv[:i] + [a, val] + argv[i + 1:]
        if a.startswith("--") and a not in VALUED and a not in FLAGS:   # unambiguous prefixes
            cand = sorted({k for k in list(VALUED) + list(FLAGS) if k.startswith(a)})
            if len(cand) > 1:
                fail("option %s is ambiguous (%s); see csro-report -h" % (a, ", ".join(cand)), EXIT_USAGE)
            if cand:
                a = cand[0]
        if a in FLAGS:
            o[FLAGS[a]] = True
        elif a in VALUED:
            if i + 1 >= len(argv):
                fail("%s needs a value; see csro-report -h" % a, EXIT_USAGE)
            o[VALUED[a]] = argv[i + 1]
            i += 1
        elif a.startswith("-") and a != "-":
            near = difflib.get_close_matches(a, list(VALUED) + list(FLAGS), 1, 0.6)
            fail("unknown option %s%s; see csro-report -h" % (a, " (did you mean %s?)" % near[0] if near else ""),
                 EXIT_USAGE)
        else:
            pos.append(a)
        i += 1
    if o["help"] or o["version"]:
        return o
    if len(pos) != 1:
        fail("give one .prob file (%d given); see csro-report -h" % len(pos), EXIT_USAGE)
    o["prob"] = pos[0]
    if not o["output"]:
        fail("-o DIR is required; see csro-report -h", EXIT_USAGE)
    if o["threshold"] is not None:
        raw = o["threshold"]
        try:
            o["threshold"] = float(raw)
        except ValueError:
            o["threshold"] = math.nan
        if not math.isfinite(o["threshold"]) or o["threshold"] < 0:
            fail("--threshold %s: not a number >= 0" % raw, EXIT_USAGE)
    if bool(o["recon"]) != bool(o["ranges"]) and not (o["recon"] and o["truth"]):
        fail("--recon and --ranges go together (the spectrum and profiles need both)", EXIT_USAGE)
    if o["truth"] and not o["recon"]:
        fail("--truth needs --recon (the truth is one byte per ion of the reconstruction)", EXIT_USAGE)
    if o["control_zsdm"] and not o["control"]:
        fail("--control-zsdm needs --control (the control's .prob)", EXIT_USAGE)
    for k in ("prob", "recon", "ranges", "zsdm", "control", "control_zsdm", "truth", "score", "model", "train_log",
              "train_report", "limits"):
        p = o[k]
        if p is None:
            continue
        if p == "-":
            fail("%s: reading standard input is not supported; give a file" % ("--" + k.replace("_", "-")),
                 EXIT_USAGE)
        if os.path.isdir(p):
            fail("%s is a directory; name a file" % p)
        if not os.path.exists(p):
            fail("%s: no such file" % p)
        check_kind(p, KIND_WANTED[k])
    out = o["output"]
    if os.path.exists(out) and not os.path.isdir(out):
        fail("%s: exists and is not a directory; give a directory for the report" % out)
    return o


# What a file is, by its first bytes (as the C tools say it, tools/common.c).
KINDS = ((b"CSROZSDM", "zsdm", "a z-SDM file (apt-voxelize or csro-simulate output)"),
         (b"CSROPROB", "prob", "a probability file (csro-classify output)"),
         (b"CSRONET\0", "model", "a .csronet model (csro-train or csro-net-import output)"),
         (b"CSROTRTH", "truth", "a per-ion truth file (apt-simulate --truth output)"),
         (b"\x89HDF\r\n\x1a\n", "keras", "a Keras HDF5 file"),
         (b"II*\0", "tiff", "a TIFF image (csro-map or apt-sdm output)"),
         (b"MM\0*", "tiff", "a TIFF image (csro-map or apt-sdm output)"))
WANTS = {"prob": "a .prob from csro-classify", "zsdm": "a .zsdm from apt-voxelize",
         "model": "a .csronet model from csro-train or csro-net-import",
         "recon": "a reconstruction (POS, EPOS, APT or CSV)", "ranges": "a range file (RRNG or RNG)",
         "truth": "a per-ion truth file from apt-simulate --truth", "text": "a text table"}
KIND_WANTED = {"prob": "prob", "control": "prob", "zsdm": "zsdm", "control_zsdm": "zsdm", "model": "model",
               "recon": "recon", "ranges": "ranges", "truth": "truth", "score": "text", "train_log": "text",
               "train_report": "text", "limits": "text"}


def check_kind(path, want):
    """Refuse a file of another known kind, naming what it is and what is wanted."""
    try:
        with open(path, "rb") as f:
            head = f.read(8)
    except OSError as e:
        fail("%s: cannot open: %s" % (path, e.strerror))
    for magic, kind, what in KINDS:
        if head.startswith(magic) and kind != want:
            if kind == "keras":
                fail("%s is a Keras file: convert it with csro-net-import" % path)
            fail("%s is %s; csro-report wants %s" % (path, what, WANTS[want]))


# ---------------------------------------------------------------- figures
class Page:
    """Figures and tables of the report, written into a directory."""

    def __init__(self, d, plt, footer):
        self.dir, self.plt, self.footer = d, plt, footer
        self.items, self.skipped = [], []

    def figure(self, name, fig, title, caption):
        path = os.path.join(self.dir, name + ".png")
        fig.savefig(path, dpi=100)
        self.plt.close(fig)
        self.items.append(("fig", name + ".png", title, caption + " " + self.footer))

    def table(self, title, header, rows, caption=""):
        self.items.append(("table", header, title, rows, caption))

    def skip(self, what, why):
        self.skipped.append((what, why))


def nm_extent(origin, spacing, dims, a, b):
    """imshow extent (left, right, bottom, top) for axes a (horizontal), b (vertical)."""
    return (origin[a], origin[a] + dims[a] * spacing, origin[b], origin[b] + dims[b] * spacing)


def outline(ax, finite2d, ext):
    """Outline of the region with data (a contour of the finite mask)."""
    import numpy as np
    from matplotlib.patches import Rectangle
    if finite2d.all() or not finite2d.any():
        ax.add_patch(Rectangle((ext[0], ext[2]), ext[1] - ext[0], ext[3] - ext[2], fill=False, lw=1.2, ec="k"))
        return
    ny, nx = finite2d.shape
    xs = np.linspace(ext[0], ext[1], nx + 1)
    ys = np.linspace(ext[2], ext[3], ny + 1)
    xc, yc = 0.5 * (xs[1:] + xs[:-1]), 0.5 * (ys[1:] + ys[:-1])
    pad = np.zeros((ny + 2, nx + 2))
    pad[1:-1, 1:-1] = finite2d
    dx, dy = xs[1] - xs[0], ys[1] - ys[0]
    xp = np.concatenate([[xc[0] - dx], xc, [xc[-1] + dx]])
    yp = np.concatenate([[yc[0] - dy], yc, [yc[-1] + dy]])
    ax.contour(xp, yp, pad, levels=[0.5], colors="k", linewidths=1.2)


MIN_LINE = 4   # lines of sight with fewer sub-cells with data are not shown in projections


def map_panels(plt, dims, sp):
    """Figure and axes for the xy, xz and yz views. A long specimen (z more
    than 2.5 times its width, e.g. a 100 nm tip) gets its side views with z
    along the horizontal axis, stacked to the right of the xy view."""
    long_ = dims[2] > 2.5 * max(dims[0], dims[1])
    if not long_:
        fig, axes = plt.subplots(1, 3, figsize=(13, 4.6), layout="constrained")
        return fig, list(axes), False
    fig = plt.figure(figsize=(13, 6), layout="constrained")
    gs = fig.add_gridspec(2, 2, width_ratios=[1, 3])
    return fig, [fig.add_subplot(gs[:, 0]), fig.add_subplot(gs[0, 1]), fig.add_subplot(gs[1, 1])], True


def view_image(img, n, a, b, long_):
    """(image, horizontal axis, vertical axis): img is (b, a); long
    specimens show side views (n != 2) with z horizontal."""
    if long_ and n != 2:
        return img.T, b, a
    return img, a, b


def map_figures(page, pm, mask, thr, mode_txt, prob_path):
    import numpy as np
    plt = page.plt
    data = np.array(pm.data)                 # (nz, ny, nx)
    finite = np.isfinite(data)
    nx, ny, nz = pm.dims
    org, sp = pm.origin, pm.spacing
    dims = (nx, ny, nz)
    vmax = pm.max_value
    cmap = plt.get_cmap("viridis").copy()
    cmap.set_bad("#d9d9d9")
    names = "xyz"
    # slices through the plane with the most selected sub-cells along each axis
    views = [(2, 0, 1), (1, 0, 2), (0, 1, 2)]   # (normal axis, horizontal, vertical): image (vertical, horizontal)
    pick = {}
    for n in (2, 1, 0):
        other = tuple(k for k in range(3) if k != 2 - n)
        cnt, fin = mask.sum(axis=other), finite.sum(axis=other)
        pick[n] = int(np.argmax(cnt)) if cnt.max() > 0 else int(np.argmax(fin))
    fig, axes, long_ = map_panels(plt, dims, sp)
    for ax, (n, a0, b0) in zip(axes, views):
        k = pick[n]
        sl = [slice(None)] * 3
        sl[2 - n] = k
        img2, a, b = view_image(data[tuple(sl)], n, a0, b0, long_)
        ext = nm_extent(org, sp, dims, a, b)
        im = ax.imshow(np.ma.masked_invalid(img2), origin="lower", extent=ext, cmap=cmap, vmin=0, vmax=vmax,
                       interpolation="nearest")
        outline(ax, np.isfinite(img2), ext)
        sel = np.where(np.isfinite(img2), img2, -1) > thr
        if sel.any():
            xs = np.linspace(ext[0] + sp / 2, ext[1] - sp / 2, img2.shape[1])
            ys = np.linspace(ext[2] + sp / 2, ext[3] - sp / 2, img2.shape[0])
            ax.contour(xs, ys, sel.astype(float), levels=[0.5], colors="r", linewidths=0.8)
        pos = org[n] + (k + 0.5) * sp
        ax.set_title("%s slice at %s = %.1f nm" % (names[min(a, b)] + names[max(a, b)], names[n], pos))
        ax.set_xlabel("%s (nm)" % names[a])
        ax.set_ylabel("%s (nm)" % names[b])
    fig.colorbar(im, ax=axes, shrink=0.85, label="sub-cell value (%s of P(CSRO))" % mode_txt)
    page.figure("map_slices", fig, "CSRO map: orthogonal slices",
                "Sub-cell values of %s (%s of the voxel P(CSRO), 0 to %g) on three orthogonal slices, each through "
                "the plane with the most selected sub-cells; red contours: selected sub-cells (value > %g); black "
                "outline: region with data; grey: no data. Sub-cell edge %g nm.%s" % (
                    html.escape(prob_path), mode_txt, vmax, thr, sp,
                    " The specimen is long: side views have z horizontal." if long_ else ""))
    # projections: fraction of selected sub-cells among those with data along the line of sight
    fig, axes, long_ = map_panels(plt, dims, sp)
    pmax = 0.0
    projs = []
    for n, a0, b0 in views:
        axis = 2 - n
        nsel, nfin = mask.sum(axis=axis), finite.sum(axis=axis)
        frac = np.where(nfin >= MIN_LINE, nsel / np.maximum(nfin, 1), np.nan)
        frac, a, b = view_image(frac, n, a0, b0, long_)
        has, _, _ = view_image(nfin > 0, n, a0, b0, long_)
        projs.append((n, a, b, frac, has))
        if np.isfinite(frac).any():   # a robust top: a few short lines of sight need not set the scale
            pmax = max(pmax, float(np.nanpercentile(frac, 99.5)))
    pmax = pmax if pmax > 0 else 1.0
    cm2 = plt.get_cmap("magma").copy()
    cm2.set_bad("#d9d9d9")
    for ax, (n, a, b, frac, has) in zip(axes, projs):
        ext = nm_extent(org, sp, dims, a, b)
        im = ax.imshow(np.ma.masked_invalid(frac), origin="lower", extent=ext, cmap=cm2, vmin=0, vmax=pmax,
                       interpolation="nearest")
        outline(ax, has, ext)
        ax.set_title("projection along %s" % names[n])
        ax.set_xlabel("%s (nm)" % names[a])
        ax.set_ylabel("%s (nm)" % names[b])
    fig.colorbar(im, ax=axes, shrink=0.85, extend="max", label="fraction of sub-cells selected along the line of sight")
    page.figure("map_projections", fig, "CSRO map: side projections",
                "For every line of sight along x, y and z: the fraction of its sub-cells with data whose value "
                "exceeds %g (a maximum projection saturates on a long specimen; this fraction stays readable); "
                "lines of sight with fewer than %d sub-cells with data are grey. Black outline: region with "
                "data. Colour scale 0 to %.3g (the 99.5th percentile; higher values saturate).%s" % (
                    thr, MIN_LINE, pmax, " Side views have z horizontal." if long_ else ""))


def mass_spectrum(page, rec, rng, pair, ranges_path):
    import numpy as np
    plt = page.plt
    mass = np.asarray(rec.mass, dtype=np.float64)
    mass = mass[np.isfinite(mass) & (mass > 0)]
    if not len(mass):
        page.skip("mass spectrum", "the reconstruction has no positive mass-to-charge values")
        return
    hi = float(np.percentile(mass, 99.9)) * 1.05
    rr = rng.ranges
    if rr:
        hi = max(hi, max(r[1] for r in rr) + 2)
    bw = 0.05 if len(mass) >= 100000 else 0.1 if len(mass) >= 10000 else 0.2   # fewer ions, wider bins
    bins = np.arange(0, hi + bw, bw)
    h, e = np.histogram(mass, bins)
    species = [s for s in dict.fromkeys(pair)]
    colours = ["tab:red", "tab:blue"]
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.2), layout="constrained",
                             gridspec_kw={"width_ratios": [3, 2]})
    chosen = []
    for lo, rhi, ion in rr:
        comp = rng.composition(ion)
        hit = [s for s in species if s in comp]
        if hit:
            chosen.append((lo, rhi, hit[0], rng.ions[ion]))
    lo_all = max(0.0, min([float(np.percentile(mass, 0.1))] + [r[0] for r in rr]) - 2)
    for ax in axes:
        ax.stairs(h, e, color="0.2", lw=0.7)
        ax.set_yscale("log", nonpositive="clip")
        ax.set_ylim(0.7, max(2, h.max()) * 2)
        ax.set_xlabel("mass-to-charge (Da)")
        ax.set_ylabel("counts per %g Da" % bw)
        for lo, rhi, ion in rr:
            ax.axvspan(lo, rhi, color="0.85", lw=0, zorder=0)
        done = set()
        for lo, rhi, s, _ in chosen:
            c = colours[species.index(s) % 2]
            ax.axvspan(lo, rhi, color=c, alpha=0.35, lw=0, zorder=0,
                       label=None if s in done else "%s ranges" % s)
            done.add(s)
    axes[0].set_xlim(lo_all, hi)
    axes[0].set_title("mass spectrum (%d ions)" % len(mass))
    if chosen:
        # around the chosen window holding the most ions
        peak = max(chosen, key=lambda c: int(((mass >= c[0]) & (mass <= c[1])).sum()))
        lo, rhi = peak[0] - 3, peak[1] + 3
        axes[1].set_xlim(lo, rhi)
        sel = (e[:-1] >= lo) & (e[:-1] <= rhi)
        if h[sel].size:
            axes[1].set_ylim(0.5, max(2, h[sel].max()) * 2)
        axes[1].set_title("around the strongest %s window (%s)" % (peak[2], peak[3]))
        axes[0].legend(loc="upper right")
    else:
        axes[1].set_title("no range holds %s" % " or ".join(species))
    grey = [r for r in rr if not any(s in rng.composition(r[2]) for s in species)]
    page.figure("mass_spectrum", fig, "Mass spectrum and range windows",
                "Histogram of the mass-to-charge values of the reconstruction (%g Da bins, log scale); coloured: "
                "the %d range window(s) of %s (the species pair of the map) from %s; grey: the other %d ranges. "
                "Right: the same around the chosen window holding the most ions." % (
                    bw, len(chosen), " and ".join(species), html.escape(ranges_path), len(grey)))


def profile_sums(prob_label, chunks, nbins):
    """Sum, sum of squares and count of profiles per voxel class (0 matrix,
    1 CSRO) from (index, profiles, flags) chunks; prob_label[index] is
    -1 (no data), 0 or 1."""
    import numpy as np
    s = np.zeros((2, nbins))
    q = np.zeros((2, nbins))
    n = np.zeros(2, np.int64)
    for index, prof, flags in chunks:
        lab = prob_label[index.astype(np.intp)]
        ok = ((flags & 1) == 0) & (lab >= 0) & np.isfinite(prof).all(axis=1)
        for c in (0, 1):
            sel = ok & (lab == c)
            if sel.any():
                p = prof[sel].astype(np.float64)
                s[c] += p.sum(axis=0)
                q[c] += (p * p).sum(axis=0)
                n[c] += sel.sum()
    return s, q, n


def recompute_chunks(meta, rec, rng, chunk=32768, shuffle_seed=None, progress=None):
    """z-SDMs of every voxel of meta's grid from the reconstruction, as
    the classifier saw them (the metadata's preprocessing), in chunks;
    progress(fraction) after each chunk."""
    import numpy as np
    import csro
    from csro import preprocess
    grid, opts, pair = meta.grid, meta.sdm_opts(), meta.pair
    if grid is None or opts is None or pair is None:
        fail("the .prob file holds no grid, bins or pair; give the classified .zsdm with --zsdm")
    dec = (meta.text("species_decompose") or "0") == "1"
    if shuffle_seed is not None:
        rec = csro.Recon.from_arrays(rec.x, rec.y, rec.z, rec.mass)
        rec.shuffle_mass(shuffle_seed)
    a = rng.atoms(rec, pair[0], dec)
    b = None if pair[1] == pair[0] else rng.atoms(rec, pair[1], dec)
    total = len(grid)
    for first in range(0, total, chunk):
        cnt = min(chunk, total - first)
        prof, _, nodata = csro.zsdm_voxels(grid, a, b, opts, first=first, count=cnt)
        flags = nodata.astype(np.uint32)
        if meta.preprocess != csro.RAW:
            prof, flags = preprocess.rows(prof, meta.preprocess, flags=flags, inplace=True)
        yield np.arange(first, first + cnt, dtype=np.uint64), prof, flags
        if progress:
            progress((first + cnt) / total)
    if progress:
        progress.done()


def zsdm_sums(path, prob, lab, prob_path):
    """(sums, state): profile_sums over the rows of a .zsdm file that must
    match prob's bins and grid (streamed in chunks: bounded memory). Raw
    rows get the preprocessing the classifier fed the model (the .prob's
    state); rows already preprocessed otherwise are shown as they are."""
    import csro
    from csro import preprocess
    rd = csro.ZsdmReader(path)
    try:
        rd.meta.same_bins(prob.meta)
        same = rd.meta.grid is not None and len(rd.meta.grid) == len(lab)
    except csro.CsroError:
        same = False
    if not same:
        fail("%s: its bins or grid differ from %s; give the .zsdm that was classified" % (path, prob_path))
    src, want = rd.meta.preprocess, prob.meta.preprocess

    def chunks():
        for z in rd:
            prof, flags = z.profiles, z.flags
            if src == csro.RAW and want != csro.RAW:
                prof, flags = preprocess.rows(prof, want, flags=flags, inplace=True)
            yield z.index, prof, flags
    state = want if src in (csro.RAW, want) else src
    return profile_sums(lab, chunks(), prob.meta.nbins), state


def voxel_labels(prob, ncells, cls):
    """Per grid voxel: -1 no data, 0 matrix, 1 CSRO (P(CSRO) > 0.5)."""
    import numpy as np
    lab = np.full(ncells, -1, np.int8)
    ok = (prob.flags & 1) == 0
    lab[prob.index[ok].astype(np.intp)] = (prob.mean[ok, cls] > 0.5).astype(np.int8)
    return lab


def profiles_figure(page, prob, state, how, real, control, ctrl_note):
    import numpy as np
    plt = page.plt
    meta = prob.meta
    x = meta.bin_left + meta.bin_width / 2
    s, q, n = real
    fig, ax = plt.subplots(figsize=(8, 5.2), layout="constrained")
    styles = [("matrix voxels", "tab:blue"), ("CSRO voxels", "tab:red")]
    for c in (0, 1):
        if n[c] == 0:
            continue
        m = s[c] / n[c]
        sd = np.sqrt(np.maximum(q[c] / n[c] - m * m, 0))
        ax.plot(x, m, color=styles[c][1], lw=1.6, label="%s (n = %d)" % (styles[c][0], n[c]))
        ax.fill_between(x, m - sd, m + sd, color=styles[c][1], alpha=0.15, lw=0)
    if control is not None:
        cs, cq, cn = control
        tot = cn.sum()
        if tot:
            ax.plot(x, (cs[0] + cs[1]) / tot, color="0.3", ls="--", lw=1.2,
                    label="random-label control, all voxels (n = %d)" % tot)
        if cn[1]:
            ax.plot(x, cs[1] / cn[1], color="tab:orange", ls=":", lw=1.4,
                    label="random-label control, CSRO voxels (n = %d)" % cn[1])
    ax.set_xlabel("z distance (nm)")
    pre = {0: "raw counts", 1: "min-max normalised", 2: "experimental preprocessing"}.get(state, "?")
    ax.set_ylabel("z-SDM (%s)" % pre)
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2, frameon=False)
    ax.set_title("mean z-SDM of %s pairs" % "-".join(meta.pair or ("?", "?")))
    page.figure("zsdm_profiles", fig, "Mean z-SDM profile: CSRO vs matrix voxels",
                "Mean (line) and standard deviation (band) of the voxel z-SDM profiles (%s, %d bins of %g nm) of the "
                "voxels the classifier called CSRO (P(CSRO) > 0.5) and of the others; profiles %s. %s" % (
                    pre, meta.nbins, meta.bin_width, how, ctrl_note))


def domain_stats(pm, thr):
    import numpy as np
    import csro
    data = np.array(pm.data)
    mask = np.asarray(pm.threshold(thr))
    fin = np.isfinite(data).sum()
    d = csro.Domains(mask, 26)
    diam = d.diameters(pm.spacing) if len(d) else np.zeros(0)
    return {"mask": mask, "subcells": int(fin), "selected": int(mask.sum()),
            "fraction": mask.sum() / fin if fin else math.nan, "domains": len(d), "diameters": diam}


def domains_figure(page, real, ctrl, thr, sp):
    import numpy as np
    plt = page.plt
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), layout="constrained", gridspec_kw={"width_ratios": [2, 1]})
    dmax = max([1.0] + [float(x["diameters"].max()) for x in (real, ctrl) if x and len(x["diameters"])])
    bins = np.arange(0, math.ceil(dmax / 0.25) * 0.25 + 0.25, 0.25)
    ax = axes[0]
    ax.hist(real["diameters"], bins, color="tab:red", alpha=0.7, label="map (%d domains)" % real["domains"])
    if ctrl:
        ax.hist(ctrl["diameters"], bins, histtype="step", color="0.2", lw=1.5,
                label="random-label control (%d domains)" % ctrl["domains"])
    ax.set_xlabel("equivalent-sphere diameter (nm)")
    ax.set_ylabel("domains")
    ax.legend(fontsize=8)
    ax.set_title("domain size")
    ax = axes[1]
    labels, vals, cols = ["map"], [real["fraction"] * 100], ["tab:red"]
    if ctrl:
        labels.append("random-label\ncontrol")
        vals.append(ctrl["fraction"] * 100)
        cols.append("0.5")
    bars = ax.bar(labels, vals, color=cols)
    for b_, v in zip(bars, vals):
        ax.annotate("%.2f %%" % v, (b_.get_x() + b_.get_width() / 2, v), ha="center", va="bottom", fontsize=9)
    ax.set_ylabel("CSRO volume fraction (%)")
    ax.set_ylim(0, max(vals + [0.1]) * 1.25)
    ax.set_title("volume fraction")
    page.figure("domains", fig, "Domain sizes and volume fraction",
                "Connected domains (26-connectivity) of the sub-cells with value > %g; diameter of the sphere of "
                "the same volume (sub-cell edge %g nm, so one sub-cell is %.2f nm), 0.25 nm bins. Volume fraction: "
                "selected sub-cells over sub-cells with data.%s" % (
                    thr, sp, (6 * sp ** 3 / math.pi) ** (1 / 3),
                    " The random-label control shuffles the mass-to-charge values among the ions and repeats the "
                    "pipeline: what it selects is the false-positive level." if ctrl else ""))


def read_tsv(path, comment="#", text=None):
    """Rows of a TSV file (or of text, when given) with a header line
    (lines starting with comment skipped) as (header, rows of strings)."""
    if text is None:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
    lines = [ln.rstrip("\r") for ln in text.split("\n") if ln.strip() and not ln.startswith(comment)]
    if not lines:
        fail("%s: empty; expected a TSV file with a header line" % path)
    header = lines[0].split("\t")
    return header, [ln.split("\t") for ln in lines[1:]]


def fnum(s):
    try:
        return float(s)
    except (TypeError, ValueError):
        return math.nan


def training_figures(page, log_path, report_path, model=None):
    """Training curves and confusion matrix from csro-train's --log and
    report files, else from the texts train_log and heldout_confusion that
    csro-train stores in the model."""
    import numpy as np
    plt = page.plt
    log_text = report_text = None
    if model is not None:
        if not log_path and model[1].text("train_log"):
            log_path, log_text = model[0], model[1].text("train_log")
        if not report_path and model[1].text("heldout_confusion"):
            report_path, report_text = model[0], model[1].text("heldout_confusion")
    src = lambda path, text, what: ("the model %s (its %s text, stored by csro-train)" % (html.escape(path), what)
                                    if text is not None else "%s (csro-train %s)" % (html.escape(path), what))
    if log_path:
        header, rows = read_tsv(log_path, text=log_text)
        col = {h.strip().lower(): i for i, h in enumerate(header)}
        need = ["fold", "epoch", "train_loss", "val_loss"]
        if any(k not in col for k in need):
            fail("%s: not a csro-train --log file (columns %s expected)" % (log_path, ", ".join(need)))
        folds = sorted({r[col["fold"]] for r in rows if len(r) == len(header)}, key=fnum)
        fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), layout="constrained")
        cyc = plt.rcParams["axes.prop_cycle"].by_key()["color"]
        for j, fo in enumerate(folds):
            rr = [r for r in rows if len(r) == len(header) and r[col["fold"]] == fo]
            ep = [fnum(r[col["epoch"]]) for r in rr]
            c = cyc[j % len(cyc)]
            for ax, kind in zip(axes, ("loss", "accuracy")):
                for split, ls in (("train", "-"), ("val", "--")):
                    k = "%s_%s" % (split, kind)
                    if k in col:
                        ax.plot(ep, [fnum(r[col[k]]) for r in rr], ls=ls, color=c,
                                label="fold %s %s" % (fo, "training" if split == "train" else "validation"))
        axes[0].set_yscale("log")
        from matplotlib.ticker import MaxNLocator
        for ax, kind in zip(axes, ("loss (cross-entropy)", "accuracy")):
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.set_xlabel("epoch")
            ax.set_ylabel(kind)
        axes[1].legend(fontsize=7, ncol=2)
        page.figure("training", fig, "Training curves",
                    "Per fold of the k-fold ensemble: training (solid) and validation (dashed) loss and accuracy per "
                    "epoch, from %s." % src(log_path, log_text, "train_log" if log_text is not None else "--log"))
    if report_path:
        if report_text is None:
            with open(report_path, encoding="utf-8", errors="replace") as f:
                report_text = f.read()
            report_src = "%s." % html.escape(report_path)
        else:
            report_src = "%s." % src(report_path, report_text, "heldout_confusion")
        lines = report_text.split("\n")
        start = next((i for i, ln in enumerate(lines) if ln.lower().startswith("true\\pred")), None)
        if start is None:
            fail("%s: no confusion matrix (a line starting with true\\pred); give csro-train's report" % report_path)
        names = lines[start].split("\t")[1:]
        cm = []
        for ln in lines[start + 1:start + 1 + len(names)]:
            parts = ln.split("\t")
            cm.append([fnum(v) for v in parts[1:1 + len(names)]])
        cm = np.array(cm)
        if cm.shape != (len(names), len(names)) or not np.isfinite(cm).all():
            fail("%s: the confusion matrix is incomplete" % report_path)
        acc = next((ln.split("\t")[1] for ln in lines if ln.startswith("accuracy\t")), None)
        fig, ax = plt.subplots(figsize=(4.8, 4.2), layout="constrained")
        rown = cm / np.maximum(cm.sum(axis=1, keepdims=True), 1)
        im = ax.imshow(rown, cmap="Blues", vmin=0, vmax=1)
        for i in range(len(names)):
            for j in range(len(names)):
                ax.text(j, i, "%d" % cm[i, j], ha="center", va="center",
                        color="white" if rown[i, j] > 0.5 else "black")
        ax.set_xticks(range(len(names)), names)
        ax.set_yticks(range(len(names)), names)
        ax.set_xlabel("predicted")
        ax.set_ylabel("true")
        ax.set_title("held-out test%s" % (", accuracy %s" % acc if acc else ""))
        fig.colorbar(im, ax=ax, label="fraction of the true class")
        page.figure("confusion", fig, "Confusion matrix",
                    "The ensemble mean on the held-out part of the bank (rows: true class; numbers: patterns; "
                    "colour: fraction of the row), from %s" % report_src)


def subcell_truth(pm, rec, truth):
    """(values, truth) of the sub-cells with ions and data, as csro-score
    counts them: a sub-cell is true when at least half of its ions are."""
    import numpy as np
    nx, ny, nz = pm.dims
    org, sp = pm.origin, pm.spacing
    idx = np.zeros(len(rec), np.int64)
    inside = np.ones(len(rec), bool)
    for k, (c, d) in enumerate(zip((rec.x, rec.y, rec.z), (nx, ny, nz))):
        f = np.floor((np.asarray(c, np.float64) - org[k]) / sp)
        inside &= (f >= 0) & (f < d)
        f = np.clip(f, 0, d - 1).astype(np.int64)
        idx = idx + f * (1 if k == 0 else nx if k == 1 else nx * ny)
    ncell = nx * ny * nz
    tot = np.bincount(idx[inside], minlength=ncell)
    pos = np.bincount(idx[inside], weights=truth[inside].astype(np.float64), minlength=ncell)
    v = np.asarray(pm.data).reshape(-1)
    ok = (tot > 0) & np.isfinite(v)
    return v[ok].astype(np.float64), (2 * pos[ok] >= tot[ok])


def roc_figure(page, pm, rec, truth_path, thr):
    import numpy as np
    import csro
    plt = page.plt
    t = csro.load_truth(truth_path)
    if len(t) != len(rec):
        fail("%s: %d truth bytes for %d ions of the reconstruction; give the truth written with this "
             "reconstruction" % (truth_path, len(t), len(rec)))
    v, y = subcell_truth(pm, rec, t)
    npos, nneg = int(y.sum()), int((~y).sum())
    if npos == 0 or nneg == 0:
        page.skip("ROC and F1 against the threshold", "the truth has %s sub-cells only" %
                  ("matrix" if npos == 0 else "CSRO"))
        return None
    order = np.argsort(-v, kind="stable")
    vs, ys = v[order], y[order]
    last = np.r_[np.nonzero(np.diff(vs))[0], len(vs) - 1]   # ties: one ROC point per distinct value
    tp = np.cumsum(ys)[last]
    fp = np.cumsum(~ys)[last]
    tpr = np.r_[0, tp / npos]
    fpr = np.r_[0, fp / nneg]
    auc = float(np.trapz(tpr, fpr))
    ts = np.arange(0, pm.max_value + 1e-9, 0.125)
    prec, rec_, f1 = [], [], []
    for th in ts:
        sel = v > th
        tpv = float((sel & y).sum())
        p = tpv / sel.sum() if sel.sum() else math.nan
        r = tpv / npos
        prec.append(p)
        rec_.append(r)
        f1.append(2 * p * r / (p + r) if p + r > 0 else math.nan)
    f1a = np.array(f1)
    best = int(np.nanargmax(f1a)) if np.isfinite(f1a).any() else 0
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.4), layout="constrained")
    ax = axes[0]
    ax.plot(fpr, tpr, color="tab:red", lw=1.6, label="sub-cells, AUC %.3f" % auc)
    ax.plot([0, 1], [0, 1], color="0.6", ls=":", lw=1)
    sel = v > thr
    ax.plot(float((sel & ~y).sum()) / nneg, float((sel & y).sum()) / npos, "ko",
            label="threshold %g" % thr)
    ax.set_xlabel("false-positive rate")
    ax.set_ylabel("true-positive rate (recall)")
    ax.set_title("ROC")
    ax.legend(loc="lower right", fontsize=8)
    ax = axes[1]
    ax.plot(ts, prec, label="precision", color="tab:blue")
    ax.plot(ts, rec_, label="recall", color="tab:green")
    ax.plot(ts, f1, label="F1", color="tab:red", lw=2)
    ax.axvline(thr, color="k", ls="--", lw=1, label="threshold used (%g)" % thr)
    ax.axvline(ts[best], color="tab:red", ls=":", lw=1, label="best F1 %.3f at %g" % (f1a[best], ts[best]))
    ax.set_xlabel("sub-cell threshold")
    ax.set_ylim(0, 1.02)
    ax.set_title("precision, recall, F1 against the threshold")
    ax.legend(fontsize=8)
    page.figure("roc", fig, "ROC and F1 against the threshold",
                "Sub-cell scoring as csro-score does it: a sub-cell is CSRO in truth when at least half of its ions "
                "are in a planted domain (%s); %d true and %d matrix sub-cells with ions and data. Left: ROC of the "
                "sub-cell values; right: precision, recall and F1 for thresholds 0 to %g in steps of 0.125. A "
                "threshold chosen here is tuned on this specimen: calibrate on another one." % (
                    html.escape(truth_path), npos, nneg, pm.max_value))
    return {"auc": auc, "best_f1": float(f1a[best]), "best_threshold": float(ts[best])}


def score_table(page, path):
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    if text.lstrip().startswith("{") or text.lstrip().startswith("["):
        try:
            obj = json.loads(text)
        except ValueError as e:
            fail("%s: not valid JSON (%s); give csro-score output" % (path, e))
        objs = obj if isinstance(obj, list) else [obj]
        rows, header = [], ["condition", "level", "tp", "fp", "fn", "tn", "precision", "recall", "f1", "iou",
                            "false_positive_rate", "roc_auc"]
        for o in objs:
            for lev in ("ion", "subcell"):
                d = o.get(lev) if isinstance(o, dict) else None
                if isinstance(d, dict):
                    rows.append([str(o.get("condition", ""))] + [lev] + [str(d.get(k, "")) for k in header[2:]])
        if not rows:
            fail("%s: no ion or subcell scores found; give csro-score output" % path)
    else:
        blocks = [b for b in text.split("\n\n") if b.strip()]
        header, rows = None, []
        lines = [ln for ln in blocks[0].splitlines() if ln.strip() and not ln.startswith("#")]
        if not lines or "\t" not in lines[0]:
            fail("%s: not a csro-score table (TSV with a header line expected)" % path)
        header = lines[0].split("\t")
        rows = [ln.split("\t") for ln in lines[1:]]
        for b in blocks[1:]:
            bl = [ln for ln in b.splitlines() if ln.strip() and not ln.startswith("#")]
            if bl:
                page.table("Domain detection (%s)" % html.escape(path), bl[0].split("\t"),
                           [ln.split("\t") for ln in bl[1:]])
    page.items.insert(len([i for i in page.items if i[0] == "fig"]), ("table", header,
                      "Scores against the truth (%s)" % html.escape(path), rows,
                      "csro-score: precision, recall, F1, IoU = TP/(TP+FP+FN), false-positive rate FP/(FP+TN); "
                      "ion level: the ions csro-extract selects; sub-cell level: the map."))


LIMIT_ALIASES = {
    "size": ("domain_nm", "diameter_nm", "domain_size", "domain_size_nm", "size_nm", "size", "diameter", "domain",
             "d_nm", "dmin"),
    "sigma_xy": ("sigma_xy", "sigma_xy_nm", "sxy", "blur", "sigma"),
    "efficiency": ("efficiency", "eff", "detection_efficiency"),
    "f1": ("f1", "f1_subcell", "subcell_f1", "f1_mean"),
}


def limits_section(page, path):
    import numpy as np
    plt = page.plt
    header, rows = read_tsv(path)
    with open(path, encoding="utf-8", errors="replace") as f:
        notes = " ".join(ln[1:].strip() for ln in f if ln.startswith("#"))
    low = [h.strip().lower() for h in header]
    col = {}
    for k, names in LIMIT_ALIASES.items():
        for nme in names:
            if nme in low:
                col[k] = low.index(nme)
                break
    page.table("Detection limits (%s)" % html.escape(path), header, rows,
               "From csro-limits: detection quality against domain size, lateral blur sigma_xy and detection "
               "efficiency on simulated specimens. %s" % html.escape(notes))
    if "f1" not in col or "sigma_xy" not in col or "size" not in col:
        page.skip("detection-limit figure", "%s lacks a domain size, sigma_xy or f1 column" % path)
        return

    def size_key(s):
        return fnum(s.split("-")[0].split(":")[0])
    effs = sorted({r[col["efficiency"]] for r in rows if len(r) == len(header)}, key=fnum) \
        if "efficiency" in col else [None]
    sizes = sorted({r[col["size"]] for r in rows if len(r) == len(header)}, key=size_key)
    fig, axes = plt.subplots(1, len(effs[:4]), figsize=(4 * len(effs[:4]) + 1, 3.8), layout="constrained",
                             squeeze=False, sharey=True)
    for ax, eff in zip(axes[0], effs[:4]):
        for s in sizes:
            by = {}    # rows repeated (seeds, order parameters): mean F1 per sigma_xy
            for r in rows:
                if len(r) == len(header) and r[col["size"]] == s and (eff is None or r[col["efficiency"]] == eff):
                    x, y = fnum(r[col["sigma_xy"]]), fnum(r[col["f1"]])
                    if np.isfinite(x) and np.isfinite(y):
                        by.setdefault(x, []).append(y)
            if by:
                xs = sorted(by)
                ax.plot(xs, [float(np.mean(by[x])) for x in xs], "o-", ms=3, label="%s nm" % s)
        ax.set_xlabel("sigma_xy (nm)")
        ax.set_title("efficiency %s" % eff if eff is not None else "")
        ax.set_ylim(0, 1.02)
    axes[0][0].set_ylabel("F1")
    axes[0][-1].legend(fontsize=7, title="domain size")
    page.figure("limits", fig, "Detection limits",
                "F1 against the lateral blur sigma_xy, one line per domain size%s (mean over repeated rows), from "
                "%s. %s" % (", one panel per detection efficiency" if effs[0] is not None else "",
                             html.escape(path), html.escape(notes)))


MODEL_KEYS = ("software", "source", "source_files", "keras_version", "training", "heldout_accuracy", "bank",
              "bank_patterns", "bank_crc32", "seed", "threshold", "calibrated_threshold")


def model_table(page, path):
    import csro
    e = csro.Ensemble.load(path)
    rows = [["members", str(len(e))], ["classes", ", ".join(e.classes)]]
    c = e.contract
    if c is not None:
        if c.pair:
            rows.append(["input pair", "-".join(c.pair)])
        rows.append(["input", "%d bins of %g nm, %s" % (c.nbins, c.bin_width, {0: "raw", 1: "min-max", 2:
                     "experimental"}.get(c.preprocess, "?"))])
    for k in MODEL_KEYS:
        v = e.text(k)
        if v:
            rows.append([k, v])
    page.table("Model (%s)" % html.escape(path), ["property", "value"], rows)


# ---------------------------------------------------------------- page
CSS = """body{font-family:sans-serif;max-width:1200px;margin:1em auto;padding:0 1em;color:#222}
h1{font-size:1.5em}h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #ccc}
figure{margin:1em 0}figure img{max-width:100%;height:auto;border:1px solid #eee}
figcaption{font-size:.9em;color:#444;max-width:60em}
table{border-collapse:collapse;font-size:.9em;margin:.5em 0}td,th{border:1px solid #ccc;padding:2px 8px;text-align:left}
th{background:#f2f2f2}.num{text-align:right}.note{color:#666;font-size:.85em}"""


def cell(v):
    f = fnum(v)
    if math.isfinite(f) and v.strip() and not v.strip().isdigit() and "." in v and len(v) > 7:
        return '<td class="num">%.4g</td>' % f
    return '<td%s>%s</td>' % (' class="num"' if math.isfinite(f) else "", html.escape(v))


def write_html(page, title, summary, argv, versions):
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           "<title>%s</title><style>%s</style></head><body>" % (html.escape(title), CSS),
           "<h1>%s</h1>" % html.escape(title), "<table>"]
    out += ["<tr><th>%s</th>%s</tr>" % (html.escape(k), cell(str(v))) for k, v in summary]
    out.append("</table>")
    for it in page.items:
        if it[0] == "fig":
            _, src, ttl, cap = it
            out.append('<h2>%s</h2><figure><img src="%s" alt="%s"><figcaption>%s</figcaption></figure>' % (
                html.escape(ttl), html.escape(src), html.escape(ttl), cap))
        else:
            _, header, ttl, rows = it[:4]
            cap = it[4] if len(it) > 4 else ""
            out.append("<h2>%s</h2><table><tr>%s</tr>" % (ttl, "".join("<th>%s</th>" % html.escape(h)
                                                                       for h in header)))
            out += ["<tr>%s</tr>" % "".join(cell(v) for v in r) for r in rows]
            out.append("</table>")
            if cap:
                out.append('<p class="note">%s</p>' % cap)
    if page.skipped:
        out.append("<h2>Not shown</h2><ul>")
        out += ["<li>%s: %s</li>" % (html.escape(w), html.escape(y)) for w, y in page.skipped]
        out.append("</ul>")
    out.append('<p class="note">%s; command: %s</p></body></html>' % (
        html.escape(versions), html.escape(" ".join(argv))))
    with open(os.path.join(page.dir, "index.html"), "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")


def load_map(csro, path, threshold):
    """(map, threshold, note): the map rule the .prob carries (a calibrated
    model's map.* texts: csro_probmap_load_auto) when the library has it,
    else the reference sum map; threshold given, the rule's, or 3.75."""
    if hasattr(csro.ProbMap, "load_auto") and csro.has("csro_probmap_load_auto"):
        pm, thr, note = csro.ProbMap.load_auto(path)
    else:
        pm, thr, note = csro.ProbMap.load(path), DEFAULT_THRESHOLD, "reference sum map, threshold 3.75"
    if threshold is not None:
        thr = threshold
        note = "%s; threshold %g given" % (note, threshold)
    return pm, thr, note


def build(o, tmp, argv):
    import numpy as np
    import csro
    os.environ.setdefault("MPLCONFIGDIR", os.path.join(tmp, ".mpl"))
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    plt.rcParams.update({"font.size": 9, "axes.titlesize": 10})
    versions = "csro-report %s, libcsro %s, matplotlib %s" % (csro.__version__, csro.version(),
                                                              matplotlib.__version__)
    t0 = time.time()
    pm, thr, rule = load_map(csro, o["prob"], o["threshold"])
    page = Page(tmp, plt, "(csro-report, libcsro %s; threshold %g.)" % (csro.version(), thr))
    if thr >= pm.max_value:
        fail("--threshold %g: at or above the largest sub-cell value %g" % (thr, pm.max_value), EXIT_USAGE)
    prob = csro.read_prob(o["prob"])
    meta = prob.meta
    classes = meta.classes
    name = (pm.label or "").split(" ")[-1]     # "Co-Co CSRO": the mapped class is the last word
    cls = classes.index(name) if name in classes else (1 if len(classes) == 2 else 0)
    mode_txt = {0: "sum", 1: "mean"}.get(pm.mode, "map rule")
    real = domain_stats(pm, thr)
    ctrl = None
    if o["control"]:
        cpm = load_map(csro, o["control"], thr)[0]
        if cpm.spacing != pm.spacing or cpm.ratio != pm.ratio:
            fail("%s: control map has sub-cells of %g nm (ratio %d), the map %g nm (ratio %d); make both with "
                 "the same apt-voxelize options" % (o["control"], cpm.spacing, cpm.ratio, pm.spacing, pm.ratio))
        ctrl = domain_stats(cpm, thr)
        cprob = csro.read_prob(o["control"])
    else:
        page.skip("random-label control (volume fraction, domains, z-SDM profiles)",
                  "give --control Y.prob: the same reconstruction through apt-voxelize --random-labels SEED "
                  "and csro-classify")
    map_figures(page, pm, real["mask"], thr, mode_txt, o["prob"])
    rec = rng = None
    if o["recon"]:
        rec = csro.Recon.load(o["recon"])
    if o["ranges"]:
        rng = csro.Ranges.load(o["ranges"])
    pair = meta.pair or ("?", "?")
    if rec is not None and rng is not None:
        mass_spectrum(page, rec, rng, pair, o["ranges"])
    else:
        page.skip("mass spectrum", "give --recon and --ranges")
    # z-SDM profiles of CSRO vs matrix voxels
    grid = meta.grid
    lab = voxel_labels(prob, len(grid), cls) if grid is not None else None
    prof = profile_means = None
    if lab is not None and o["zsdm"]:
        prof, state = zsdm_sums(o["zsdm"], prob, lab, o["prob"])
        how = "read from %s" % html.escape(o["zsdm"])
    elif lab is not None and rec is not None and rng is not None:
        prof = profile_sums(lab, recompute_chunks(meta, rec, rng, progress=Progress(
            "z-SDM profiles of %d voxels" % len(grid), o["quiet"])), meta.nbins)
        state = meta.preprocess
        how = "recomputed from %s with the grid and bins of the .prob file" % html.escape(o["recon"])
    if prof is not None:
        cprof, note = None, ""
        if ctrl is not None:
            seed = cprob.meta.text("random_labels_seed")
            cgrid = cprob.meta.grid
            if cgrid is None:
                note = "The control's .prob holds no grid: its profiles are not shown."
            elif o["control_zsdm"]:
                cprof, cstate = zsdm_sums(o["control_zsdm"], cprob, voxel_labels(cprob, len(cgrid), cls),
                                          o["control"])
                if cstate != state:
                    fail("%s: control profiles in another preprocessing state than the map's; give the .zsdm "
                         "files both were classified from" % o["control_zsdm"])
                note = "Control profiles read from %s." % html.escape(o["control_zsdm"])
            elif seed is None:
                note = ("The control's .prob records no random-label seed: give its .zsdm with --control-zsdm to "
                        "show its profiles.")
            elif rec is None or rng is None or len(cgrid) != len(grid):
                note = "Control profiles need --recon and --ranges and the same grid."
            else:
                clab = voxel_labels(cprob, len(cgrid), cls)
                cprof = profile_sums(clab, recompute_chunks(cprob.meta, rec, rng, shuffle_seed=int(seed),
                                                            progress=Progress("control z-SDM profiles of %d voxels"
                                                                              % len(cgrid), o["quiet"])),
                                     meta.nbins)
                note = ("Control: the same reconstruction with its mass-to-charge values shuffled (seed %s, as "
                        "apt-voxelize --random-labels), profiles recomputed." % seed)
        profiles_figure(page, prob, state, how, prof, cprof, note)
        ps, _, pn = prof
        profile_means = {"matrix": (ps[0] / max(pn[0], 1)).tolist(), "csro": (ps[1] / max(pn[1], 1)).tolist(),
                         "voxels": [int(pn[0]), int(pn[1])]}
    else:
        page.skip("z-SDM profiles", "give --zsdm, or --recon and --ranges")
    domains_figure(page, real, ctrl, thr, pm.spacing)
    model = None
    if o["model"]:
        model = (o["model"], csro.Ensemble.load(o["model"]))
    if o["train_log"] or o["train_report"] or (model and (model[1].text("train_log") or
                                                          model[1].text("heldout_confusion"))):
        training_figures(page, o["train_log"], o["train_report"], model)
    elif model:
        page.skip("training curves and confusion matrix",
                  "the model %s holds no training log (%s); give --train-log and --train-report if you have them"
                  % (html.escape(model[0]), "imported with csro-net-import" if model[1].text("source") else
                     "not trained by this version of csro-train"))
    else:
        page.skip("training curves and confusion matrix",
                  "give the model (-m, trained by csro-train), or --train-log and --train-report")
    roc = None
    if o["truth"]:
        roc = roc_figure(page, pm, rec, o["truth"], thr)
    else:
        page.skip("ROC and F1 against the threshold", "give --truth and --recon (simulated specimens)")
    if o["score"]:
        score_table(page, o["score"])
    if o["limits"]:
        limits_section(page, o["limits"])
    if o["model"]:
        model_table(page, o["model"])
    diam = real["diameters"]
    nx, ny, nz = pm.dims
    summary = [("map", o["prob"]),
               ("species pair, class", "%s, %s" % ("-".join(pair), classes[cls] if classes else "?")),
               ("sub-cells (x, y, z)", "%d x %d x %d of %g nm (%d with data)" % (nx, ny, nz, pm.spacing,
                                                                                   real["subcells"])),
               ("threshold", "%g (%s of P(CSRO) over %d voxels per sub-cell)" % (thr, mode_txt, pm.ratio ** 3)),
               ("map rule", rule),
               ("CSRO volume fraction", "%.4f (%d sub-cells)" % (real["fraction"], real["selected"])),
               ("domains", "%d, mean diameter %s nm" % (real["domains"],
                                                         "%.2f" % float(np.mean(diam)) if len(diam) else "-"))]
    if ctrl:
        summary.append(("random-label control", "volume fraction %.4f, %d domains (%s)" % (
            ctrl["fraction"], ctrl["domains"], o["control"])))
    if roc:
        summary.append(("against the truth", "sub-cell ROC-AUC %.3f; best F1 %.3f at threshold %g" % (
            roc["auc"], roc["best_f1"], roc["best_threshold"])))
    summary.append(("made", "%s in %.1f s" % (time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                                             time.time() - t0)))
    numbers = {"map": o["prob"], "threshold": thr, "map_rule": rule, "subcells": real["subcells"],
               "subcells_csro": real["selected"], "volume_fraction": real["fraction"], "domains": real["domains"],
               "diameter_mean_nm": float(np.mean(diam)) if len(diam) else None,
               "figures": [i[1] for i in page.items if i[0] == "fig"], "library_version": csro.version()}
    if ctrl:
        numbers.update(control_volume_fraction=ctrl["fraction"], control_domains=ctrl["domains"])
    if profile_means:
        numbers["profile_mean"] = profile_means
    if roc:
        numbers.update(roc_auc=roc["auc"], best_f1=roc["best_f1"], best_threshold=roc["best_threshold"])
    with open(os.path.join(tmp, "summary.json"), "w", encoding="utf-8") as f:
        json.dump(numbers, f, indent=1)
        f.write("\n")
    title = o["title"] or "CSRO report: %s" % os.path.basename(o["prob"])
    write_html(page, title, summary, [PROG] + argv, versions)
    return sum(1 for i in page.items if i[0] == "fig")


def publish(tmp, out):
    """Move the finished report into out (created if absent); index.html last."""
    if not os.path.exists(out):
        os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
        os.rename(tmp, out)
        return
    names = sorted(n for n in os.listdir(tmp) if not n.startswith("."))
    for n in names:
        if n != "index.html":
            os.replace(os.path.join(tmp, n), os.path.join(out, n))
    os.replace(os.path.join(tmp, "index.html"), os.path.join(out, "index.html"))
    shutil.rmtree(tmp, ignore_errors=True)


def _terminate(signum, _frame):
    sys.exit(128 + signum)    # unwinds through main's cleanup of the temporary directory


def main(argv=None):
    import signal
    argv = sys.argv[1:] if argv is None else argv
    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGXFSZ):
        signal.signal(sig, _terminate)
    try:
        o = parse_args(list(argv))
        if o["help"]:
            print(USAGE)
            sys.stdout.flush()
            return 0
        import csro
        if o["version"]:
            print("csro-report (libcsro) %s" % csro.version())
            sys.stdout.flush()
            return 0
        out = o["output"].rstrip("/") or "/"
        parent = os.path.dirname(os.path.abspath(out))
        if not os.path.isdir(parent):
            fail("%s: directory %s does not exist; create it first" % (o["output"], parent))
        # the tools' temporary name (csro-tools(7)): OUT.csro-tmp.PID.XXXXXX beside OUT
        tmp = tempfile.mkdtemp(prefix="%s.csro-tmp.%d." % (os.path.basename(os.path.abspath(out)), os.getpid()),
                               dir=parent)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o777 & ~umask)
        try:
            nfig = build(o, tmp, list(argv))
            if os.path.exists(os.path.join(tmp, ".mpl")):
                shutil.rmtree(os.path.join(tmp, ".mpl"), ignore_errors=True)
            publish(tmp, out)
        finally:
            if os.path.exists(tmp):
                shutil.rmtree(tmp, ignore_errors=True)
        if not o["quiet"]:
            print("%s: wrote %s (%d figures)" % (PROG, os.path.join(out, "index.html"), nfig), file=sys.stderr)
        return 0
    except ReportError as e:
        print("%s: %s" % (PROG, e), file=sys.stderr)
        return e.code
    except BrokenPipeError:   # e.g. csro-report -h | head -1
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_DATA
    except ImportError as e:
        print("%s: %s; install python3-numpy and python3-matplotlib (scripts/install-deps)" % (PROG, e),
              file=sys.stderr)
        return EXIT_DATA
    except OSError as e:
        where = e.filename or ""
        print("%s: %s%s" % (PROG, where + ": " if where else "", e.strerror or e), file=sys.stderr)
        return EXIT_DATA
    except Exception as e:  # CsroError and the like: the library's message names the file
        if type(e).__name__ == "CsroError":
            print("%s: %s" % (PROG, str(e).splitlines()[0] if str(e) else "error"), file=sys.stderr)
            return EXIT_DATA
        raise
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
