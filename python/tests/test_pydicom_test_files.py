"""DICOM files MedPipe's own tests never chose: every `.dcm` that ships in pydicom's wheel (its test files:
odd encodings, damaged and non-image files) and in nibabel's (Siemens files with CSA headers, a decimal
Rescale Slope, an empty Slice Thickness), read with `medpipe inspect FILE --array OUT.npy`.

- No file crashes MedPipe: it exits 0, or 1 with one `medpipe: error: FILE: problem` line.
- What pydicom decodes, MedPipe decodes to the same values: pydicom's `pixel_array` with the Modality LUT
  applied, through its Pillow plugin for 8-bit JPEG (libjpeg-turbo, the library MedPipe decodes it with),
  exactly. 12-bit JPEG (DCMTK's IJG decoder here, pylibjpeg-libjpeg in pydicom) may differ by one level,
  as two lossy decoders' rounding does."""
from __future__ import annotations

import pathlib
import re
import warnings

import numpy as np
import pytest

pydicom = pytest.importorskip("pydicom")
from pydicom.pixels import apply_modality_lut, pixel_array  # noqa: E402
from pydicom.uid import JPEGBaseline8Bit, JPEGExtended12Bit  # noqa: E402

FILES = pathlib.Path(pydicom.__file__).parent / "data" / "test_files"


def shipped_files() -> dict[str, pathlib.Path]:
    """Test id (`pydicom/NAME`, `nibabel/PATH`) → file: pydicom's test files, and nibabel's when it is installed."""
    files = {f"pydicom/{p.name}": p for p in FILES.glob("*.dcm")}
    try:
        import nibabel
        root = pathlib.Path(nibabel.__file__).parent
        files.update({f"nibabel/{p.relative_to(root)}": p for p in root.rglob("*.dcm")})
    except ImportError:
        pass
    return dict(sorted(files.items()))


SHIPPED = shipped_files()


def reference(path: pathlib.Path):
    """pydicom's array for `path` with the Modality LUT applied, or None when pydicom cannot decode it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            ds = pydicom.dcmread(path)
            syntax = ds.file_meta.TransferSyntaxUID
            eight_bit_jpeg = syntax == JPEGBaseline8Bit or (syntax == JPEGExtended12Bit and ds.BitsStored == 8)
            array = pixel_array(ds, decoding_plugin="pillow") if eight_bit_jpeg else ds.pixel_array
            return apply_modality_lut(array, ds), syntax
        except Exception:
            return None, None


@pytest.mark.parametrize("name", SHIPPED)
def test_decodes_what_pydicom_decodes_and_never_crashes(name, medpipe, tmp_path):
    path, out = SHIPPED[name], tmp_path / "array.npy"
    done = medpipe.run("inspect", path, "--array", out)
    assert done.returncode in (0, 1), f"{name}: exit status {done.returncode} (a crash?)\n{done.stderr}"
    if done.returncode == 1:
        assert re.fullmatch(rf"medpipe: error: {re.escape(str(path))}: \S.*\n", done.stderr), done.stderr
    expected, syntax = reference(path)
    if expected is None:
        return  # pydicom cannot decode it: MedPipe may refuse it (as above) or decode more
    assert done.returncode == 0, f"{name}: pydicom decodes it, MedPipe refused: {done.stderr}"
    ours = np.load(out)
    assert ours.shape == expected.shape, f"{name}: shape {ours.shape}, pydicom {expected.shape}"
    if syntax == JPEGExtended12Bit and ours.dtype.itemsize > 1:
        assert np.abs(ours.astype(np.float64) - expected).max() <= 1, name
    else:
        assert np.array_equal(ours, expected), f"{name}: largest difference {np.abs(ours.astype(np.float64) - expected).max()}"
