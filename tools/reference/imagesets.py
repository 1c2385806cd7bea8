#!/usr/bin/env python3
"""Reference values for the image-set readers (MNIST idx, .npy, .npz, PNG), computed with
numpy, gzip and Pillow; writes Tests/Reference/imagesets.json.

Checksums are FNV-1a 64 over the array's little-endian, row-major bytes (as the NIfTI tests use),
plus exact integer sums and sums of squares.
"""
import gzip
import json
import os
import sys

import numpy as np
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = os.path.normpath(os.path.join(ROOT, "..", "shared", "data"))
FIXTURES = os.path.join(ROOT, "Fixtures", "images")


def fnv1a64(data: bytes) -> str:
    h = 0xCBF29CE484222325
    for b in data:
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return f"{h:016x}"


def fnv1a64_fast(array: np.ndarray) -> str:
    """FNV-1a 64 over the little-endian C-order bytes of `array`."""
    le = np.ascontiguousarray(array.astype(array.dtype.newbyteorder("<"), copy=False))
    return fnv1a64(le.tobytes())


def summary(array: np.ndarray) -> dict:
    a = np.asarray(array)
    out = {
        "shape": list(a.shape),
        "dtype": a.dtype.newbyteorder("=").name if a.dtype.kind != "b" else "bool",
        "fnv1a64": fnv1a64_fast(a),
    }
    if a.dtype.kind in "biu":
        exact = a.astype(object)  # Python integers: no overflow
        out["sum"] = int(exact.sum()) if a.size else 0
        out["sum_squares"] = int((exact * exact).sum()) if a.size else 0
    flat = a.reshape(-1)
    idx = sorted(set([0, flat.size // 3, flat.size // 2, flat.size - 1])) if flat.size else []
    # Values as text: exact for 64-bit integers, and JSON has no inf or nan.
    out["samples"] = [{"flat_index": int(i), "value": repr(flat[i].item() if a.dtype.kind != "b" else int(flat[i]))} for i in idx]
    return out


def idx_array(path: str) -> np.ndarray:
    with gzip.open(path, "rb") as f:
        raw = f.read()
    codes = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
    assert raw[0] == 0 and raw[1] == 0
    rank = raw[3]
    shape = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(rank))
    return np.frombuffer(raw, dtype=codes[raw[2]], offset=4 + 4 * rank).reshape(shape)


def label_counts(labels: np.ndarray) -> dict:
    values, counts = np.unique(labels.reshape(-1), return_counts=True)
    return {str(int(v)): int(c) for v, c in zip(values, counts)}


def mnist() -> dict:
    folder = os.path.join(DATA, "images", "mnist")
    images = idx_array(os.path.join(folder, "t10k-images-idx3-ubyte.gz"))
    test_labels = idx_array(os.path.join(folder, "t10k-labels-idx1-ubyte.gz"))
    train_labels = idx_array(os.path.join(folder, "train-labels-idx1-ubyte.gz"))
    return {
        "test_images": summary(images),
        "test_labels": summary(test_labels),
        "test_label_counts": label_counts(test_labels),
        "train_labels": summary(train_labels),
        "train_label_counts": label_counts(train_labels),
        "first_labels": [int(x) for x in test_labels[:20]],
        "image_0_fnv1a64": fnv1a64_fast(images[0]),
        "image_9999_fnv1a64": fnv1a64_fast(images[9999]),
    }


def medmnist() -> dict:
    with np.load(os.path.join(DATA, "images", "medmnist", "breastmnist.npz")) as z:
        members = {name: z[name] for name in z.files}
        order = list(z.files)
    splits = {}
    for split in ("train", "val", "test"):
        images, labels = members[f"{split}_images"], members[f"{split}_labels"]
        splits[split] = {
            "images": summary(images),
            "labels": summary(labels),
            "label_counts": label_counts(labels),
            "image_0_fnv1a64": fnv1a64_fast(images[0]),
        }
    return {"members": order, "splits": splits}


def fixture_files() -> dict:
    out = {}
    if not os.path.isdir(FIXTURES):
        return out
    for folder, _, files in sorted(os.walk(FIXTURES)):
        for name in sorted(files):
            path = os.path.join(folder, name)
            rel = os.path.relpath(path, FIXTURES)
            if name.startswith("bad_"):
                continue  # invalid on purpose, for error tests
            if name.endswith(".npy"):
                out[rel] = summary(np.load(path, allow_pickle=False))
            elif name.endswith(".npz"):
                with np.load(path, allow_pickle=False) as z:
                    out[rel] = {"members": [{"name": m, **summary(z[m])} for m in z.files]}
            elif name.endswith(".png"):
                with Image.open(path) as im:
                    # MedPipe expands palettes to RGB(A) and 1/2/4-bit gray to 8 bits, as Pillow's convert does.
                    if im.mode == "P":
                        pixels = np.asarray(im.convert("RGBA" if "transparency" in im.info else "RGB"))
                    elif im.mode == "1":
                        pixels = np.asarray(im.convert("L"))
                    else:
                        pixels = np.asarray(im)
                    entry = summary(pixels)
                    entry["mode"] = im.mode
                    entry["text"] = {k: v for k, v in getattr(im, "text", {}).items()}
                out[rel] = entry
    return out


def main() -> None:
    result = {"mnist": mnist(), "medmnist": medmnist(), "fixtures": fixture_files()}
    target = os.path.join(ROOT, "Tests", "Reference", "imagesets.json")
    with open(target, "w") as f:
        json.dump(result, f, indent=1, sort_keys=True)
        f.write("\n")
    print(f"wrote {target}", file=sys.stderr)


if __name__ == "__main__":
    main()
