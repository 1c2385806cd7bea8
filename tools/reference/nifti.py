#!/usr/bin/env python3
"""Expected values for the NIfTI reader, computed with nibabel; writes Tests/Reference/nifti.json.

Run from the project root after tools/make-fixtures/nifti.py: python3 tools/reference/nifti.py

For each image: nibabel's shape (x, y, z, ...), img.affine, zooms, header facts, and the array
MedPipe must produce — img.get_fdata() (float64) when scl_slope/scl_inter apply, otherwise the
unscaled stored values — as a SHA-256 and an FNV-1a 64 of its bytes in MedPipe's layout (shape reversed, row-major,
little-endian, i.e. nibabel's array in Fortran order), plus statistics and values at fixed indices.
"""
import glob
import hashlib
import json
import os

import nibabel as nib
import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SHARED = os.path.abspath(os.path.join(ROOT, "..", "shared", "data"))
# Fixtures that must fail to read: tested for their error in Swift, no reference values.
ERROR_FIXTURES = {"complex64.nii", "lying.nii", "lying.nii.gz", "truncated.nii.gz"}


def medpipe_array(img):
    """The array MedPipe's tensor holds, in nibabel's axis order, and whether it is scaled."""
    proxy = img.dataobj
    raw = proxy.get_unscaled()
    if raw.dtype.names:  # RGB24 / RGBA32: structured → trailing channel axis of uint8
        return np.stack([raw[c] for c in raw.dtype.names], axis=-1).astype(np.uint8), False
    slope, inter = float(proxy.slope), float(proxy.inter)
    if slope == 1.0 and inter == 0.0:
        return raw, False
    return img.get_fdata(), True


def layout_bytes(array, colour):
    """Bytes in MedPipe's layout: spatial axes reversed (channel axis stays last), little-endian."""
    n = array.ndim - (1 if colour else 0)
    order = list(reversed(range(n))) + ([n] if colour else [])
    out = np.ascontiguousarray(array.transpose(order))
    return out.astype(out.dtype.newbyteorder("<")).tobytes()


def fnv1a64(data):
    """64-bit FNV-1a: an exact checksum the Swift tests can compute without a crypto library."""
    h = 0xCBF29CE484222325
    for byte in data:
        h = ((h ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return f"{h:016x}"


def fixed_indices(shape, count=10):
    rng = np.random.default_rng(7)
    picks = [tuple(0 for _ in shape), tuple(s - 1 for s in shape)]
    while len(picks) < count:
        picks.append(tuple(int(rng.integers(0, s)) for s in shape))
    return picks


def describe(path, name):
    img = nib.load(path)
    header = img.header
    array, scaled = medpipe_array(img)
    colour = array.ndim > len(img.shape)
    values = array.astype(np.float64)
    tensor_bytes = layout_bytes(array, colour)
    proxy = img.dataobj  # slope/inter as stored (nibabel's header copy resets them)
    entry = {
        "name": name,
        "shape": list(img.shape),
        "nifti_version": 2 if isinstance(header, nib.Nifti2Header) else 1,
        "datatype": header.get_data_dtype().name if not colour else "rgb24",
        "dtype": array.dtype.newbyteorder("=").name,
        "scaled": scaled,
        "scl_slope": float(proxy.slope),
        "scl_inter": float(proxy.inter),
        "qform_code": int(header["qform_code"]),
        "sform_code": int(header["sform_code"]),
        "extensions": len(header.extensions),
        "descrip": header["descrip"].item().split(b"\0")[0].decode("latin-1"),  # C string, as libnifti
        "big_endian": header.endianness == ">",
        "zooms": [float(z) for z in header.get_zooms()],
        "affine": img.affine.tolist(),
        "sha256": hashlib.sha256(tensor_bytes).hexdigest(),
        "fnv1a64": fnv1a64(tensor_bytes),
        "sum": float(values.sum()),
        "mean": float(values.mean()),
        "std": float(values.std()),
        "min": float(values.min()),
        "max": float(values.max()),
        "samples": [{"index": list(i), "value": float(values[i])} for i in fixed_indices(values.shape)],
    }
    return entry


def main():
    entries = []
    for path in sorted(glob.glob(os.path.join(SHARED, "nifti", "**", "*.nii*"), recursive=True)):
        entries.append(describe(path, "shared:" + os.path.relpath(path, SHARED)))
    fixtures = os.path.join(ROOT, "Fixtures", "nifti")
    for path in sorted(glob.glob(os.path.join(fixtures, "*"))):
        base = os.path.basename(path)
        if base in ERROR_FIXTURES or base.endswith(".img") or base.endswith(".img.gz"):
            continue
        entries.append(describe(path, "fixture:nifti/" + base))
    out = os.path.join(ROOT, "Tests", "Reference", "nifti.json")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as f:
        json.dump({"generator": f"nibabel {nib.__version__}, numpy {np.__version__}", "images": entries}, f, indent=1)
        f.write("\n")
    print(f"wrote {len(entries)} images to {os.path.relpath(out, ROOT)}")


if __name__ == "__main__":
    main()
