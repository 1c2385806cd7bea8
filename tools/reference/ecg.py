#!/usr/bin/env python3
"""Reference values for MedPipe's heartbeat labels and rhythm features, computed with wfdb-python and
written to Tests/Reference/ecg_*.json (committed).

- ecg_symbols.json: wfdb-python's annotation label table (code, symbol, description, is_qrs) with the
  AAMI EC57 class of each beat symbol, as de Chazal et al. 2004 map them (by description).
- ecg_rr.json: the beat annotations of MIT-BIH DS1 record 209 (many supraventricular beats) and 207
  (ventricular flutter episodes, whose flutter waves '!' are not beats), with every beat's RR features
  (pre, post, local average of the 10 centred intervals, record average, in seconds) computed from
  wfdb.processing.calc_rr.

Usage: python3 tools/reference/ecg.py   (from the project root; reads ../shared/data/wfdb/mitdb)
"""
import json
import os
import sys

# tools/reference/wfdb.py would shadow the wfdb package.
sys.path = [p for p in sys.path if os.path.abspath(p or ".") != os.path.dirname(os.path.abspath(__file__))]

import numpy as np
import wfdb
import wfdb.io.annotation as annotation
import wfdb.processing

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MITDB = os.path.normpath(os.path.join(ROOT, "..", "shared", "data", "wfdb", "mitdb"))
OUT = os.path.join(ROOT, "Tests", "Reference")

# de Chazal et al. 2004, Table 1 (AAMI EC57 classes of the MIT-BIH beat types), by wfdb's description.
AAMI = {
    "Normal beat": "N", "Left bundle branch block beat": "N", "Right bundle branch block beat": "N",
    "Atrial escape beat": "N", "Nodal (junctional) escape beat": "N",
    "Atrial premature contraction": "S", "Aberrated atrial premature beat": "S",
    "Nodal (junctional) premature beat": "S", "Premature or ectopic supraventricular beat": "S",
    "Premature ventricular contraction": "V", "Ventricular escape beat": "V",
    "Fusion of ventricular and normal beat": "F",
    "Paced beat": "Q", "Fusion of paced and normal beat": "Q", "Unclassifiable beat": "Q",
}
# wfdb's is_qrs counts ventricular flutter waves as QRS; they are not heartbeats (no RR interval).
NOT_BEATS = {"!"}


def write(name, payload):
    path = os.path.join(OUT, name)
    with open(path, "w") as f:
        json.dump(payload, f, separators=(",", ":"))
    print("wrote", path)


def symbols():
    table = annotation.ann_label_table
    rows = []
    for code, symbol, description in zip(table.label_store, table.symbol, table.description):
        if not symbol.strip():
            continue
        rows.append({"code": int(code), "symbol": symbol, "description": description,
                     "is_qrs": bool(annotation.is_qrs[int(code)]), "aami": AAMI.get(description)})
    write("ecg_symbols.json", {"source": "wfdb " + wfdb.__version__ + " ann_label_table and is_qrs",
                               "not_beats": sorted(NOT_BEATS), "symbols": rows})


def rr_features(record):
    ann = wfdb.rdann(os.path.join(MITDB, record), "atr")
    header = wfdb.rdheader(os.path.join(MITDB, record))
    qrs = {s for s, code in zip(annotation.ann_label_table.symbol, annotation.ann_label_table.label_store)
           if annotation.is_qrs[int(code)]} - NOT_BEATS
    beats = np.array([s for s, sym in zip(ann.sample, ann.symbol) if sym in qrs])
    rr = wfdb.processing.calc_rr(beats, fs=header.fs, rr_units="seconds")   # rr[k] = beat k+1 - beat k
    n = len(beats)
    average = float(rr.mean())
    features = []
    for i in range(n):
        pre = float(rr[i - 1]) if i >= 1 else average
        post = float(rr[i]) if i + 1 < n else average
        # Intervals i-4 .. i+5 in the 1-based numbering of the intervals before each beat.
        window = rr[max(0, i - 5):min(n - 1, i + 5)]
        features.append([round(v, 9) for v in (pre, post, float(window.mean()), average)])
    return {"record": record, "fs": float(header.fs), "length": int(header.sig_len),
            "samples": [int(s) for s in ann.sample], "symbols": list(ann.symbol),
            "beats": int(n), "features": features}


if __name__ == "__main__":
    symbols()
    write("ecg_rr.json", {"source": "wfdb " + wfdb.__version__ + " rdann + processing.calc_rr",
                          "feature_names": ["pre", "post", "local", "average"],
                          "records": [rr_features("209"), rr_features("207")]})
