"""Arrays, images and tables MedPipe's own tests never chose: every `.npy`, `.npz`, `.png` and `.csv` that the
installed Python packages ship (numpy's, scipy's, joblib's and scikit-learn's test data, matplotlib's sample
data and icons, ...), read with `medpipe inspect FILE --array OUT.npy`.

- No file crashes MedPipe: it exits 0, or 1 with one `medpipe: error: FILE: problem` line (object arrays,
  pickles, structured, string and long-double dtypes are refused so, and CSV rows of another length than the
  header's).
- What MedPipe reads equals the reference: `np.load` of the `.npy` (of an `.npz`'s first member), Pillow's
  pixels of the PNG (a palette expanded to RGB, or RGBA when it has transparency), and pandas' values of the
  CSV's numeric columns (those `inspect --json` lists; text columns are left out of the array)."""
from __future__ import annotations

import pathlib
import re
import site
import warnings

import json

import numpy as np
import pytest

from PIL import Image

pandas = pytest.importorskip("pandas")

def shipped(*suffixes: str) -> dict[str, pathlib.Path]:
    """Test id (the path below site-packages) → file, for every file with one of `suffixes` the installed packages hold."""
    files = {}
    for root in map(pathlib.Path, site.getsitepackages()):
        for suffix in suffixes:
            files.update({str(p.relative_to(root)): p for p in root.rglob(f"*{suffix}") if p.is_file()})
    return dict(sorted(files.items()))


FILES = shipped(".npy", ".npz", ".png")
TABLES = shipped(".csv")


def reference(path: pathlib.Path):
    """The array the reference library reads from `path`, or None when it reads none MedPipe should match."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            if path.suffix == ".npy":
                return np.load(path, allow_pickle=False)
            if path.suffix == ".npz":
                with np.load(path, allow_pickle=False) as archive:
                    return archive[archive.files[0]]
            image = Image.open(path)
            if image.mode == "P":
                image = image.convert("RGBA" if "transparency" in image.info else "RGB")
            return np.asarray(image) if image.mode in ("L", "LA", "RGB", "RGBA") else None
        except Exception:
            return None


def test_the_packages_hold_files():
    assert sum(name.endswith(".png") for name in FILES) >= 10 and sum(not name.endswith(".png") for name in FILES) >= 20
    assert len(TABLES) >= 20


def medpipe_array(medpipe, path, out):
    """`medpipe inspect PATH --array OUT`'s array, or None when MedPipe refused the file: exit status 0, or 1 with
    one error line naming the file (and for an .npz the member at fault)."""
    done = medpipe.run("inspect", path, "--array", out)
    assert done.returncode in (0, 1), f"{path}: exit status {done.returncode} (a crash?)\n{done.stderr}"
    if done.returncode == 1:
        assert re.fullmatch(rf"medpipe: error: {re.escape(str(path))}( member '[^']+')?: \S.*\n", done.stderr), done.stderr
        return None
    return np.load(out, allow_pickle=False)


def assert_same(ours, expected, name):
    assert ours.shape == expected.shape, f"{name}: shape {ours.shape}, reference {expected.shape}"
    assert np.array_equal(ours, expected, equal_nan=True), f"{name}: values differ"


@pytest.mark.parametrize("name", FILES)
def test_reads_what_numpy_and_pillow_read_and_never_crashes(name, medpipe, tmp_path):
    ours = medpipe_array(medpipe, FILES[name], tmp_path / "array.npy")
    expected = reference(FILES[name])
    if ours is not None and expected is not None:
        assert_same(ours, expected, name)


@pytest.mark.parametrize("name", TABLES)
def test_reads_csv_as_pandas_and_never_crashes(name, medpipe, tmp_path):
    path = TABLES[name]
    ours = medpipe_array(medpipe, path, tmp_path / "array.npy")
    if ours is None:
        return
    columns = json.loads(medpipe("inspect", path, "--json"))["metadata"]["columns"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandas' DtypeWarning on columns of mixed text and numbers
        expected = pandas.read_csv(path, float_precision="round_trip")[columns].to_numpy(dtype=np.float64)
    assert_same(ours, expected, name)
