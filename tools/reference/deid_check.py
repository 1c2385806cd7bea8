#!/usr/bin/env python3
"""Checks de-identified DICOM outputs with pydicom (run by MedPipeDeidentifyTests when pydicom is present).

usage: deid_check.py INPUT_DIR OUTPUT_DIR
Prints one JSON object: the identifying values pydicom sees in the inputs (patient name and its
components, IDs, birth date, accession number, institution, physicians, operators, every UI of an
instance/study/series/frame-of-reference), which of them occur in any output file's bytes
(case-insensitive), the outputs pydicom cannot read, private tags left, and the number of
outputs read.
"""
import json, os, re, sys
import pydicom

KEYWORDS = ["PatientName", "PatientID", "PatientBirthDate", "AccessionNumber", "InstitutionName",
            "InstitutionAddress", "ReferringPhysicianName", "PerformingPhysicianName", "NameOfPhysiciansReadingStudy",
            "OperatorsName", "OtherPatientIDs", "StudyID", "StationName"]
UIDS = ["SOPInstanceUID", "StudyInstanceUID", "SeriesInstanceUID", "FrameOfReferenceUID"]

def files(root):
    for folder, _, names in os.walk(root):
        for name in names:
            if not name.startswith("."):
                yield os.path.join(folder, name)

def main(inp, out):
    values, benign = set(), set()
    for path in files(inp):
        try:
            ds = pydicom.dcmread(path, stop_before_pixels=True)
        except Exception:
            continue
        for kw in KEYWORDS:
            v = ds.get(kw)
            if v is None:
                continue
            for item in (v if isinstance(v, pydicom.multival.MultiValue) else [v]):
                text = str(item).strip()
                if kw.endswith("Name") and kw not in ("InstitutionName", "StationName"):
                    parts = [p for p in text.replace("=", "^").replace(",", " ").replace("^", " ").split() if len(p) >= 4]
                    values.update(parts)
                if len(text) >= 4:
                    values.add(text)
        for kw in UIDS:
            v = ds.get(kw)
            if v:
                values.add(str(v).strip())
        for el in ds.iterall():
            # a whole value of a non-identifying attribute (Filter Type FLAT) is not a leak of a name
            # that happens to be spelled the same (a patient called "flat glade")
            if el.keyword not in KEYWORDS and el.VR in ("CS", "SH", "LO") and isinstance(el.value, str):
                benign.add(el.value.strip().upper())
            if el.VR == "UI" and el.keyword in ("ReferencedSOPInstanceUID",) and el.value:
                values.add(str(el.value).strip())
    found, unreadable, private, read = set(), [], 0, 0
    blobs = []
    for path in files(out):
        data = open(path, "rb").read()
        try:
            ds = pydicom.dcmread(path)
            _ = ds.pixel_array if "PixelData" in ds else None
            read += 1
            private += sum(1 for el in ds.iterall() if el.tag.is_private)
            private += sum(1 for el in ds.file_meta if el.tag.is_private)
            if "PixelData" in ds:
                pixel = ds.data_element("PixelData")
                # pixel values are not text: leave them out of the byte search
                idx = data.rfind(b"\xe0\x7f\x10\x00")
                if idx > 0:
                    data = data[:idx]
        except Exception as e:
            unreadable.append(f"{os.path.basename(path)}: {e}")
        blobs.append(data.upper())
    for value in values:
        # whole values only: "MARY" inside "PRIMARY" is not a leak
        needle = re.compile(rb"(?<![A-Z0-9.])" + re.escape(value.upper().encode("utf-8", "ignore")) + rb"(?![A-Z0-9.])")
        if value.upper() not in benign and any(needle.search(blob) for blob in blobs):
            found.add(value)
    print(json.dumps({"identifiers": len(values), "found": sorted(found), "unreadable": unreadable,
                      "private": private, "read": read}))

if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
