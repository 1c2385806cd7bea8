#!/usr/bin/env python3
"""Expected ROC curves from scikit-learn's roc_curve (default drop_intermediate=True).

Run from the project root: python3 tools/reference/roc.py  → Tests/Reference/roc_curve.json

Cases: scores rounded to a few levels (many ties), distinct scores, a perfect and an inverted ranking.
Scores are float32 values so that Swift's Float compares them exactly as numpy does.
"""
import json
import os

import numpy as np
from sklearn.metrics import roc_auc_score, roc_curve

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def case(name, scores, labels):
    scores = np.asarray(scores, dtype=np.float32)
    labels = np.asarray(labels, dtype=int)
    fpr, tpr, thresholds = roc_curve(labels, scores)
    return {
        "name": name,
        "scores": [float(s) for s in scores],
        "positive": [bool(x) for x in labels],
        "fpr": [float(x) for x in fpr],
        "tpr": [float(x) for x in tpr],
        # The first threshold is +inf in scikit-learn (the point (0, 0)); JSON has no infinity.
        "thresholds": [float(x) for x in thresholds[1:]],
        "auc": float(roc_auc_score(labels, scores)),
    }


rng = np.random.default_rng(13)
n = 400
latent = rng.normal(size=n)
labels = (latent + rng.normal(scale=1.2, size=n)) > 0.3
tied = np.round(1 / (1 + np.exp(-latent)), 1)
distinct = rng.permutation(n) / n + labels * 0.3
cases = [
    case("tied", tied, labels),
    case("distinct", distinct, labels),
    case("perfect", [0.1, 0.2, 0.3, 0.8, 0.9], [0, 0, 0, 1, 1]),
    case("inverted", [0.9, 0.8, 0.3, 0.2], [0, 0, 1, 1]),
]
with open(os.path.join(ROOT, "Tests", "Reference", "roc_curve.json"), "w") as f:
    json.dump({"cases": cases}, f, indent=1)
    f.write("\n")
print("wrote Tests/Reference/roc_curve.json:", ", ".join(f"{c['name']} {len(c['fpr'])} points" for c in cases))
