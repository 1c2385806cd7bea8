#!/usr/bin/env python3
"""Writes the small image-set fixtures in Fixtures/images/ (npy, npz, PNG files and a PNG class
folder). Deterministic: rerunning gives the same bytes. Reference values come from
tools/reference/imagesets.py afterwards."""
import io
import os
import shutil
import zipfile

import numpy as np
from PIL import Image, PngImagePlugin

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Fixtures", "images")
rng = np.random.default_rng(20241129)


def npy_bytes(array: np.ndarray, version=None) -> bytes:
    buffer = io.BytesIO()
    if version is None:
        np.save(buffer, array, allow_pickle=False)
    else:
        np.lib.format.write_array(buffer, array, version=version, allow_pickle=False)
    return buffer.getvalue()


def write(path: str, data: bytes) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def npy_fixtures() -> None:
    folder = os.path.join(OUT, "npy")
    arrays = {
        "u1_2x3.npy": np.arange(6, dtype=np.uint8).reshape(2, 3) * 40,
        "i1_5.npy": np.array([-128, -1, 0, 1, 127], dtype=np.int8),
        "b1_4.npy": np.array([True, False, False, True]),
        "u2_be_3x4.npy": (np.arange(12).reshape(3, 4) * 5000 + 7).astype(">u2"),
        "i2_le_2x2x3.npy": rng.integers(-32768, 32767, size=(2, 2, 3), dtype=np.int16),
        "u4_be_6.npy": np.array([0, 1, 65536, 4_000_000_000, 123456789, 42], dtype=">u4"),
        "i4_le_3x2.npy": rng.integers(-2**31, 2**31 - 1, size=(3, 2), dtype=np.int32),
        "u8_le_3.npy": np.array([0, 2**63 + 5, 2**64 - 1], dtype="<u8"),
        "i8_be_2x2.npy": np.array([[-2**62, 3], [2**40, -1]], dtype=">i8"),
        "f4_be_2x3.npy": np.array([[0.5, -1.25, 3e38], [np.inf, -0.0, 1e-30]], dtype=">f4"),
        "f8_le_4.npy": np.array([np.pi, -np.e, 1e300, 5e-324], dtype="<f8"),
        "f8_scalar.npy": np.array(2.75),
        "i2_empty_0x3.npy": np.zeros((0, 3), dtype=np.int16),
        # Fortran order: the stored bytes are column-major.
        "f4_fortran_3x4x5.npy": np.asfortranarray(rng.standard_normal((3, 4, 5)).astype(np.float32)),
        "i2_be_fortran_4x3.npy": np.asfortranarray((np.arange(12).reshape(4, 3) * -300).astype(">i2")),
        "u1_fortran_2x3x4x2.npy": np.asfortranarray(np.arange(48, dtype=np.uint8).reshape(2, 3, 4, 2)),
    }
    for name, array in arrays.items():
        write(os.path.join(folder, name), npy_bytes(array))
    write(os.path.join(folder, "u2_v2_2x2.npy"), npy_bytes(np.array([[1, 2], [3, 65535]], dtype=np.uint16), version=(2, 0)))
    write(os.path.join(folder, "f4_v3_3.npy"), npy_bytes(np.array([1.5, -2.5, 0.125], dtype=np.float32), version=(3, 0)))


def npz_fixtures() -> None:
    folder = os.path.join(OUT, "npz")
    os.makedirs(folder, exist_ok=True)
    images = rng.integers(0, 256, size=(4, 6, 5), dtype=np.uint8)
    labels = np.array([[0], [1], [1], [0]], dtype=np.uint8)
    weights = np.asfortranarray(rng.standard_normal((3, 2))).astype(">f8", order="F")
    # One archive mixing stored and deflated members, in a fixed order.
    with zipfile.ZipFile(os.path.join(folder, "mixed.npz"), "w") as z:
        for name, array, method in (("images", images, zipfile.ZIP_DEFLATED), ("labels", labels, zipfile.ZIP_STORED),
                                    ("weights", weights, zipfile.ZIP_DEFLATED)):
            info = zipfile.ZipInfo(name + ".npy", date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = method
            z.writestr(info, npy_bytes(array))
    # Not an .npz: a member that is not a .npy array.
    with zipfile.ZipFile(os.path.join(folder, "bad_text_member.npz"), "w") as z:
        z.writestr(zipfile.ZipInfo("labels.npy", date_time=(2024, 1, 1, 0, 0, 0)), npy_bytes(labels))
        z.writestr(zipfile.ZipInfo("README.txt", date_time=(2024, 1, 1, 0, 0, 0)), b"not an array\n")
    # numpy's own writers (deflated, zip64 members).
    buffer = io.BytesIO()
    np.savez_compressed(buffer, train_images=images[:3], train_labels=labels[:3], test_images=images[3:], test_labels=labels[3:])
    write(os.path.join(folder, "savez_compressed.npz"), normalize_zip(buffer.getvalue()))
    buffer = io.BytesIO()
    np.savez(buffer, a=np.arange(5, dtype=np.int32), b=np.float32(1.5))
    write(os.path.join(folder, "savez_stored.npz"), normalize_zip(buffer.getvalue()))


def normalize_zip(data: bytes) -> bytes:
    """Rewrites an archive with fixed timestamps so the fixture bytes do not change between runs."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(2024, 1, 1, 0, 0, 0))
            fixed.compress_type = info.compress_type
            with z.open(fixed, "w", force_zip64=True) as member:
                member.write(source.read(info.filename))
    return out.getvalue()


def png(image: Image.Image, path: str, text: dict | None = None) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    info = None
    if text:
        info = PngImagePlugin.PngInfo()
        for key, value in text.items():
            info.add_text(key, value)
    image.save(path, pnginfo=info)


def png_fixtures() -> None:
    folder = os.path.join(OUT, "png")
    gray8 = rng.integers(0, 256, size=(5, 7), dtype=np.uint8)
    gray16 = rng.integers(0, 65536, size=(4, 6), dtype=np.uint16)
    rgb = rng.integers(0, 256, size=(3, 4, 3), dtype=np.uint8)
    rgba = rng.integers(0, 256, size=(4, 3, 4), dtype=np.uint8)
    la = rng.integers(0, 256, size=(3, 5, 2), dtype=np.uint8)
    png(Image.fromarray(gray8), os.path.join(folder, "gray8.png"), {"Source": "medpipe fixture", "Comment": "8-bit gray"})
    png(Image.fromarray(gray16), os.path.join(folder, "gray16.png"))
    png(Image.fromarray(rgb), os.path.join(folder, "rgb8.png"))
    png(Image.fromarray(rgba), os.path.join(folder, "rgba8.png"))
    png(Image.fromarray(la), os.path.join(folder, "gray_alpha8.png"))
    palette = Image.frombytes("P", (5, 6), rng.integers(0, 4, size=(6, 5), dtype=np.uint8).tobytes())
    palette.putpalette([255, 0, 0, 0, 255, 0, 0, 0, 255, 200, 200, 10])
    png(palette, os.path.join(folder, "palette.png"))
    # A 1-bit image (bit depth below 8).
    png(Image.fromarray(rng.integers(0, 2, size=(3, 9), dtype=np.uint8).astype(bool)), os.path.join(folder, "bilevel.png"))

    # One folder per class, as a course's image set; a stray text file to skip.
    classes = os.path.join(OUT, "pngfolder")
    shutil.rmtree(classes, ignore_errors=True)
    for label, count in (("benign", 3), ("malignant", 2)):
        for i in range(count):
            pixels = rng.integers(0, 256, size=(6, 6), dtype=np.uint8)
            png(Image.fromarray(pixels), os.path.join(classes, label, f"img{i:02d}.png"))
    png(Image.fromarray(rng.integers(0, 65536, size=(6, 6), dtype=np.uint16)), os.path.join(classes, "benign", "img10_16bit.png"))
    write(os.path.join(classes, "malignant", "notes.txt"), b"not an image\n")


def main() -> None:
    npy_fixtures()
    npz_fixtures()
    png_fixtures()


if __name__ == "__main__":
    main()
