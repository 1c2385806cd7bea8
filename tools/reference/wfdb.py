#!/usr/bin/env python3
"""Reference values for the WFDB reader, computed with wfdb-python.

Writes Tests/Reference/wfdb.json. For every record under ../shared/data/wfdb that wfdb-python
reads (and a variable-layout head of p000878 assembled in a temporary folder from its first
segments, since the full record lacks most segment files), it stores the digital signal
(`rdrecord(physical=False).d_signal`) as exact per-channel sums, a position-weighted checksum and
values at fixed indices, the physical signal (`rdrecord().p_signal`) as NaN counts, sums, extrema
and values at fixed indices, header fields, and every annotation read by `rdann`.

Run from the project root: python3 tools/reference/wfdb.py
"""
import glob
import json
import math
import os
import sys
import tempfile

# This script is named wfdb.py: keep its own folder from shadowing the wfdb package.
sys.path = [p for p in sys.path if os.path.abspath(p or ".") != os.path.dirname(os.path.abspath(__file__))]

import numpy as np
import wfdb

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = os.path.normpath(os.path.join(ROOT, "..", "shared", "data", "wfdb"))
OUT = os.path.join(ROOT, "Tests", "Reference", "wfdb.json")

# The first segments of p000878: layout, a null segment, then two real segments.
P878_HEAD = "p878head/4 4 125 7500 16:57:09.000 26/10/2137\n3269321_layout 0\n~ 3750\n3269321_0001 2000\n3269321_0002 1750\n"
P878_FILES = ["3269321_layout.hea", "3269321_0001.hea", "3269321_0001.dat", "3269321_0002.hea", "3269321_0002.dat"]


def indices(n):
    return sorted({0, 1, n // 7, n // 3, n // 2, (2 * n) // 3, n - 2, n - 1} & set(range(n)))


def weighted_checksum(d):
    flat = d.astype(np.int64).reshape(-1).view(np.uint64)
    weights = np.arange(1, flat.size + 1, dtype=np.uint64)
    with np.errstate(over="ignore"):
        return str(int(np.sum(flat * weights, dtype=np.uint64)))


def finite_or_none(x):
    return None if math.isnan(x) else float(x)


def describe(path, key, digital=True):
    entry = {"key": key, "digital": digital}
    rec = wfdb.rdrecord(path)
    p = rec.p_signal
    # Without a digital read (p878head), zeros stand in and the digital fields are not compared.
    d = wfdb.rdrecord(path, physical=False).d_signal if digital else np.zeros(p.shape, dtype=np.int64)
    n, nch = d.shape
    rows = indices(n)
    entry.update(
        shape=[n, nch],
        dtype=str(d.dtype),
        fs=float(rec.fs),
        sig_name=list(rec.sig_name),
        # None where a variable-layout signal appears in no segment read.
        units=list(rec.units),
        adc_gain=[None if g is None else float(g) for g in rec.adc_gain],
        baseline=[None if b is None else int(b) for b in rec.baseline],
        fmt=[None if f is None else str(f) for f in rec.fmt],
        samps_per_frame=[int(s) for s in rec.samps_per_frame],
        comments=list(rec.comments),
        base_time=str(rec.base_time) if rec.base_time is not None else None,
        base_date=str(rec.base_date) if rec.base_date is not None else None,
        digital_sum=[int(s) for s in d.astype(np.int64).sum(axis=0)],
        digital_min=[int(s) for s in d.min(axis=0)],
        digital_max=[int(s) for s in d.max(axis=0)],
        digital_checksum=weighted_checksum(d),
        rows=rows,
        digital_rows=[[int(v) for v in d[r]] for r in rows],
        physical_nan=[int(c) for c in np.isnan(p).sum(axis=0)],
        physical_sum=[float(s) for s in np.nansum(p, axis=0)],
        physical_min=[finite_or_none(s) if not np.all(np.isnan(p[:, c])) else None for c, s in enumerate(np.nanmin(np.where(np.isnan(p), np.inf, p), axis=0))],
        physical_max=[finite_or_none(s) if not np.all(np.isnan(p[:, c])) else None for c, s in enumerate(np.nanmax(np.where(np.isnan(p), -np.inf, p), axis=0))],
        physical_rows=[[finite_or_none(v) for v in p[r]] for r in rows],
    )
    return entry


def annotations(record, extension):
    a = wfdb.rdann(os.path.join(DATA, record), extension)
    return {
        "record": record,
        "extension": extension,
        "fs": float(a.fs) if a.fs is not None else None,
        "sample": [int(s) for s in a.sample],
        "symbol": list(a.symbol),
        "subtype": [int(s) for s in a.subtype],
        "chan": [int(s) for s in a.chan],
        "num": [int(s) for s in a.num],
        "aux": list(a.aux_note),
    }


def main():
    records = []
    names = sorted(os.path.splitext(os.path.basename(f))[0] for f in glob.glob(os.path.join(DATA, "*.hea")))
    names += ["multi-segment/041s/041s", "multi-segment/fixed1/v102s"]
    failures = {}
    for name in names:
        try:
            records.append(describe(os.path.join(DATA, name), name))
        except Exception as error:  # recorded: the Swift reader must fail on these too
            failures[name] = f"{type(error).__name__}: {error}"
    with tempfile.TemporaryDirectory() as tmp:
        for f in P878_FILES:
            os.symlink(os.path.join(DATA, "multi-segment", "p000878", f), os.path.join(tmp, f))
        with open(os.path.join(tmp, "p878head.hea"), "w") as f:
            f.write(P878_HEAD)
        entry = describe(os.path.join(tmp, "p878head"), "p878head", digital=False)
        records.append(entry)
    # Digital reads of p878head fail in wfdb-python (signals no segment carries have no format);
    # the Swift reader fills them with -32768 instead (documented), so only physical is compared there.
    anns = [annotations(r, e) for r, e in [("100", "atr"), ("100", "qrs"), ("1003", "atr"),
                                            ("03700181", "gqrsh"), ("03700181", "gqrsl"), ("03700181", "sqrs")]]
    out = {
        "wfdb_version": wfdb.__version__,
        "p878_head": P878_HEAD,
        "p878_files": P878_FILES,
        "records": records,
        "failures": failures,
        "annotations": anns,
    }
    with open(OUT, "w") as f:
        json.dump(out, f, indent=1)
    print(f"wrote {OUT}: {len(records)} records, {len(anns)} annotation files, failures: {sorted(failures)}")


if __name__ == "__main__":
    main()
