#!/usr/bin/env python3
"""Writes the small NIfTI fixtures in Fixtures/nifti with nibabel: cases the shared data lacks.

Run from the project root: python3 tools/make-fixtures/nifti.py
Every file is a few KB and the data are deterministic (seeded). tools/reference/nifti.py then
computes the expected values from these files with nibabel.
"""
import gzip
import os

import nibabel as nib
import numpy as np

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Fixtures", "nifti")
rng = np.random.default_rng(20240601)


def oblique_affine():
    angle = 0.3
    rot = np.array([[1, 0, 0], [0, np.cos(angle), -np.sin(angle)], [0, np.sin(angle), np.cos(angle)]])
    aff = np.eye(4)
    aff[:3, :3] = rot @ np.diag([1.5, 2.0, 2.5])
    aff[:3, 3] = [-10.0, 20.5, -30.25]
    return aff


def data(shape, dtype):
    info = np.iinfo(dtype) if np.dtype(dtype).kind in "iu" else None
    if info is not None:
        low, high = max(info.min, -(2**40)), min(info.max, 2**40)
        values = rng.integers(low, high, size=shape, endpoint=True, dtype=np.int64 if info.min < 0 or info.max < 2**63 else np.uint64)
        flat = values.reshape(-1)
        flat[0], flat[-1] = info.min, info.max  # the extremes of the type
        return values.astype(dtype)
    return (rng.standard_normal(shape) * 100).astype(dtype)


def save(img, name):
    path = os.path.join(OUT, name)
    nib.save(img, path)
    return path


def main():
    os.makedirs(OUT, exist_ok=True)
    shape = (5, 4, 3)
    # One small single-file image per datatype libnifti reads, little-endian, sform + qform.
    for dtype in ["uint8", "int8", "int16", "uint16", "int32", "uint32", "int64", "uint64", "float32", "float64"]:
        img = nib.Nifti1Image(data(shape, dtype), oblique_affine(), dtype=dtype)
        img.header.set_slope_inter(1, 0)
        save(img, f"dtype_{dtype}.nii")

    # Scaled integer and float data (get_fdata is float64).
    img = nib.Nifti1Image(data(shape, "uint16"), np.eye(4), dtype="uint16")
    img.header.set_slope_inter(0.125, -7.5)
    save(img, "scaled_uint16.nii")
    img = nib.Nifti1Image(data(shape, "float32"), np.eye(4), dtype="float32")
    img.header.set_slope_inter(2.5, 0)
    save(img, "scaled_float32.nii")
    img = nib.Nifti1Image(data(shape, "int8"), np.eye(4), dtype="int8")
    img.header.set_slope_inter(1, 3)
    save(img, "intercept_only_int8.nii")

    # Big-endian float64 and int32 with scaling.
    for dtype, slope in [("float64", 1.0), ("int32", 0.5)]:
        hdr = nib.Nifti1Header(endianness=">")
        img = nib.Nifti1Image(data(shape, dtype), oblique_affine(), header=hdr, dtype=dtype)
        img.header.set_slope_inter(slope, 0 if slope == 1 else 4)
        save(img, f"bigendian_{dtype}.nii")

    # NIfTI-2, single file and gzip, 4D.
    img = nib.Nifti2Image(data((6, 5, 4, 2), "int16"), oblique_affine(), dtype="int16")
    img.header.set_slope_inter(1, 0)
    save(img, "nifti2_int16.nii")
    save(img, "nifti2_int16.nii.gz")
    # NIfTI-2 big-endian pair.
    values = data(shape, "float32")
    path = save(nib.Nifti2Pair(values, np.diag([2.0, 3.0, 4.0, 1.0])), "nifti2_pair_float32.hdr")
    swapped = nib.load(path).header.as_byteswapped(">")  # nibabel writes native order: swap by hand
    open(path, "wb").write(swapped.binaryblock)
    open(path[:-4] + ".img", "wb").write(values.astype(">f4").tobytes(order="F"))

    # NIfTI-1 pair (.hdr/.img), qform only with qfac -1, and a gzipped pair.
    flip = oblique_affine() @ np.diag([1, 1, -1, 1])
    img = nib.Nifti1Pair(data(shape, "uint8"), None, dtype="uint8")
    img.set_qform(flip, code=1)
    img.set_sform(None, code=0)
    img.header.set_slope_inter(1, 0)
    save(img, "pair_qform_uint8.hdr")
    save(img, "pair_qform_uint8.img.gz")

    # Neither qform nor sform: nibabel's base affine (centred, x flipped).
    img = nib.Nifti1Image(data(shape, "int16"), None, dtype="int16")
    img.header.set_zooms((1.5, 2.0, 3.0))
    img.header.set_slope_inter(1, 0)
    save(img, "no_transform_int16.nii")

    # 5D float32 with a comment extension.
    img = nib.Nifti1Image(data((3, 2, 2, 1, 2), "float32"), np.eye(4), dtype="float32")
    img.header.extensions.append(nib.nifti1.Nifti1Extension("comment", b"MedPipe fixture: a 5D image"))
    img.header.set_slope_inter(1, 0)
    save(img, "five_d_float32_ext.nii")

    # RGB24 (structured dtype in nibabel, (..., 3) uint8 in MedPipe).
    rgb = data(shape + (3,), "uint8")
    rgb_struct = rgb.view([("R", "u1"), ("G", "u1"), ("B", "u1")]).reshape(shape)
    save(nib.Nifti1Image(rgb_struct, np.eye(4)), "rgb24.nii")

    # Complex: MedPipe must refuse it clearly.
    save(nib.Nifti1Image((data(shape, "float32") + 1j).astype(np.complex64), np.eye(4)), "complex64.nii")

    # A lying header: dims 64×64×64 int16 (512 KiB) but only 120 bytes of data.
    img = nib.Nifti1Image(data(shape, "int16"), np.eye(4), dtype="int16")
    path = save(img, "lying.nii")
    raw = bytearray(open(path, "rb").read())
    hdr = nib.Nifti1Header.from_fileobj(open(path, "rb"))
    hdr.set_data_shape((64, 64, 64))
    raw[:348] = hdr.binaryblock
    open(path, "wb").write(raw)
    open(os.path.join(OUT, "lying.nii.gz"), "wb").write(gzip.compress(bytes(raw), mtime=0))
    # Truncated gzip: the last 200 compressed bytes of a valid file cut off.
    whole = open(os.path.join(OUT, "nifti2_int16.nii.gz"), "rb").read()
    open(os.path.join(OUT, "truncated.nii.gz"), "wb").write(whole[:-200])
    # Two gzip members (header, then data): valid gzip that ISIZE alone cannot size.
    plain = open(os.path.join(OUT, "dtype_int16.nii"), "rb").read()
    with open(os.path.join(OUT, "multimember_int16.nii.gz"), "wb") as f:
        f.write(gzip.compress(plain[:352], mtime=0) + gzip.compress(plain[352:], mtime=0))


if __name__ == "__main__":
    main()
