"""csrofile.py: the test-side writer of libcsro's shared container and of
the z-SDM metadata header, written from csro-formats(5) and csro-zsdm(5)
alone (struct + zlib), so the tests check that libcsro reads files made by
others to that spec, and need no libcsro build (ASan builds too).

Used by mk_zsdm.py, mk_prob.py, the tool tests and the fuzz reproducers.
"""
import struct
import zlib

R, W, LO, HI = 1.5, 0.015, -0.7, 0.7  # reference radius, bin width, crop (nm)
KINDS = {"voxels": 1, "bank": 2}
STATES = {"raw": 0, "minmax": 1, "experimental": 2}


def s(text):
    """A length-prefixed string."""
    b = text.encode()
    return struct.pack("<I", len(b)) + b


def kept_bins(r=R, w=W, lo=LO, hi=HI):
    """(number of kept bins, first kept bin) as np.arange(-R, R, w) cropped to [lo, hi)."""
    nfull = int(round(2 * r / w))
    kept = [k for k in range(nfull) if lo <= -r + k * w < hi]
    return len(kept), (kept[0] if kept else 0)


def sdm_header(kind="voxels", state="raw", pair="-", r=R, w=W, lo=LO, hi=HI, grid=None,
               classes=(), texts=(("source", "csrofile.py"),), rowsize=None, nb=None, first=None):
    """The z-SDM metadata header (csro-zsdm(5)). grid = (lo3, hi3, voxel,
    stride, shape, dims3) or None; rowsize defaults to 16 + 4 nb. nb and
    first default to the bins the parameters keep (give them to lie)."""
    knb, kfirst = kept_bins(r, w, lo, hi)
    nb = knb if nb is None else nb
    first = kfirst if first is None else first
    h = struct.pack("<III", KINDS.get(kind, kind), STATES.get(state, state), 1)
    h += struct.pack("<7d", r, w, lo, hi, 0.0, 0.0, 1.0)
    h += struct.pack("<II", nb, first)
    h += b"".join(struct.pack("<d", -r + (first + i) * w) for i in range(nb))
    pa, pb = pair.split("-")
    h += s(pa) + s(pb)
    if grid is None:
        h += struct.pack("<I", 0)
    else:
        glo, ghi, voxel, stride, shape, dims = grid
        h += struct.pack("<I", 1) + struct.pack("<6d", *glo, *ghi)
        h += struct.pack("<ddI", voxel, stride, shape) + struct.pack("<3Q", *dims)
    h += struct.pack("<I", len(classes)) + b"".join(s(c) for c in classes)
    h += struct.pack("<I", 0)  # params
    h += struct.pack("<I", len(texts)) + b"".join(s(k) + s(v) for k, v in texts)
    h += struct.pack("<I", 16 + 4 * nb if rowsize is None else rowsize)
    return h


def container(magic, header, payload, chunk=1 << 20, version=1):
    """The whole file: magic, version, header + CRC, zlib chunks, end record."""
    out = [magic + struct.pack("<II", version, len(header)) + header + struct.pack("<I", zlib.crc32(header))]
    for off in range(0, len(payload), chunk):
        raw = payload[off:off + chunk]
        c = zlib.compress(raw)
        out.append(struct.pack("<III", len(raw), len(c), zlib.crc32(raw)) + c)
    out.append(struct.pack("<IIIQ", 0, 0, zlib.crc32(payload), len(payload)))
    return b"".join(out)


def write(path, magic, header, payload, **kw):
    with open(path, "wb") as f:
        f.write(container(magic, header, payload, **kw))


def net_header(classes, members, texts=(), contract=b""):
    """A .csronet header (csro-net(5)): members = [(length, channels,
    [(type, padding, a, k, rate), ...], nparams)]; contract = the bytes of a
    z-SDM header (sdm_header) or b"" for none. Layer types: 1 conv1d,
    2 relu, 3 dropout, 4 maxpool1d, 5 flatten, 6 dense, 7 softmax."""
    h = struct.pack("<I", len(classes)) + b"".join(s(c) for c in classes)
    h += struct.pack("<I", len(members))
    for length, channels, layers, nparams in members:
        h += struct.pack("<QQI", length, channels, len(layers))
        h += b"".join(struct.pack("<IIQQd", *L) for L in layers)
        h += struct.pack("<Q", nparams)
    h += struct.pack("<I", len(texts)) + b"".join(s(k) + s(v) for k, v in texts)
    h += struct.pack("<II", 1, len(contract)) + contract if contract else struct.pack("<I", 0)
    return h
