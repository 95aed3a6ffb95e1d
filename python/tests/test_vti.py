"""csro_probmap_write_vti and the TIFF origin/info (libcsro 1.1), read back
by independent parsers: xml.etree + NumPy for the VTI, tifffile for TIFF."""
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import csro
from conftest import requires


def _map(rng):
    g = csro.Grid((-2.0, 1.0, 10.0), (3.0, 4.5, 14.0), 1.0, 0.5)
    v = rng.random(len(g)).astype(np.float32)
    v[::7] = np.nan
    return csro.ProbMap(g, v)


def read_vti(path):
    raw = open(path, "rb").read()
    head, _, rest = raw.partition(b"<AppendedData encoding=\"raw\">")
    body = rest[rest.index(b"_") + 1:]
    nbytes = int(np.frombuffer(body[:8], "<u8")[0])
    data = np.frombuffer(body[8:8 + nbytes], "<f4")
    assert body[8 + nbytes:].strip().startswith(b"</AppendedData>")
    xml = ET.fromstring(head + b"<AppendedData encoding=\"raw\"/></VTKFile>")
    return xml, data, head.decode()


@requires("csro_probmap_write_vti")
def test_vti(tmp_path, rng):
    m = _map(rng)
    m.set_info({"program": "test", "command_line": "a --b -- c"})
    m.write_vti(tmp_path / "m.vti", "Ni-Ni CSRO")
    xml, data, head = read_vti(tmp_path / "m.vti")
    assert xml.get("type") == "ImageData" and xml.get("byte_order") == "LittleEndian"
    img = xml.find("ImageData")
    nx, ny, nz = m.dims
    assert img.get("WholeExtent").split() == ["0", str(nx - 1), "0", str(ny - 1), "0", str(nz - 1)]
    s = m.spacing
    np.testing.assert_allclose([float(v) for v in img.get("Origin").split()], np.array(m.origin) + s / 2)
    np.testing.assert_allclose([float(v) for v in img.get("Spacing").split()], [s, s, s])
    arr = img.find("Piece/PointData/DataArray")
    assert arr.get("Name") == "Ni-Ni_CSRO" and arr.get("type") == "Float32"
    np.testing.assert_array_equal(data.reshape(nz, ny, nx), m.data)
    assert float(arr.get("RangeMax")) == pytest.approx(np.nanmax(m.data))
    assert "program=test" in head and "command_line=a -~-b -~- c" in head  # no "--" inside a comment


@requires("csro_tiff_write_volume_info")
def test_tiff_origin_and_info(tmp_path, rng):
    tifffile = pytest.importorskip("tifffile")
    m = _map(rng)
    m.set_info("program=test\nlibrary_version=%s\n" % csro.version())
    m.write_tiff(tmp_path / "m.tif")
    with tifffile.TiffFile(tmp_path / "m.tif") as t:
        meta = t.imagej_metadata
        img = t.asarray()
    np.testing.assert_array_equal(img, m.data)
    s = m.spacing
    assert meta["spacing"] == pytest.approx(s) and meta["unit"] == "nm"
    ox, oy, oz = m.origin
    # ImageJ: calibrated x = (pixel - xorigin) * pixel width
    assert meta["xorigin"] == pytest.approx(-ox / s) and meta["zorigin"] == pytest.approx(-oz / s)
    assert [float(v) for v in meta["origin_nm"].split(",")] == pytest.approx([ox, oy, oz])
    assert meta["program"] == "test" and meta["library_version"] == csro.version()
    m.set_info(None)
    m.write_tiff(tmp_path / "n.tif")
    with tifffile.TiffFile(tmp_path / "n.tif") as t:
        assert "program" not in t.imagej_metadata
