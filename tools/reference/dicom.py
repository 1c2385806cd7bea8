#!/usr/bin/env python3
"""Reference values for the DICOM readers, computed with pydicom 3 (+ pylibjpeg-libjpeg for JPEG
lossless and JPEG-LS, and Pillow for 8-bit JPEG through libjpeg-turbo) and numpy. Writes Tests/Reference/dicom.json.

Per file: `apply_modality_lut(ds.pixel_array, ds)` — shape, dtype, a byte checksum of the C-order little-endian
bytes, sum/min/max and values at fixed flat indices — plus the attributes the reader keeps.
Per series: the files of one SeriesInstanceUID read with pydicom, sorted by ImagePositionPatient
projected on the slice normal, each slice passed through apply_modality_lut, stacked; the affine is
built from the first IPP, IOP, PixelSpacing and the step (last − first IPP) scaled to the median gap
along the normal, LPS→RAS.

Usage: python3 tools/reference/dicom.py [DATA_ROOT]   (default ../shared/data)
"""
import glob
import json
import os
import re
import sys
import warnings

import numpy as np
import pydicom
from pydicom.pixels import apply_modality_lut, pixel_array
from pydicom.uid import JPEGBaseline8Bit

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "..", "shared", "data"))
OUT = os.path.join(ROOT, "Tests", "Reference", "dicom.json")

FILES = sorted(
    os.path.relpath(p, DATA)
    for pattern in ("dicom/dcm_qa_ts/In/*.dcm", "dicom/deid_data/**/*.dcm", "dicom/dwv_subset/*.dcm",
                    "dicom/pydicom_subset/*.dcm")
    for p in glob.glob(os.path.join(DATA, pattern), recursive=True)
) + ["dicom/mr_series/In/00001.dcm", "dicom/mr_series/In/00100.dcm"]

# pydicom 3 cannot decode this file with any plugin: its JPEG scan header is invalid (Se != 63), which
# libjpeg-turbo/Pillow, pylibjpeg-libjpeg and GDCM reject. The values below are the ones pydicom's
# older GDCM-based tests checked (arr[420, 140] == 244, arr[230, 120] == 95).
UNDECODABLE = {"dicom/pydicom_subset/JPEG-lossy.dcm": {"values2d": [[420, 140, 244], [230, 120, 95]]}}
TRUNCATED = "dicom/pydicom_subset/MR_truncated.dcm"


def numbers(value):
    if value is None:
        return None
    if isinstance(value, (list, pydicom.multival.MultiValue)):
        return [float(v) for v in value]
    return [float(value)]


def byte_checksum(data):
    """[sum of bytes, sum of byte * (index mod 65521 + 1)]: exact, order-sensitive, easy to recompute in Swift."""
    b = np.frombuffer(data, dtype=np.uint8).astype(np.uint64)
    weights = (np.arange(b.size, dtype=np.uint64) % np.uint64(65521)) + np.uint64(1)
    return [int(b.sum()), int((b * weights).sum())]


def walk_entry(rel):
    """Counts of every attribute (file meta, dataset, inside sequences) and of private ones, as pydicom sees them."""
    ds = pydicom.dcmread(os.path.join(DATA, rel))
    elements = list(ds.file_meta.iterall()) + list(ds.iterall())
    return {"file": rel, "attributes": len(elements), "private": sum(1 for e in elements if e.tag.is_private),
            "sequences": sum(1 for e in elements if e.VR == "SQ"), "meta": len(list(ds.file_meta))}


def summary(arr):
    arr = np.ascontiguousarray(arr)
    arr = arr.astype(arr.dtype.newbyteorder("<"))
    flat = arr.reshape(-1)
    picks = sorted({0, flat.size // 3, flat.size // 2, (2 * flat.size) // 3, flat.size - 1})
    return {
        "shape": list(arr.shape),
        "dtype": arr.dtype.name,
        "checksum": byte_checksum(arr.tobytes()),
        "sum": float(flat.astype(np.float64).sum()),
        "min": float(flat.min()),
        "max": float(flat.max()),
        "values": [[int(i), float(flat[i])] for i in picks],
    }


def affine(ipp, iop, spacing, step):
    row, col = np.array(iop[:3]), np.array(iop[3:])
    m = np.eye(4)
    m[:3, 0] = row * spacing[1]
    m[:3, 1] = col * spacing[0]
    m[:3, 2] = step
    m[:3, 3] = ipp
    m[:2, :] *= -1  # LPS -> RAS
    return m.tolist()


def file_entry(rel):
    ds = pydicom.dcmread(os.path.join(DATA, rel))
    entry = {
        "TransferSyntaxUID": str(ds.file_meta.TransferSyntaxUID),
        "Modality": ds.get("Modality"),
        "SOPInstanceUID": ds.get("SOPInstanceUID"),
        "SeriesInstanceUID": ds.get("SeriesInstanceUID"),
        "PhotometricInterpretation": ds.get("PhotometricInterpretation"),
        "PatientID": ds.get("PatientID"),
        "BitsStored": ds.get("BitsStored"),
        "PixelSpacing": numbers(ds.get("PixelSpacing")),
        "ImagePositionPatient": numbers(ds.get("ImagePositionPatient")),
        "ImageOrientationPatient": numbers(ds.get("ImageOrientationPatient")),
        "RescaleSlope": numbers(ds.get("RescaleSlope")),
        "RescaleIntercept": numbers(ds.get("RescaleIntercept")),
        "WindowCenter": numbers(ds.get("WindowCenter")),
    }
    if rel in UNDECODABLE:
        entry["pydicom"] = False
        entry.update(UNDECODABLE[rel])
        entry["shape"] = [int(ds.Rows), int(ds.Columns)]
        return entry
    entry["pydicom"] = True
    entry.update(summary(apply_modality_lut(ds.pixel_array, ds)))
    if ds.file_meta.TransferSyntaxUID == JPEGBaseline8Bit:
        # Also through pydicom's Pillow plugin: libjpeg-turbo, the decoder MedPipe uses for 8-bit JPEG (pydicom's
        # first choice, pylibjpeg-libjpeg, differs from it by a few levels here and there).
        entry["pillow"] = summary(apply_modality_lut(pixel_array(os.path.join(DATA, rel), decoding_plugin="pillow"), ds))
    iop, ipp, ps = entry["ImageOrientationPatient"], entry["ImagePositionPatient"], entry["PixelSpacing"]
    if iop and ipp and ps and len(ps) == 2:
        thickness = float(ds.get("SliceThickness") or 1)
        entry["affine"] = affine(ipp, iop, ps, np.cross(iop[:3], iop[3:]) * thickness)
    return entry


def series_entry(rel_dir, series_uid=None):
    datasets = []
    for path in sorted(glob.glob(os.path.join(DATA, rel_dir, "**", "*"), recursive=True)):
        if not os.path.isfile(path):
            continue
        try:
            ds = pydicom.dcmread(path)
        except Exception:
            continue
        if "PixelData" in ds and (series_uid is None or ds.SeriesInstanceUID == series_uid):
            datasets.append(ds)
    iop = [float(v) for v in datasets[0].ImageOrientationPatient]
    normal = np.cross(iop[:3], iop[3:])
    datasets.sort(key=lambda d: (float(np.dot([float(v) for v in d.ImagePositionPatient], normal)),
                                 int(d.get("InstanceNumber") or 0)))
    slices = [apply_modality_lut(d.pixel_array, d) for d in datasets]
    volume = np.stack(slices)
    positions = np.array([[float(v) for v in d.ImagePositionPatient] for d in datasets])
    gaps = np.diff(positions @ normal)
    span = positions[-1] - positions[0]
    step = span * np.median(gaps) / np.dot(span, normal)
    spacing = [float(v) for v in datasets[0].PixelSpacing]
    entry = {"directory": rel_dir, "SeriesInstanceUID": datasets[0].SeriesInstanceUID, "slices": len(datasets),
             "first": os.path.basename(datasets[0].filename), "last": os.path.basename(datasets[-1].filename),
             "sliceSpacing": float(np.median(gaps)), "affine": affine(positions[0], iop, spacing, step)}
    entry.update(summary(volume))
    return entry


def main():
    warnings.simplefilter("ignore")
    files = {rel: file_entry(rel) for rel in FILES if rel != TRUNCATED}
    ds = pydicom.dcmread(os.path.join(DATA, TRUNCATED))
    try:
        ds.pixel_array
        raise SystemExit(f"{TRUNCATED} unexpectedly decodes")
    except ValueError as error:
        found, expected = map(int, re.search(r"\((\d+) vs (\d+) bytes\)", str(error)).groups())
    bbmri = pydicom.dcmread(os.path.join(DATA, "dicom/dwv_subset/bbmri-53323131.dcm")).SeriesInstanceUID
    ct = pydicom.dcmread(os.path.join(DATA, "dicom/dwv_subset/osirix-toutatix-100.dcm")).SeriesInstanceUID
    reference = {
        "generator": f"pydicom {pydicom.__version__}, numpy {np.__version__}",
        "files": files,
        "walk": [walk_entry("dicom/mr_series/In/00001.dcm"), walk_entry("dicom/deid_data/humans/ctbrain1.dcm")],
        "truncated": {"file": TRUNCATED, "expectedBytes": expected, "foundBytes": found},
        "series": {
            "mr_series": series_entry("dicom/mr_series/In"),
            "dwv_bbmri": series_entry("dicom/dwv_subset", bbmri),
            "dwv_ct_j2k": series_entry("dicom/dwv_subset", ct),
        },
    }
    with open(OUT, "w") as f:
        json.dump(reference, f, indent=1, sort_keys=True)
        f.write("\n")
    print(f"wrote {OUT}: {len(files)} files, {len(reference['series'])} series")


if __name__ == "__main__":
    main()
