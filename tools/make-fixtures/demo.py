#!/usr/bin/env python3
"""Writes the demo data set bundled in Fixtures/demo/images: 28x28 grayscale PNGs of noise with one
bright blob, in class folders `left` and `right` by the half the blob sits in (the class Grad-CAM
must find). Deterministic: the same bytes on every run. Needs numpy and Pillow."""
import os
import numpy as np
from PIL import Image

root = os.path.join(os.path.dirname(__file__), "..", "..", "Fixtures", "demo", "images")
rng = np.random.default_rng(20261129)
yy, xx = np.mgrid[0:28, 0:28]
for label in ("left", "right"):
    os.makedirs(os.path.join(root, label), exist_ok=True)
for i in range(240):
    label = ("left", "right")[i % 2]
    cy = rng.integers(5, 23)
    cx = rng.integers(4, 11) if label == "left" else rng.integers(17, 24)
    blob = np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / 6.0)
    image = np.clip(0.25 * rng.random((28, 28)) + 0.75 * blob, 0, 1)
    Image.fromarray((image * 255).round().astype(np.uint8), mode="L").save(
        os.path.join(root, label, f"{i:03d}.png"), optimize=True)
