#!/usr/bin/env python3
"""Writes the hand-crafted hostile files of Tests/Regression (see its README.md).

Each file is small and holds one trap MedPipe once fell into: sizes near the Int64 limits, NaN and
huge floats, zero-size arrays with huge extents, bombs. Run from the project root:
    tools/regression/make-corpus.py
It rewrites only the files it makes; files found by fuzzing are kept as they were found:
    inspect/png/text-chunk-declares-2gib.png   tools/fuzz png: libpng allocated and filled a tEXt
                                               chunk's declared 2 GiB before reading it
    inspect/dicom/element-declares-3gib.dcm    tools/fuzz any, dicom: DCMTK allocates (nothrow) an
                                               unknown element's declared 3 GiB before finding the
                                               file too short; an error, kept so that it stays one
"""
import io
import os
import struct
import zipfile

import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Tests", "Regression")


def write(relative, data):
    path = os.path.join(ROOT, relative)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data.encode() if isinstance(data, str) else data)


# --- WFDB: sizes near the Int64 limits -------------------------------------------------------------
def record(name, signal_lines, nsamp="10", dat_bytes=40, folder="inspect/wfdb"):
    header = f"{name} {len(signal_lines)} 360 {nsamp}".rstrip() + "\n"
    header += "".join(f"{name}.dat {spec} 200 12 0 0 0 0 lead{i}\n" for i, spec in enumerate(signal_lines))
    write(f"{folder}/{name}.hea", header)
    write(f"{folder}/{name}.dat", bytes(dat_bytes))


# samples per frame of two signals add up past Int64.max
record("spf-sum-overflow", ["16x4611686018427387904", "16x4611686018427387904"])
# frames x samples per frame overflows
record("spf-frames-overflow", ["16x4611686018427387904"], nsamp="1000")
# no sample count: the frame count derived from the file size multiplies bits by samples per frame
record("spf-derived-frames-overflow", ["16x4611686018427387904"], nsamp="")
# byte offset + bytes needed overflows
record("byte-offset-overflow", ["16+9223372036854775800"])
# skew of Int64.max frames
record("skew-int64-max", ["16:9223372036854775807"])
# samples per frame and skew together
record("skew-spf-overflow", ["16x4611686018427387904:5"])

# multi-segment record whose segment lengths add up past Int64.max (segments in a subfolder: only
# the top-level headers of the folder are replayed)
write("inspect/wfdb/multi-length-overflow.hea", "multi-length-overflow/2 1 360 10\n"
      "segments/part1 9223372036854775807\nsegments/part2 9223372036854775807\n")
for part in ("part1", "part2"):
    write(f"inspect/wfdb/segments/{part}.hea", f"{part} 1 360 10\n{part}.dat 16 200 12 0 0 0 0 lead0\n")
    write(f"inspect/wfdb/segments/{part}.dat", bytes(20))

# an annotation file that ends with a SKIP and its interval, and no annotation after it
write("inspect/wfdb/skip-at-end.hea", "skip-at-end 1 360 4\nskip-at-end.dat 16 200 12 0 0 0 0 lead0\n")
write("inspect/wfdb/skip-at-end.dat", bytes(8))
write("inspect/wfdb/skip-at-end.atr", struct.pack("<HHH", 59 << 10, 0, 5))


# --- NIfTI: vox_offset NaN, infinite, huge ---------------------------------------------------------
def nifti1(vox_offset, pixdim=(1.0, 1.0, 1.0), dims=(2, 2, 1)):
    h = bytearray(348)
    struct.pack_into("<i", h, 0, 348)
    dim = [3, *dims, 1, 1, 1, 1]
    struct.pack_into("<8h", h, 40, *dim)
    struct.pack_into("<hh", h, 70, 2, 8)  # uint8
    struct.pack_into("<8f", h, 76, 1.0, *pixdim, 1.0, 1.0, 1.0, 1.0)
    struct.pack_into("<f", h, 108, vox_offset)
    struct.pack_into("<f", h, 112, 1.0)  # scl_slope
    struct.pack_into("<h", h, 254, 1)    # sform_code
    struct.pack_into("<4f", h, 280, pixdim[0], 0, 0, 0)
    struct.pack_into("<4f", h, 296, 0, pixdim[1], 0, 0)
    struct.pack_into("<4f", h, 312, 0, 0, pixdim[2], 0)
    h[344:348] = b"n+1\0"
    return bytes(h) + bytes(4) + bytes(range(dims[0] * dims[1] * dims[2]))


write("inspect/nifti/vox-offset-nan.nii", nifti1(float("nan")))
write("inspect/nifti/vox-offset-inf.nii", nifti1(float("inf")))
write("inspect/nifti/vox-offset-1e38.nii", nifti1(1e38))
write("anonymize/nifti/vox-offset-nan.nii", nifti1(float("nan")))
write("anonymize/nifti/vox-offset-inf.nii", nifti1(float("inf")))
write("anonymize/nifti/vox-offset-1e38.nii", nifti1(1e38))


# --- NumPy: a zero extent beside extents whose product overflows -----------------------------------
def npy(shape, descr="|u1", data=b""):
    header = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (descr, repr(tuple(shape)))
    header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + data


write("inspect/npy/zero-beside-overflow.npy", npy((0, 2**62, 2**62)))
write("inspect/npy/shape-overflow.npy", npy((2**62, 2**62, 0)))
buffer = io.BytesIO()
with zipfile.ZipFile(buffer, "w") as z:
    z.writestr("train_images.npy", npy((0, 2**62, 2**62)))
    z.writestr("train_labels.npy", npy((0,), "<i8"))
write("inspect/npz/medmnist-zero-images-huge-rows.npz", buffer.getvalue())

# --- idx: a zero extent beside extents whose product overflows --------------------------------------
write("inspect/idx/zero-beside-overflow.idx", bytes([0, 0, 8, 4]) + struct.pack(">4I", 0, 2**32 - 1, 2**32 - 1, 2**32 - 1))


# --- DICOM: sizes that wrap 64 bits, BitsStored 0, NaN and huge spacings ---------------------------
def dicom(rows, columns, frames=1, samples=1, bits=16, stored=None, pixel_bytes=None, spacing=("1", "1"), thickness="1",
          modality="MR", burned_in=None):
    import pydicom
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid
    pydicom.config.settings.writing_validation_mode = pydicom.config.IGNORE
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.7"
    meta.MediaStorageSOPInstanceUID = "1.2.3.4.5.6.7.8.9"
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID = "1.2.3.4.5.6.7.8.10"
    ds.SeriesInstanceUID = "1.2.3.4.5.6.7.8.11"
    ds.PatientName = "Hostile^File"
    ds.PatientID = "CORPUS-1"
    ds.Modality = modality
    if burned_in: ds.BurnedInAnnotation = burned_in
    ds.add_new(0x00280030, "DS", "\\".join(spacing))
    ds.add_new(0x00180050, "DS", thickness)
    ds.Rows, ds.Columns = rows, columns
    if frames != 1: ds.NumberOfFrames = str(frames)
    ds.SamplesPerPixel = samples
    ds.PhotometricInterpretation = "RGB" if samples == 3 else "MONOCHROME2"
    if samples == 3: ds.PlanarConfiguration = 0
    ds.BitsAllocated = bits
    ds.BitsStored = bits if stored is None else stored
    ds.HighBit = max(0, ds.BitsStored - 1)
    ds.PixelRepresentation = 0
    ds.PixelData = bytes(pixel_bytes if pixel_bytes is not None else rows * columns * frames * samples * bits // 8)
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


# 43405 x 49477 x 2147418113 frames x 4 bytes = 2^64 + 4: the size wrapped to 4 bytes
write("inspect/dicom/size-wraps-64-bits.dcm", dicom(43405, 49477, frames=2147418113, bits=32, pixel_bytes=4))
# 45328 x 37171 x 1824726041 frames x 3 samples x 2 bytes = 2^64 + 32, blanked in every frame
write("anonymize/dicom/blank-size-wraps-64-bits.dcm", dicom(45328, 37171, frames=1824726041, samples=3, pixel_bytes=32,
                                                            modality="OT", burned_in="YES"))
# BitsStored 0: the blanking fill value was 1 << (BitsStored - 1)
write("anonymize/dicom/blank-bits-stored-0.dcm", dicom(4, 4, stored=0, modality="OT", burned_in="YES"))


# --- convert: spacings and frequencies read from files that resampling cannot use -------------------
write("convert/nifti/pixdim-1e38.nii", nifti1(352, pixdim=(1e38, 1.0, 1.0)))
write("convert/resample-pixdim-1e38.yaml", "name: pixdim\nsources:\n  - path: nifti/pixdim-1e38.nii\n"
      "stages:\n  - resample-spacing: { spacing: [1, 1, 1] }\nsplit: { by: patient, ratios: { train: 1.0 } }\n")
write("convert/dicom/pixel-spacing-1e38.dcm", dicom(4, 4, spacing=("1e38", "1e38")))
write("convert/dicom/slice-thickness-1e38.dcm", dicom(4, 4, frames=2, thickness="1e38"))
write("convert/dicom/slice-thickness-nan.dcm", dicom(4, 4, frames=2, thickness="NaN"))
write("convert/dicom/slice-thickness-inf.dcm", dicom(4, 4, frames=2, thickness="inf"))
for name in ("pixel-spacing-1e38", "slice-thickness-1e38", "slice-thickness-nan", "slice-thickness-inf"):
    spacing = "[0.5, 0.5]" if name.startswith("pixel") else "[0.5, 0.5, 0.5]"
    write(f"convert/resample-{name}.yaml", f"name: {name}\nsources:\n  - path: dicom/{name}.dcm\n    format: dicom\n"
          f"stages:\n  - resample-spacing: {{ spacing: {spacing} }}\nsplit: {{ by: patient, ratios: {{ train: 1.0 }} }}\n")
write("convert/wfdb/fs-tiny.hea", "fs-tiny 1 1e-300 4\nfs-tiny.dat 16 200 12 0 0 0 0 lead0\n")
write("convert/wfdb/fs-tiny.dat", bytes(8))
write("convert/resample-signal-fs-tiny.yaml", "name: fs-tiny\nsources:\n  - path: wfdb/fs-tiny.hea\nstages:\n  - resample-signal: { frequency: 360 }\n"
      "split: { by: patient, ratios: { train: 1.0 } }\n")
buffer = io.BytesIO()
with zipfile.ZipFile(buffer, "w") as z:
    z.writestr("train_images.npy", npy((1, 2, 2), data=bytes(4)))
    z.writestr("train_labels.npy", npy((1,), "<u8", struct.pack("<Q", 2**64 - 1)))
write("convert/npz/medmnist-label-uint64-max.npz", buffer.getvalue())
write("convert/medmnist-label-uint64-max.yaml", "name: label\nsources:\n  - path: npz/medmnist-label-uint64-max.npz\n    label: dataset\n"
      "split: { by: patient, ratios: { train: 1.0 } }\n")


# --- recipes: YAML bombs ---------------------------------------------------------------------------
laughs = ["name: laughs", "sources:", "  - path: x.nii", 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
for i, name in enumerate("bcdefghij"):
    previous = "abcdefghij"[i]
    laughs.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]")
write("convert/billion-laughs.yaml", "\n".join(laughs) + "\n")
write("convert/deep-nesting.yaml", "name: deep\nsources: " + "[" * 20000 + "]" * 20000 + "\n")
write("convert/crop-or-pad-nan.yaml", "name: nan\nsources:\n  - path: nifti/pixdim-1e38.nii\nstages:\n  - crop-or-pad: { shape: [nan, 1e300] }\n")
write("convert/leads-1e300.yaml", "name: leads\nsources:\n  - path: wfdb/fs-tiny.hea\nstages:\n  - leads: { leads: [1e300] }\n")
