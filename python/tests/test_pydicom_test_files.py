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


def read_with_pydicom(path: pathlib.Path):
    """(dataset, pixel array or None), or None when pydicom cannot read the file or decode its pixels."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            ds = pydicom.dcmread(path)
            return ds, (ds.pixel_array if "PixelData" in ds else None)
        except Exception:
            return None


@pytest.mark.parametrize("name", SHIPPED)
def test_anonymize_keeps_the_pixels_and_never_crashes(name, medpipe, tmp_path):
    """`medpipe anonymize FILE --allow-burned-in`, one file per run: never a crash; a file it writes is one pydicom
    reads whenever it reads the input, with the same pixels, marked Patient Identity Removed; a file it does not
    write is named with its reason, and that reason is never a residual-scan hit (no false alarm, such as a date
    the file held from an earlier de-identification)."""
    path = SHIPPED[name]
    done = medpipe.run("anonymize", path, "--out", tmp_path / "out", "--report", tmp_path / "report.json", "--allow-burned-in")
    assert done.returncode in (0, 1), f"{name}: exit status {done.returncode} (a crash?)\n{done.stderr}"
    outputs = list((tmp_path / "out").rglob("*.dcm"))
    if not outputs:
        reason = re.search(rf"(failed|withheld) {re.escape(str(path))} \(P-\w+\): (\S.*)", done.stdout)
        assert reason, done.stdout
        # Exit status 1 either way: it failed, or the profile withheld it (burned-in text, no SOP class) and, the run's
        # only input, nothing was written.
        assert done.returncode == 1, done.stdout
        assert reason[1] == "failed" or "no file was written" in done.stderr, done.stderr
        assert "residual scan" not in reason[2], reason[0]
        return
    assert len(outputs) == 1 and done.returncode == 0, done.stdout + done.stderr
    source, written = read_with_pydicom(path), read_with_pydicom(outputs[0])
    if source is None:
        return
    assert written is not None, f"{name}: pydicom reads the input but not MedPipe's output"
    assert written[0].PatientIdentityRemoved == "YES"
    if source[1] is not None:
        assert np.array_equal(written[1], source[1]), f"{name}: pixels changed"


def test_folders_with_a_dicomdir_a_fifo_and_an_empty_file(medpipe, tmp_path):
    """An archive folder as found on a disk: a DICOMDIR, an empty file, a FIFO, an image. `anonymize` withholds the
    DICOMDIR with its reason (it indexes the inputs by path), names the empty file as failed, never waits on the
    FIFO (folder walks keep regular files only) and writes the image; `inspect` reads the folder as a series."""
    import os
    import subprocess
    folder = tmp_path / "archive"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "image.dcm").write_bytes(SHIPPED["pydicom/CT_small.dcm"].read_bytes())
    (folder / "DICOMDIR").write_bytes((FILES / "dicomdirtests" / "DICOMDIR").read_bytes())
    (folder / "empty.dcm").write_bytes(b"")
    os.mkfifo(folder / "sub" / "pipe.dcm")

    def run(*arguments):
        try:
            return subprocess.run([medpipe.path, *map(str, arguments)], capture_output=True, text=True, timeout=60,
                                  env={**os.environ, "MEDPIPE_KEY": str(medpipe.key)})
        except subprocess.TimeoutExpired:
            pytest.fail(f"medpipe {arguments[0]} waited on the FIFO")

    done = run("anonymize", folder, "--out", tmp_path / "out", "--report", tmp_path / "report.json")
    assert done.returncode == 1, done.stdout + done.stderr
    assert re.search(r"withheld \S+/DICOMDIR \(P-\w+\): a DICOMDIR", done.stdout), done.stdout
    assert re.search(r"failed \S+/empty\.dcm \(P-\w+\): ", done.stdout), done.stdout
    assert "pipe.dcm" not in done.stdout + done.stderr
    assert len(list((tmp_path / "out").rglob("*.dcm"))) == 1
    os.remove(folder / "DICOMDIR")
    os.remove(folder / "empty.dcm")
    done = run("inspect", folder / "sub")
    assert done.returncode == 0 and "pipe.dcm" not in done.stdout + done.stderr, done.stdout + done.stderr


def test_every_transfer_syntax_pydicom_decodes_is_checked_against_it():
    """Each transfer syntax pydicom has a pixel decoder for has a file whose decoded values the Swift tests compare
    with pydicom's (Tests/Reference/dicom.json for ../shared/data, dicom_encodings.json for Fixtures/dicom): a
    pydicom release that decodes a new encoding fails here until MedPipe is checked on it."""
    import json
    from pydicom.pixels.decoders.base import _PIXEL_DATA_DECODERS
    from pydicom.uid import UID
    reference = pathlib.Path(__file__).resolve().parents[2] / "Tests" / "Reference"
    checked = set()
    for name in ("dicom.json", "dicom_encodings.json"):
        checked |= set(re.findall(r'"TransferSyntaxUID": "([0-9.]+)"', (reference / name).read_text()))
    missing = sorted(f"{uid} ({UID(uid).name})" for uid in _PIXEL_DATA_DECODERS if uid not in checked)
    assert not missing, f"pydicom {pydicom.__version__} decodes transfer syntaxes no reference file holds: {missing}"
