#!/usr/bin/env python3
"""Expected values for the CSV reader, from Python's csv module and numpy (no pandas).

Run from the project root: python3 tools/reference/tables.py  → Tests/Reference/csv.json

Per table: column names, the inferred type of each column (every non-missing cell parses with
int() → integer, with float() → real, else text), missing counts ('?' and empty cells), column
sums and means over the non-missing numeric cells, the row count and the label value counts.
"""
import csv
import json
import os
from collections import Counter

import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SHARED = os.path.abspath(os.path.join(ROOT, "..", "shared", "data"))
MISSING = {"?", ""}
CLEVELAND = ["age", "sex", "cp", "trestbps", "chol", "fbs", "restecg", "thalach", "exang", "oldpeak", "slope", "ca", "thal", "num"]


def parses(text, kind):
    try:
        kind(text)
        return True
    except ValueError:
        return False


def describe(relative, names, has_header, label):
    with open(os.path.join(SHARED, relative), newline="", encoding="utf-8-sig") as f:
        rows = [row for row in csv.reader(f) if row]
    if has_header:
        names, rows = rows[0], rows[1:]
    columns = []
    for c, name in enumerate(names):
        cells = [row[c].strip(" \t") for row in rows]
        present = [x for x in cells if x not in MISSING]
        if all(parses(x, int) for x in present) and present:
            kind = "integer"
        elif all(parses(x, float) for x in present):
            kind = "real"
        else:
            kind = "text"
        values = np.array([float(x) if x not in MISSING else np.nan for x in cells]) if kind != "text" else None
        columns.append({
            "name": name, "type": kind, "missing": len(cells) - len(present),
            "sum": float(np.nansum(values)) if values is not None else None,
            "mean": float(np.nanmean(values)) if values is not None else None,
        })
    label_index = names.index(label)
    label_counts = Counter(row[label_index].strip() for row in rows)
    return {"file": relative, "rows": len(rows), "columns": columns, "label": label,
            "label_counts": dict(sorted(label_counts.items()))}


def main():
    tables = [
        describe("tabular/heart.csv", None, True, "target"),
        describe("tabular/processed.cleveland.data", CLEVELAND, False, "num"),
    ]
    out = os.path.join(ROOT, "Tests", "Reference", "csv.json")
    with open(out, "w") as f:
        json.dump({"generator": f"python csv, numpy {np.__version__}", "tables": tables}, f, indent=1)
        f.write("\n")
    for t in tables:
        print(t["file"], t["rows"], "rows; missing:", {c["name"]: c["missing"] for c in t["columns"] if c["missing"]}, "labels:", t["label_counts"])


if __name__ == "__main__":
    main()
