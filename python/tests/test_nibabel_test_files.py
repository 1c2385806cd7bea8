"""NIfTI files MedPipe's own tests never chose: every file that ships in nibabel's wheel as its test data
(`nibabel/tests/data`), read with `medpipe inspect FILE --json` and `--array OUT.npy`.

- No file crashes MedPipe: it exits 0, or 1 with one `medpipe: error: FILE: problem` line. That holds for
  the formats MedPipe does not read too (MINC, MGH, PAR/REC, AFNI, ECAT, TrackVis, MRtrix streamlines).
- What nibabel reads as NIfTI-1/2 or ANALYZE, MedPipe reads the same: `get_fdata()`'s values and shape (the
  NIfTI-2 view of a CIFTI-2 file), the affine, the NIfTI version and the number of header extensions."""
from __future__ import annotations

import json
import pathlib
import re
import warnings

import numpy as np
import pytest

nibabel = pytest.importorskip("nibabel")

FILES = pathlib.Path(nibabel.__file__).parent / "tests" / "data"
NIFTI_SUFFIXES = (".nii", ".nii.gz", ".hdr", ".hdr.gz", ".img", ".img.gz")
#: Formats MedPipe does not read: it must refuse them cleanly.
OTHER_SUFFIXES = (".mnc", ".mgz", ".PAR", ".REC", ".HEAD", ".BRIK", ".BRIK.gz", ".v", ".trk", ".tck")


def reference(path: pathlib.Path):
    """nibabel's NIfTI/ANALYZE image at `path` (a CIFTI-2 file as the NIfTI-2 image it is stored in), or None."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            image = nibabel.load(path)
            if isinstance(image, nibabel.Cifti2Image):
                image = nibabel.Nifti2Image.from_filename(path)
            if not isinstance(image, nibabel.AnalyzeImage):  # Nifti1Image and Nifti2Image derive from it
                return None
            image.get_fdata()
            return image
        except Exception:
            return None


def names(suffixes):
    return sorted(p.name for p in FILES.iterdir() if p.is_file() and p.name.endswith(suffixes))


def check_refusal(done, path):
    assert done.returncode in (0, 1), f"{path.name}: exit status {done.returncode} (a crash?)\n{done.stderr}"
    if done.returncode == 1:
        assert re.fullmatch(rf"medpipe: error: {re.escape(str(path))}: \S.*\n", done.stderr), done.stderr


def test_the_wheel_holds_the_files():
    assert len(names(NIFTI_SUFFIXES)) >= 8 and len(names(OTHER_SUFFIXES)) >= 30, "nibabel's test data moved"


@pytest.mark.parametrize("name", names(NIFTI_SUFFIXES))
def test_reads_what_nibabel_reads_and_never_crashes(name, medpipe, tmp_path):
    path, out = FILES / name, tmp_path / "array.npy"
    done = medpipe.run("inspect", path, "--array", out)
    check_refusal(done, path)
    image = reference(path)
    if image is None:
        return  # nibabel cannot read it (an .hdr without its .img): MedPipe refuses it, as checked above
    assert done.returncode == 0, f"{name}: nibabel reads it, MedPipe refused: {done.stderr}"
    expected, ours = image.get_fdata(), np.load(out)
    assert ours.shape == expected.shape, f"{name}: shape {ours.shape}, nibabel {expected.shape}"
    assert np.array_equal(ours.astype(np.float64), expected, equal_nan=True), \
        f"{name}: largest difference {np.nanmax(np.abs(ours.astype(np.float64) - expected))}"
    summary = json.loads(medpipe("inspect", path, "--json"))
    np.testing.assert_allclose(summary["affine"], image.affine, rtol=0, atol=1e-6, err_msg=name)
    metadata = summary["metadata"]
    version = 2 if isinstance(image, nibabel.Nifti2Image) else 1 if isinstance(image, nibabel.Nifti1Image) else 0
    assert metadata.get("nifti_version", 0) == version, name
    if version:
        assert metadata["extensions"] == len(image.header.extensions), f"{name}: extensions"


@pytest.mark.parametrize("name", names(OTHER_SUFFIXES))
def test_refuses_other_formats_cleanly(name, medpipe):
    path = FILES / name
    done = medpipe.run("inspect", path)
    check_refusal(done, path)


def test_anonymize_writes_what_nibabel_reads(medpipe, tmp_path):
    """`medpipe anonymize` over nibabel's NIfTI files: every single-file NIfTI comes out as nibabel reads it, with the
    same voxels and affine, no extension and empty text fields; `.hdr` pairs and the CIFTI-2 file (whose XML
    extension its readers need) are refused, each with its reason, and nothing is written for them."""
    inputs = tmp_path / "in"
    inputs.mkdir()
    single = [FILES / n for n in names((".nii", ".nii.gz"))]
    for path in single + [FILES / n for n in names((".hdr",))]:
        (inputs / path.name).write_bytes(path.read_bytes())
    done = medpipe.run("anonymize", inputs, "--out", tmp_path / "out", "--report", tmp_path / "report.json")
    assert done.returncode == 1, done.stdout + done.stderr  # the refusals make the run fail, by design
    refused = {line.split()[1].rsplit("/", 1)[-1]: line for line in done.stdout.splitlines() if line.startswith("  failed ")}
    cifti = {p.name for p in single if isinstance(nibabel.load(p), nibabel.Cifti2Image)}
    assert cifti == {"row_major.dconn.nii"}
    assert set(refused) == cifti | set(names((".hdr",))), done.stdout
    assert "CIFTI" in refused["row_major.dconn.nii"]
    outputs = sorted((tmp_path / "out").rglob("*.nii*"))
    assert len(outputs) == len(single) - len(cifti)
    report = json.loads((tmp_path / "report.json").read_text())
    written_entries = [entry for entry in report["files"] if entry.get("output")]
    assert len(written_entries) == len(outputs)
    for entry in written_entries:
        written = nibabel.load(tmp_path / "out" / entry["output"])
        header = written.header
        assert len(header.extensions) == 0 and header["descrip"].item() == b"" and header["intent_name"].item() == b""
        matches = [p for p in single if p.name not in cifti and np.array_equal(nibabel.load(p).get_fdata(), written.get_fdata(), equal_nan=True)
                   and np.allclose(nibabel.load(p).affine, written.affine)]
        assert matches, f"{entry['output']}: voxels or affine of no input"
