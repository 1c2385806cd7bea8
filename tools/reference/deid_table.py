#!/usr/bin/env python3
"""Independent cross-check data for BasicProfileTable (PS3.15 Table E.1-1).

Writes Tests/Reference/deid_table.json with
  - basic: the Basic Profile action of every single-tag row in dicom-anonymizer's dicomfields_2026c
    (scraped from the standard's Table E.1-1 by that project), keyed "GGGGEEEE";
  - keywords: pydicom's keyword for every tag listed there or in our table that pydicom knows.
Run from the project root: python3 tools/reference/deid_table.py  (needs dicom-anonymizer==2.1.0, pydicom).
"""
import importlib.util
import json
import os
import re

from importlib.util import find_spec

from pydicom.datadict import keyword_for_tag

root = os.path.join(os.path.dirname(__file__), "..", "..")
# Load the data module alone: the package's __init__ pulls in its CLI dependencies (tqdm).
package = os.path.dirname(find_spec("dicomanonymizer").origin)
path = os.path.join(package, "dicom_anonymization_databases", "dicomfields_2026c.py")
spec = importlib.util.spec_from_file_location("dicomfields_2026c", path)
fields = importlib.util.module_from_spec(spec)
spec.loader.exec_module(fields)

groups = {"D_TAGS": "D", "Z_TAGS": "Z", "X_TAGS": "X", "U_TAGS": "U", "Z_D_TAGS": "Z/D", "X_Z_TAGS": "X/Z",
          "X_D_TAGS": "X/D", "X_Z_D_TAGS": "X/Z/D", "X_Z_U_STAR_TAGS": "X/Z/U*"}
basic = {}
masks = []
for name, action in groups.items():
    for tag in getattr(fields, name):
        if len(tag) == 2:
            basic["%04X%04X" % tag] = action
        else:  # (group, element, group mask, element mask)
            masks.append({"group": tag[0], "element": tag[1], "groupMask": tag[2], "elementMask": tag[3], "action": action})

swift = open(os.path.join(root, "Sources", "MedPipeDeidentify", "DICOM", "BasicProfileTable.swift")).read()
ours = re.findall(r"^([0-9A-F]{8}) ", swift, re.M)
keywords = {}
for tag in sorted(set(basic) | set(ours)):
    keyword = keyword_for_tag(int(tag, 16))
    if keyword:
        keywords[tag] = keyword

out = {"edition": "2026c", "source": "dicom-anonymizer 2.1.0 dicomfields_2026c", "basic": basic, "masks": masks,
       "keywords": keywords}
with open(os.path.join(root, "Tests", "Reference", "deid_table.json"), "w") as f:
    json.dump(out, f, indent=1, sort_keys=True)
print(len(basic), "rows,", len(masks), "masks,", len(keywords), "keywords")
