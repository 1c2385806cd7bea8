#!/usr/bin/env python3
"""Reference figures for MedPipe's QRS detector, computed with wfdb-python and written to
Tests/Reference/ecg_qrs.json (committed).

For each MIT-BIH record here (the 22 DS1 records and record 100, which is in DS2), wfdb-python's XQRS
detector runs on lead MLII, and its detections are matched to the cardiologists' beat annotations
(the .atr symbols that are heartbeats, as in ecg.py) with wfdb.processing.compare_annotations and the
150 ms window of ANSI/AAMI EC57. The JSON holds, per record, the number of reference beats and
XQRS's true positives, false positives and false negatives: the bar MedPipe's detector is tested
against, matched the same way.

Usage: python3 tools/reference/qrs.py   (from the project root; reads ../shared/data/wfdb)
"""
import json
import os
import sys

# tools/reference/wfdb.py would shadow the wfdb package.
sys.path = [p for p in sys.path if os.path.abspath(p or ".") != os.path.dirname(os.path.abspath(__file__))]

import numpy as np
import wfdb
import wfdb.processing

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WFDB = os.path.normpath(os.path.join(ROOT, "..", "shared", "data", "wfdb"))
OUT = os.path.join(ROOT, "Tests", "Reference", "ecg_qrs.json")
DS1 = "101 106 108 109 112 114 115 116 118 119 122 124 201 203 205 207 208 209 215 220 223 230".split()
# The MIT-BIH beat symbols (ecg_symbols.json's beats: wfdb's is_qrs without the flutter wave '!').
BEATS = set("NLRBAaJSVrFejnE/fQ?")


def record(path):
    signal, fields = wfdb.rdsamp(path)
    lead = fields["sig_name"].index("MLII")
    fs = fields["fs"]
    annotation = wfdb.rdann(path, "atr")
    reference = np.array([s for s, symbol in zip(annotation.sample, annotation.symbol) if symbol in BEATS])
    xqrs = wfdb.processing.XQRS(signal[:, lead], fs=fs)
    xqrs.detect(verbose=False)
    match = wfdb.processing.compare_annotations(reference, np.asarray(xqrs.qrs_inds), int(0.15 * fs))
    return {"beats": int(len(reference)), "tp": int(match.tp), "fp": int(match.fp), "fn": int(match.fn)}


def main():
    paths = {name: os.path.join(WFDB, "mitdb", name) for name in DS1}
    paths["100"] = os.path.join(WFDB, "100")
    records = {}
    for name, path in paths.items():
        records[name] = record(path)
        print(name, records[name], flush=True)
    payload = {"source": "wfdb " + wfdb.__version__ + " XQRS on lead MLII, compare_annotations window 150 ms",
               "window_seconds": 0.15, "records": records}
    with open(OUT, "w") as f:
        json.dump(payload, f, separators=(",", ":"))
    print("wrote", OUT)


if __name__ == "__main__":
    main()
