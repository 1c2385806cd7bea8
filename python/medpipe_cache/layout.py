"""The layout a network takes, as `medpipe train` arranges a cached sample: channels first, float32.

Signals `(samples, leads)` become `(leads, samples)`; gray images `(rows, cols)` become `(1, rows, cols)`;
colour images `(rows, cols, 3 or 4)` become `(channels, rows, cols)`; volumes `(slices, rows, cols)`
become `(1, slices, rows, cols)`; table rows `(features,)` stay as they are.
"""
from __future__ import annotations

import numpy as np


def arrange(array: np.ndarray, geometry: dict | None) -> np.ndarray:
    """A new C-contiguous float32 array in channels-first layout (integers go through float64, as in medpipe)."""
    values = array.astype(np.float32) if array.dtype == np.float32 else array.astype(np.float64).astype(np.float32)
    geometry = geometry or {}
    shape = values.shape
    if "temporal" in geometry and len(shape) == 2:
        return np.ascontiguousarray(values.T)
    if len(shape) == 3 and shape[2] in (3, 4):
        spacing = geometry.get("spatial", {}).get("spacing", [])
        if len(spacing) >= 3:
            return values[np.newaxis]
        return np.ascontiguousarray(np.moveaxis(values, 2, 0))
    if len(shape) in (2, 3):
        return values[np.newaxis]
    return values
