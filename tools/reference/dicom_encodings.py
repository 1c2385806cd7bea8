#!/usr/bin/env python3
"""Small DICOM fixtures in the encodings that real files use and MedPipe must decode (issue 10 §1), and their
expected arrays computed with pydicom 3 (+ pylibjpeg-libjpeg for JPEG, highdicom for the SEG).

Writes Fixtures/dicom/encodings/*.dcm (a few KB each), Fixtures/dicom/series_*/ (small series whose slices go
through a Modality LUT, a rescale or bit unpacking), Fixtures/dicom/malformed/*.dcm (headers that promise more
than the file holds or a LUT that cannot apply) and Tests/Reference/dicom_encodings.json: per fixture, what
`apply_modality_lut(ds.pixel_array, ds)` gives (shape, dtype, byte checksum, sum/min/max, values at fixed flat
indices — the summary of tools/reference/dicom.py), and for the malformed fixtures the words their error must contain.

Every byte written is fixed (UIDs derived from names, fixed dates, seeded random values): rerunning the
script rewrites the same files.

Usage: python3 tools/reference/dicom_encodings.py
"""
import copy
import datetime
import hashlib
import io
import json
import os
import subprocess
import sys
import tempfile
import warnings

import jpeg_ls
import numpy as np
import pydicom
from PIL import Image
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.encaps import encapsulate, generate_frames
from pydicom.filebase import DicomBytesIO
from pydicom.filewriter import write_data_element
from pydicom.pixels import apply_modality_lut
from pydicom.uid import (ExplicitVRBigEndian, ExplicitVRLittleEndian, ImplicitVRLittleEndian, JPEG2000Lossless, JPEGBaseline8Bit,
                         JPEGLSLossless,
                         RLELossless)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dicom import summary  # noqa: E402  (the same reference numbers as the shared-data files)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(ROOT, "Fixtures", "dicom")
OUT = os.path.join(ROOT, "Tests", "Reference", "dicom_encodings.json")
RNG = np.random.default_rng(10)


def uid(name, part):
    """A fixed, valid UID for fixture `name` (the 2.25 root takes a decimal of up to 39 digits)."""
    digest = hashlib.sha256(f"{name}/{part}".encode()).digest()
    return "2.25." + str(int.from_bytes(digest[:16], "big"))


def base(name, transfer_syntax, rows, columns, *, bits=16, stored=None, signed=False, samples=1,
         photometric="MONOCHROME2", frames=None, sop_class="1.2.840.10008.5.1.4.1.1.7"):
    """A dataset with the image pixel module filled in and no Pixel Data yet."""
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = transfer_syntax
    ds.file_meta.MediaStorageSOPClassUID = sop_class
    ds.file_meta.MediaStorageSOPInstanceUID = uid(name, "sop")
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = uid(name, "sop")
    ds.StudyInstanceUID = uid(name, "study")
    ds.SeriesInstanceUID = uid(name, "series")
    ds.PatientID = "ENC-" + name[:8]
    ds.Modality = "OT"
    ds.SamplesPerPixel = samples
    ds.PhotometricInterpretation = photometric
    if samples > 1:
        ds.PlanarConfiguration = 0
    if frames is not None:
        ds.NumberOfFrames = frames
    ds.Rows, ds.Columns = rows, columns
    ds.BitsAllocated = bits
    ds.BitsStored = bits if stored is None else stored
    ds.HighBit = ds.BitsStored - 1
    ds.PixelRepresentation = 1 if signed else 0
    return ds


def set_native(ds, array):
    """Stores `array` as native Pixel Data in the dataset's transfer syntax (bit-packed for BitsAllocated 1)."""
    little = ds.file_meta.TransferSyntaxUID != ExplicitVRBigEndian
    if ds.BitsAllocated == 1:
        data = np.packbits(array.astype(np.uint8).reshape(-1), bitorder="little").tobytes()
    else:
        dtype = np.dtype(f"{'ui'[ds.PixelRepresentation]}{ds.BitsAllocated // 8}").newbyteorder("<" if little else ">")
        data = array.astype(dtype).tobytes()
    ds.PixelData = data + b"\0" * (len(data) % 2)
    ds["PixelData"].VR = "OW" if ds.BitsAllocated > 8 else "OB"


def save(ds, folder, name):
    path = os.path.join(FIXTURES, folder, name)
    ds.save_as(path, enforce_file_format=True)
    return path


# ---- BitsAllocated 1 ----

def bit_packed(name, transfer_syntax, frames, rows, columns, vr=None):
    ds = base(name, transfer_syntax, rows, columns, bits=1, frames=frames)
    mask = RNG.integers(0, 2, size=(frames, rows, columns), dtype=np.uint8)
    set_native(ds, mask)
    if vr:
        ds["PixelData"].VR = vr
    return ds


def segmentation(name):
    """A binary DICOM SEG written by highdicom over a synthetic 3-slice CT: 2 segments, 11 x 13 frames
    (143 bits each, so frames start inside bytes)."""
    import highdicom as hd
    from pydicom.sr.codedict import codes

    sources = []
    for i in range(3):
        ct = base(name, ExplicitVRLittleEndian, 11, 13, stored=12, sop_class="1.2.840.10008.5.1.4.1.1.2")
        ct.SOPInstanceUID = uid(name, f"ct{i}")
        ct.SeriesInstanceUID = uid(name, "ct")
        ct.Modality = "CT"
        ct.PatientName, ct.PatientBirthDate, ct.PatientSex = "Encoding^Test", "19700101", "O"
        ct.StudyDate, ct.StudyTime, ct.StudyID, ct.AccessionNumber = "20240101", "120000", "1", "A1"
        ct.ReferringPhysicianName, ct.SeriesNumber, ct.InstanceNumber = "", 1, i + 1
        ct.FrameOfReferenceUID = uid(name, "frame")
        ct.PixelSpacing, ct.SliceThickness = [0.8, 0.8], 2.0
        ct.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
        ct.ImagePositionPatient = [0, 0, 2.0 * i]
        ct.RescaleSlope, ct.RescaleIntercept = 1, -1024
        set_native(ct, RNG.integers(0, 4096, size=(11, 13), dtype=np.uint16))
        sources.append(ct)
    masks = np.zeros((3, 11, 13, 2), dtype=bool)
    masks[:, 2:9, 3:10, 0] = RNG.integers(0, 2, size=(3, 7, 7)).astype(bool)
    masks[1:, 5:, 6:, 1] = True
    property_category = codes.SCT.Tissue
    descriptions = [
        hd.seg.SegmentDescription(
            segment_number=n + 1, segment_label=label, segmented_property_category=property_category,
            segmented_property_type=codes.SCT.Tissue, algorithm_type=hd.seg.SegmentAlgorithmTypeValues.MANUAL)
        for n, label in enumerate(["first", "second"])
    ]
    seg = hd.seg.Segmentation(
        source_images=sources, pixel_array=masks, segmentation_type=hd.seg.SegmentationTypeValues.BINARY,
        segment_descriptions=descriptions, series_instance_uid=uid(name, "series"), series_number=2,
        sop_instance_uid=uid(name, "sop"), instance_number=1, manufacturer="MedPipe",
        manufacturer_model_name="fixtures", software_versions="1", device_serial_number="1")
    fixed = datetime.datetime(2024, 1, 1, 12, 0, 0)
    for keyword, value in [("ContentDate", fixed.strftime("%Y%m%d")), ("ContentTime", fixed.strftime("%H%M%S")),
                           ("SeriesDate", fixed.strftime("%Y%m%d")), ("SeriesTime", fixed.strftime("%H%M%S")),
                           ("InstanceCreationDate", fixed.strftime("%Y%m%d")),
                           ("InstanceCreationTime", fixed.strftime("%H%M%S"))]:
        if keyword in seg:
            setattr(seg, keyword, value)
    for item in seg.get("ContributingEquipmentSequence", []):
        item.ContributionDateTime = fixed.strftime("%Y%m%d%H%M%S")
    for item in seg.DimensionOrganizationSequence:
        item.DimensionOrganizationUID = uid(name, "dimensions")
    for item in seg.DimensionIndexSequence:
        item.DimensionOrganizationUID = uid(name, "dimensions")
    return seg


# ---- 32-bit samples, big endian ----

def dose_big_endian(name, signed):
    frames, rows, columns = 3, 4, 5
    ds = base(name, ExplicitVRBigEndian, rows, columns, bits=32, signed=signed, frames=frames,
              sop_class="1.2.840.10008.5.1.4.1.1.481.2")
    ds.Modality = "RTDOSE"
    ds.DoseUnits, ds.DoseType, ds.DoseSummationType = "GY", "PHYSICAL", "PLAN"
    ds.DoseGridScaling = "1.5e-05"
    low, high = (-(2 ** 31), 2 ** 31 - 1) if signed else (0, 2 ** 32 - 1)
    values = RNG.integers(low, high, size=(frames, rows, columns), dtype=np.int64, endpoint=True)
    values.flat[:4] = [low, high, 0, 1]  # the extremes, where wrong byte order or sign shows most
    set_native(ds, values)
    return ds


def signed_bits_stored_big_endian(name):
    """32-bit signed samples with BitsStored 20: the high bits hold a sign extension to redo."""
    ds = base(name, ExplicitVRBigEndian, 6, 7, bits=32, stored=20, signed=True)
    values = RNG.integers(-(2 ** 19), 2 ** 19, size=(6, 7), dtype=np.int64)
    words = (values & 0xFFFFF) | (RNG.integers(0, 2 ** 12, size=(6, 7)) << 20)  # garbage in the unused bits
    ds.RescaleSlope, ds.RescaleIntercept = "0.5", "-3"
    ds.PixelRepresentation = 1
    ds.PixelData = words.astype(">u4").tobytes()
    ds["PixelData"].VR = "OW"
    return ds


def bytes_as_ow_big_endian(name):
    """8-bit samples stored as OW in big endian, an odd count: pydicom swaps the bytes of each 16-bit word
    (the padding byte included) before reading the samples."""
    ds = base(name, ExplicitVRBigEndian, 3, 5, bits=8)
    ds.PixelData = RNG.integers(0, 256, size=16, dtype=np.uint8).tobytes()
    ds["PixelData"].VR = "OW"
    return ds


# ---- RLE ----

def packbits(data):
    """PackBits as DICOM RLE uses it (PS3.5 G.3.1): replicate runs of 3 to 128 bytes, literal runs up to 128."""
    out, i = bytearray(), 0
    while i < len(data):
        run = 1
        while i + run < len(data) and run < 128 and data[i + run] == data[i]:
            run += 1
        if run >= 3:
            out += bytes([257 - run, data[i]])
            i += run
            continue
        start = i
        while i < len(data) and i - start < 128 and not (i + 2 < len(data) and data[i] == data[i + 1] == data[i + 2]):
            i += 1
        out += bytes([i - start - 1]) + data[start:i]
    return bytes(out)


def rle_frame(frame, bits):
    """One RLE frame: a segment per byte of each sample, most significant byte first (PS3.5 G.2)."""
    samples = frame.shape[-1] if frame.ndim == 3 else 1
    planes = frame.reshape(-1, samples).astype(frame.dtype.newbyteorder(">"))
    segments = []
    for s in range(samples):
        raw = planes[:, s].tobytes()
        for b in range(bits // 8):
            segment = packbits(raw[b::bits // 8])
            segments.append(segment + b"\0" * (len(segment) % 2))
    header = [len(segments)] + [0] * 15
    offset = 64
    for n, segment in enumerate(segments):
        header[n + 1] = offset
        offset += len(segment)
    return np.array(header, dtype="<u4").tobytes() + b"".join(segments)


def rle(name, bits, signed, frames, rows, columns, samples=1):
    """RLE Lossless, encoded here: pydicom's encoder refuses 32-bit samples, its decoder reads them."""
    photometric = "RGB" if samples == 3 else "MONOCHROME2"
    ds = base(name, RLELossless, rows, columns, bits=bits, signed=signed, samples=samples,
              photometric=photometric, frames=frames if frames > 1 else None)
    info = np.iinfo(f"{'ui'[signed]}{bits // 8}")
    shape = (frames, rows, columns) + ((samples,) if samples > 1 else ())
    values = RNG.integers(int(info.min), int(info.max), size=shape, dtype=np.int64, endpoint=True)
    values[:, :, : columns // 2] = values.flat[0]  # runs, so RLE has repeats to encode
    values = values.astype(info.dtype)
    ds.PixelData = encapsulate([rle_frame(frame, bits) for frame in values])
    ds["PixelData"].VR = "OB"
    ds["PixelData"].is_undefined_length = True
    return ds


# ---- UN elements ----

def unknown_vr(name):
    """Explicit VR file whose image pixel module and rescale attributes are encoded as UN."""
    ds = base(name, ExplicitVRLittleEndian, 8, 9, stored=12)
    ds.RescaleSlope, ds.RescaleIntercept = "2", "-100"
    ds.WindowCenter = "40"
    set_native(ds, RNG.integers(0, 4096, size=(8, 9)))
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    raw = pydicom.dcmread(io.BytesIO(buffer.getvalue()))
    for keyword in ["Rows", "Columns", "BitsAllocated", "BitsStored", "PixelRepresentation", "SamplesPerPixel",
                    "RescaleSlope", "RescaleIntercept", "WindowCenter", "PhotometricInterpretation", "PatientID"]:
        # the value exactly as its own VR encodes it (little endian), relabelled UN
        fp = DicomBytesIO()
        fp.is_little_endian, fp.is_implicit_VR = True, True
        write_data_element(fp, raw[keyword])
        tag = raw[keyword].tag
        pydicom.config.replace_un_with_known_vr = False  # keep the UN label while building the element
        try:
            raw[tag] = pydicom.DataElement(tag, "UN", fp.getvalue()[8:])
        finally:
            pydicom.config.replace_un_with_known_vr = True
    return raw


# ---- Modality LUT Sequence ----

def modality_lut(name, transfer_syntax, *, signed, stored, first_map, entries, depth, lut_vr):
    ds = base(name, transfer_syntax, 9, 10, stored=stored, signed=signed)
    low, high = (-(2 ** (stored - 1)), 2 ** (stored - 1) - 1) if signed else (0, 2 ** stored - 1)
    values = RNG.integers(low, high, size=(9, 10), endpoint=True)
    values.flat[:3] = [low, high, first_map]
    set_native(ds, values)
    lut = RNG.integers(0, 2 ** depth, size=entries)
    item = Dataset()
    item.LUTDescriptor = [entries % 65536, first_map, depth]
    item["LUTDescriptor"].VR = "SS" if first_map < 0 else "US"
    item.ModalityLUTType = "HU"
    item.LUTData = lut.tolist() if lut_vr == "US" else lut.astype("<u2" if transfer_syntax != ExplicitVRBigEndian else ">u2").tobytes()
    item["LUTData"].VR = lut_vr
    ds.ModalityLUTSequence = [item]
    # Rescale values that must be ignored: the LUT takes precedence, as in pydicom.
    ds.RescaleSlope, ds.RescaleIntercept = "3", "7"
    return ds


# ---- YBR_FULL_422 native ----

def ybr_422(name, frames):
    rows, columns = 6, 8
    ds = base(name, ExplicitVRLittleEndian, rows, columns, bits=8, samples=3, photometric="YBR_FULL_422",
              frames=frames if frames > 1 else None)
    # Y1 Y2 Cb Cr for each pair of pixels.
    ds.PixelData = RNG.integers(0, 256, size=frames * rows * columns * 2, dtype=np.uint8).tobytes()
    ds["PixelData"].VR = "OB"
    return ds


# ---- native pixel data longer than its layout (no RNG: the other fixtures' random values stay as they are) ----

def excess_frames(name):
    """Five frames of 16-bit data under a Number of Frames of 2: pydicom reads the first two and warns of the rest
    as excess padding."""
    ds = base(name, ExplicitVRLittleEndian, 5, 6, frames=5)
    set_native(ds, (np.arange(5 * 5 * 6) * 37 % 4096).reshape(5, 5, 6))
    ds.NumberOfFrames = 2
    return ds


def excess_bytes(name):
    """One 16-bit frame followed by 10 bytes, less than a frame: pydicom warns of them as excess padding and
    does not read them."""
    ds = base(name, ExplicitVRLittleEndian, 5, 6)
    set_native(ds, (np.arange(5 * 6) * 131 % 4096).reshape(5, 6))
    ds.PixelData += bytes(range(1, 11))
    return ds


def ybr_422_of_three_samples(name):
    """YBR_FULL_422 over the bytes of three samples per pixel (an RGB image mislabelled): pydicom refuses it."""
    ds = base(name, ExplicitVRLittleEndian, 6, 8, bits=8, samples=3, photometric="YBR_FULL_422")
    ds.PixelData = (np.arange(6 * 8 * 3) * 7 % 256).astype(np.uint8).tobytes()
    ds["PixelData"].VR = "OB"
    return ds


# ---- encapsulated pixel data holding more frames than Number of Frames (no RNG either) ----

def excess_encapsulated(name, transfer_syntax, encode, *, bits=16, offset_table=False):
    """Three distinct frames encapsulated, one fragment each, under a Number of Frames of 2, with a Basic Offset
    Table of three offsets or none: pydicom 3 decodes the third frame too (allow_excess_frames, on by default) and
    warns that it found more frames than Number of Frames. Without an offset table it finds a frame's end by the
    JPEG EOI marker, so RLE, which has none, needs the table."""
    rows, columns = 8, 10
    ds = base(name, transfer_syntax, rows, columns, bits=bits, frames=2)
    y, x = np.mgrid[0:rows, 0:columns]
    top = 2 ** bits - 1
    frames = [((x * 7 + y * 11 + 61 * f) * (1 if bits == 8 else 97) % top).astype(np.uint8 if bits == 8 else np.uint16)
              for f in range(3)]
    ds.PixelData = encapsulate([encode(frame) for frame in frames], has_bot=offset_table)
    ds["PixelData"].VR = "OB"
    ds["PixelData"].is_undefined_length = True
    return ds


def jpeg_stream(frame):
    out = io.BytesIO()
    Image.fromarray(frame).save(out, format="JPEG", quality=95)
    return out.getvalue()


def j2k_stream(frame):
    out = io.BytesIO()
    Image.fromarray(frame).save(out, format="JPEG2000", irreversible=False, no_jp2=True)
    return out.getvalue()


# ---- High-Throughput JPEG 2000 (DICOM Supplement 235), encoded by OpenJPH (Debian's openjph-tools) ----

HTJ2K_LOSSLESS, HTJ2K_RPCL, HTJ2K = "1.2.840.10008.1.2.4.201", "1.2.840.10008.1.2.4.202", "1.2.840.10008.1.2.4.203"


def htj2k_stream(frame, *, signed, bits, lossy=False):
    """An HTJ2K codestream of `frame` written by ojph_compress, reversible (lossless) or, `lossy`, irreversible (the 9/7
    wavelet, quantization step 0.02): a grey frame (rows x columns)
    from raw little-endian samples, an RGB one (rows x columns x 3, 8 bits) from a PPM through the reversible colour
    transform (ojph_compress takes no colour transform from raw samples)."""
    rows, columns = frame.shape[:2]
    colour = frame.ndim == 3
    with tempfile.TemporaryDirectory() as folder:
        out = os.path.join(folder, "frame.j2c")
        if colour:
            source = os.path.join(folder, "frame.ppm")
            with open(source, "wb") as f:
                f.write(f"P6 {columns} {rows} 255\n".encode() + frame.astype(np.uint8).tobytes())
            options = []
        else:
            source = os.path.join(folder, "frame.yuv")
            frame.astype(np.dtype(f"<{'iu'[not signed]}{1 if bits <= 8 else 2}")).tofile(source)
            options = ["-dims", f"{{{columns},{rows}}}", "-num_comps", "1", "-signed", "true" if signed else "false",
                       "-bit_depth", str(bits), "-downsamp", "{1,1}"]
        quality = ["-qstep", "0.02"] if lossy else ["-reversible", "true"]
        subprocess.run(["ojph_compress", "-i", source, "-o", out, *quality, "-num_decomps", "2", *options],
                       check=True, stdout=subprocess.DEVNULL)
        with open(out, "rb") as f:
            return f.read()


def htj2k(name, transfer_syntax, *, bits, stored, signed, frames, colour=False, offset_table=False, first=0, lossy=False):
    """`frames` distinct frames of fixed values in HTJ2K (the `first`-th on), one fragment each."""
    rows, columns = 12, 10
    ds = base(name, transfer_syntax, rows, columns, bits=bits, stored=stored, signed=signed, frames=frames,
              samples=3 if colour else 1, photometric=("YBR_ICT" if lossy else "YBR_RCT") if colour else "MONOCHROME2")
    y, x = np.mgrid[0:rows, 0:columns]
    low, high = (-(2 ** (stored - 1)), 2 ** (stored - 1) - 1) if signed else (0, 2 ** stored - 1)
    made = []
    for f in range(first, first + frames):
        values = [(x * 37 + y * 53 + 101 * f + 29 * c) * 131 % (high - low + 1) + low for c in range(3 if colour else 1)]
        made.append(np.stack(values, axis=-1) if colour else values[0])
    ds.PixelData = encapsulate([htj2k_stream(m, signed=signed, bits=stored, lossy=lossy) for m in made], has_bot=offset_table)
    ds["PixelData"].VR = "OB"
    ds["PixelData"].is_undefined_length = True
    return ds


# ---- JPEG lossless with any predictor (Process 14) and JPEG-LS near-lossless ----

JPEGLossless, JPEGLSNearLossless = "1.2.840.10008.1.2.4.57", "1.2.840.10008.1.2.4.81"


def textured(rows, columns, frames, stored, signed=False):
    """`frames` frames of fixed values over the range of `stored` bits, smooth enough for predictors to matter."""
    y, x = np.mgrid[0:rows, 0:columns]
    low, high = (-(2 ** (stored - 1)), 2 ** (stored - 1) - 1) if signed else (0, 2 ** stored - 1)
    return [np.clip((x * 23 + y * 41 + 7 * f) % 97 * (high - low) // 96 + low + (x * y + f) % 5, low, high) for f in range(frames)]


def jpeg_lossless(name, *, bits, stored, selection_value, frames):
    """JPEG lossless, non-hierarchical (Process 14) with predictor `selection_value`, encoded by DCMTK's dcmcjpeg
    (+el +sv N) from a native file; pydicom decodes it with pylibjpeg-libjpeg."""
    rows, columns = 9, 11
    ds = base(name, ExplicitVRLittleEndian, rows, columns, bits=bits, stored=stored, frames=frames)
    set_native(ds, np.stack(textured(rows, columns, frames, stored)))
    with tempfile.TemporaryDirectory() as folder:
        native, encoded = os.path.join(folder, "native.dcm"), os.path.join(folder, "encoded.dcm")
        ds.save_as(native, enforce_file_format=True)
        subprocess.run(["dcmcjpeg", "+el", "+sv", str(selection_value), native, encoded], check=True)
        out = pydicom.dcmread(encoded)
    assert out.file_meta.TransferSyntaxUID == JPEGLossless, out.file_meta.TransferSyntaxUID
    return out


def jpegls_near_lossless(name, *, bits, stored, error, frames):
    """JPEG-LS near-lossless (each value within `error` of the source), one frame per fragment, by CharLS."""
    rows, columns = 10, 12
    ds = base(name, JPEGLSNearLossless, rows, columns, bits=bits, stored=stored, frames=frames)
    dtype = np.uint8 if bits == 8 else np.uint16
    ds.PixelData = encapsulate([bytes(jpeg_ls.encode_array(f.astype(dtype), lossy_error=error))
                                for f in textured(rows, columns, frames, stored)])
    ds["PixelData"].VR = "OB"
    ds["PixelData"].is_undefined_length = True
    return ds


# ---- an enhanced multi-frame image: its geometry in functional groups ----

def enhanced_ct(name, shared_rescale=None, frame_rescales=None, frames=4):
    """Enhanced CT-like multi-frame image (PS3.3 C.7.6.16) with no top-level geometry: pixel spacing, slice
    thickness, spacing between slices and an oblique orientation in the shared functional groups, each frame's
    position in its own Plane Position item, frames 3 mm apart along the normal (the thickness is 2.5 mm).
    With `shared_rescale` (slope, intercept), a Pixel Value Transformation in the shared groups; with
    `frame_rescales`, one per frame in each frame's groups (signed stored values then)."""
    rows, columns = 6, 7
    signed = shared_rescale is not None or frame_rescales is not None
    ds = base(name, ExplicitVRLittleEndian, rows, columns, frames=frames, sop_class="1.2.840.10008.5.1.4.1.1.2.1",
              stored=12 if signed else None, signed=signed)
    values = np.arange(frames * rows * columns).reshape(frames, rows, columns) * 37 % 4000
    set_native(ds, values - 2000 if signed else values)
    row_cosines, column_cosines = [0.8, 0.6, 0.0], [0.0, 0.0, -1.0]
    normal = np.cross(row_cosines, column_cosines)
    measures, orientation, shared = Dataset(), Dataset(), Dataset()
    measures.PixelSpacing = [0.7, 0.8]
    measures.SliceThickness = 2.5
    measures.SpacingBetweenSlices = 3.0
    orientation.ImageOrientationPatient = row_cosines + column_cosines
    shared.PixelMeasuresSequence = [measures]
    shared.PlaneOrientationSequence = [orientation]
    ds.SharedFunctionalGroupsSequence = [shared]
    ds.PerFrameFunctionalGroupsSequence = []
    for f in range(frames):
        position, item = Dataset(), Dataset()
        position.ImagePositionPatient = [round(float(v), 6) for v in np.array([-10.0, 20.0, 5.0]) + 3.0 * f * normal]
        item.PlanePositionSequence = [position]
        if frame_rescales is not None:
            item.PixelValueTransformationSequence = [pixel_value_transformation(*frame_rescales[f])]
        ds.PerFrameFunctionalGroupsSequence.append(item)
    if shared_rescale is not None:
        shared.PixelValueTransformationSequence = [pixel_value_transformation(*shared_rescale)]
    return ds


def pixel_value_transformation(slope, intercept):
    """A Pixel Value Transformation functional group item (PS3.3 C.7.6.16.2.9)."""
    item = Dataset()
    item.RescaleSlope, item.RescaleIntercept, item.RescaleType = slope, intercept, "HU"
    return item


def functional_group_affine(path):
    """The RAS affine of a multi-frame file from its functional groups, by the standard's definition (PS3.3
    C.7.6.2.1.1), index (column, row, frame): columns the row cosines times the column spacing, the column cosines
    times the row spacing, the step from the first frame's position to the second's; the first frame's position;
    LPS to RAS by negating x and y."""
    ds = pydicom.dcmread(path)
    shared = ds.SharedFunctionalGroupsSequence[0]
    spacing = [float(v) for v in shared.PixelMeasuresSequence[0].PixelSpacing]
    cosines = [float(v) for v in shared.PlaneOrientationSequence[0].ImageOrientationPatient]
    positions = [np.array(item.PlanePositionSequence[0].ImagePositionPatient, dtype=float) for item in ds.PerFrameFunctionalGroupsSequence]
    affine = np.eye(4)
    affine[:3, 0] = np.array(cosines[:3]) * spacing[1]
    affine[:3, 1] = np.array(cosines[3:]) * spacing[0]
    affine[:3, 2] = positions[1] - positions[0]
    affine[:3, 3] = positions[0]
    affine[:2] *= -1
    return affine.tolist()


# ---- JPEG baseline streams DCMTK rejects ----

def jpeg_without_eoi(name, colour, frames):
    rows, columns = 24, 32
    photometric = "YBR_FULL_422" if colour else "MONOCHROME2"
    ds = base(name, JPEGBaseline8Bit, rows, columns, bits=8, samples=3 if colour else 1, photometric=photometric,
              frames=frames if frames > 1 else None)
    streams = []
    for f in range(frames):
        y, x = np.mgrid[0:rows, 0:columns]
        grey = (x * 4 + y * 3 + 10 * f).astype(np.uint8)
        image = np.stack([grey, 255 - grey, (x * 6).astype(np.uint8)], axis=-1) if colour else grey
        out = io.BytesIO()
        Image.fromarray(image).save(out, format="JPEG", quality=90, subsampling=1 if colour else -1)
        data = out.getvalue()
        assert data.endswith(b"\xff\xd9")
        streams.append(data[:-2])  # no EOI marker: DCMTK's IJG decoder stops with a suspension
    ds.PixelData = encapsulate(streams)
    ds["PixelData"].VR = "OB"
    ds["PixelData"].is_undefined_length = True
    if colour:
        ds.PlanarConfiguration = 0
    return ds


# ---- malformed sizes: must fail cleanly ----

def malformed(name, **changes):
    """A bit-packed image whose header promises far more pixel data than it holds."""
    ds = base(name, ExplicitVRLittleEndian, 4, 4, bits=1)
    set_native(ds, np.ones((4, 4), dtype=np.uint8))
    for keyword, value in changes.items():
        setattr(ds, keyword, value)
    return ds


FIXTURE_BUILDERS = {
    "ba1_single_le.dcm": lambda n: bit_packed(n, ExplicitVRLittleEndian, 1, 7, 9),
    "ba1_multi_le.dcm": lambda n: bit_packed(n, ExplicitVRLittleEndian, 5, 7, 9),
    "ba1_multi_implicit.dcm": lambda n: bit_packed(n, ImplicitVRLittleEndian, 3, 5, 3),
    "ba1_multi_be.dcm": lambda n: bit_packed(n, ExplicitVRBigEndian, 5, 7, 9),
    "ba1_multi_be_ow.dcm": lambda n: bit_packed(n, ExplicitVRBigEndian, 3, 5, 11, vr="OW"),
    "ba1_seg.dcm": segmentation,
    "u32_be_dose.dcm": lambda n: dose_big_endian(n, signed=False),
    "s32_be.dcm": lambda n: dose_big_endian(n, signed=True),
    "s32_be_bits20.dcm": signed_bits_stored_big_endian,
    "u8_be_ow_odd.dcm": bytes_as_ow_big_endian,
    "rle_u32.dcm": lambda n: rle(n, 32, False, 1, 6, 7),
    "rle_s32_multi.dcm": lambda n: rle(n, 32, True, 3, 5, 6),
    "rle_s16_multi.dcm": lambda n: rle(n, 16, True, 4, 6, 7),
    "rle_rgb_multi.dcm": lambda n: rle(n, 8, False, 2, 5, 6, samples=3),
    "un_elements.dcm": unknown_vr,
    "modality_lut_us.dcm": lambda n: modality_lut(n, ExplicitVRLittleEndian, signed=False, stored=10, first_map=100,
                                                  entries=512, depth=16, lut_vr="US"),
    "modality_lut_ow_signed.dcm": lambda n: modality_lut(n, ExplicitVRLittleEndian, signed=True, stored=12,
                                                         first_map=-50, entries=200, depth=8, lut_vr="OW"),
    "modality_lut_be.dcm": lambda n: modality_lut(n, ExplicitVRBigEndian, signed=False, stored=16, first_map=0,
                                                  entries=300, depth=16, lut_vr="OW"),
    "modality_lut_implicit.dcm": lambda n: modality_lut(n, ImplicitVRLittleEndian, signed=True, stored=12,
                                                        first_map=-20, entries=100, depth=16, lut_vr="OW"),
    "ybr422_single.dcm": lambda n: ybr_422(n, 1),
    "ybr422_multi.dcm": lambda n: ybr_422(n, 3),
    "jpeg_no_eoi_grey.dcm": lambda n: jpeg_without_eoi(n, False, 1),
    "jpeg_no_eoi_colour_multi.dcm": lambda n: jpeg_without_eoi(n, True, 2),
    "excess_frames.dcm": excess_frames,
    "excess_bytes.dcm": excess_bytes,
    "excess_frames_rle.dcm": lambda n: excess_encapsulated(n, RLELossless, lambda f: rle_frame(f, 16), offset_table=True),
    "excess_frames_jpegls.dcm": lambda n: excess_encapsulated(n, JPEGLSLossless, lambda f: bytes(jpeg_ls.encode_array(f))),
    "excess_frames_jpeg.dcm": lambda n: excess_encapsulated(n, JPEGBaseline8Bit, jpeg_stream, bits=8),
    "excess_frames_j2k.dcm": lambda n: excess_encapsulated(n, JPEG2000Lossless, j2k_stream),
    "offsets_backwards_j2k.dcm": lambda n: j2k_offsets(n, [200, 100, 0]),
    "jpeg_lossless_sv4_12bit.dcm": lambda n: jpeg_lossless(n, bits=16, stored=12, selection_value=4, frames=2),
    "jpeg_lossless_sv7_8bit.dcm": lambda n: jpeg_lossless(n, bits=8, stored=8, selection_value=7, frames=1),
    "jpegls_near_lossless_12bit.dcm": lambda n: jpegls_near_lossless(n, bits=16, stored=12, error=3, frames=2),
    "jpegls_near_lossless_8bit.dcm": lambda n: jpegls_near_lossless(n, bits=8, stored=8, error=2, frames=1),
    "enhanced_ct_functional_groups.dcm": enhanced_ct,
    "enhanced_ct_rescale_shared.dcm": lambda n: enhanced_ct(n, shared_rescale=(0.5, -1024)),
    "enhanced_ct_rescale_per_frame.dcm": lambda n: enhanced_ct(n, frame_rescales=[(1, -1024), (0.25, 10), (2, -3.5), (1, -1024)]),
    "htj2k_lossless_signed12.dcm": lambda n: htj2k(n, HTJ2K_LOSSLESS, bits=16, stored=12, signed=True, frames=1),
    "htj2k_rpcl_8bit_frames.dcm": lambda n: htj2k(n, HTJ2K_RPCL, bits=8, stored=8, signed=False, frames=3, offset_table=True),
    "htj2k_rgb.dcm": lambda n: htj2k(n, HTJ2K, bits=8, stored=8, signed=False, frames=2, colour=True),
    "htj2k_lossy_12bit.dcm": lambda n: htj2k(n, HTJ2K, bits=16, stored=12, signed=False, frames=2, lossy=True),
    "htj2k_lossy_rgb.dcm": lambda n: htj2k(n, HTJ2K, bits=8, stored=8, signed=False, frames=1, colour=True, lossy=True),
}

def series_slice(name, series, index, build):
    """Slice `index` of a series of `build(name)` images: one SeriesInstanceUID, positions 2 mm apart."""
    ds = build(f"{name}{index}")
    ds.SeriesInstanceUID = uid(series, "series")
    ds.StudyInstanceUID = uid(series, "study")
    ds.PatientID = "ENC-" + series[:8]
    ds.InstanceNumber = index + 1
    ds.ImagePositionPatient = [0.0, 0.0, 2.0 * index]
    ds.ImageOrientationPatient = [1.0, 0.0, 0.0, 0.0, 1.0, 0.0]
    ds.PixelSpacing = [0.5, 0.5]
    ds.SliceThickness = 2.0
    return ds


def rescaled(name):
    ds = base(name, ExplicitVRLittleEndian, 9, 10, stored=10)
    set_native(ds, RNG.integers(0, 1024, size=(9, 10)))
    ds.RescaleSlope, ds.RescaleIntercept = "0.25", "-8"
    return ds


def lut_slice(first_map):
    return lambda n: modality_lut(n, ExplicitVRLittleEndian, signed=False, stored=10, first_map=first_map, entries=700,
                                  depth=16, lut_vr="OW")


# Series (folder name → builder per slice, stored newest first so that sorting by position matters): stacked by
# the series reader, each slice through its own modality transform.
SERIES_BUILDERS = {
    "series_lut": [lut_slice(40), lut_slice(0), lut_slice(100)],
    "series_ba1": [lambda n: bit_packed(n, ExplicitVRLittleEndian, 1, 7, 9)] * 3,
    "series_lut_and_rescale": [lut_slice(0), rescaled, lut_slice(20)],
    # High-Throughput JPEG 2000 slices, read by the series reader's deferred-value path
    "series_htj2k": [lambda n, i=i: htj2k(n, HTJ2K_LOSSLESS, bits=16, stored=12, signed=True, frames=1, first=i) for i in range(3)],
    # single-frame enhanced slices whose rescales, in their functional groups, differ
    "series_enhanced_rescale": [lambda n, r=r: enhanced_ct(n, shared_rescale=r, frames=1) for r in [(1, -1024), (0.5, -1000), (1, -1024)]],
}


def series_expected(folder):
    """pydicom's slices sorted along the normal, each through apply_modality_lut (highdicom's modality transform for
    one held in functional groups), stacked by numpy."""
    datasets = [pydicom.dcmread(os.path.join(folder, f)) for f in sorted(os.listdir(folder))]
    datasets.sort(key=lambda d: float(d.ImagePositionPatient[2]))
    volume = np.stack([highdicom_modality_values(d.filename)[0] if in_functional_groups_only(d, "PixelValueTransformationSequence")
                       else apply_modality_lut(d.pixel_array, d) for d in datasets])
    entry = {"slices": len(datasets), "first": os.path.basename(datasets[0].filename)}
    entry.update(summary(volume))
    return entry


# Fixtures that must fail with a clean error containing these words (pydicom rejects them too).
MALFORMED_BUILDERS = {
    "bad_ba1_huge.dcm": (lambda n: malformed(n, Rows=65535, Columns=65535, NumberOfFrames=2147483647),
                         "truncated pixel data"),
    "bad_ba1_short.dcm": (lambda n: malformed(n, Rows=40, Columns=40), "truncated pixel data"),
    "bad_ybr422_short.dcm": (lambda n: ybr_with_rows(n, 12), "truncated pixel data"),
    "bad_ybr422_huge.dcm": (lambda n: ybr_huge(n), "expected more than 2^64 bytes"),
    "bad_lut_short.dcm": (lambda n: lut_with_entries(n, 600), "LUT Data"),
    "bad_lut_depth.dcm": (lambda n: lut_with_depth(n, 12), "LUT Descriptor"),
    "bad_ybr422_three_samples.dcm": (ybr_422_of_three_samples, "a third more"),
}


def j2k_offsets(name, offsets):
    """The three JPEG 2000 frames of excess_frames_j2k.dcm under a Basic Offset Table of `offsets`: pydicom starts a
    frame at each fragment that reaches the next offset, so a table running backwards still gives three frames."""
    ds = excess_encapsulated(name, JPEG2000Lossless, j2k_stream)
    fragments = list(generate_frames(ds.PixelData, number_of_frames=3))
    table = b"".join(int(o).to_bytes(4, "little") for o in offsets)
    items = [table] + [f + b"\0" * (len(f) % 2) for f in fragments]
    ds.PixelData = b"".join(b"\xfe\xff\x00\xe0" + len(item).to_bytes(4, "little") + item for item in items)
    return ds


def ybr_with_rows(name, rows):
    ds = ybr_422(name, 1)
    ds.Rows = rows
    return ds


def ybr_huge(name):
    """65535 x 65534 pixels in 2^31 - 1 frames at 16 bits a sample: more bytes than 64 bits count."""
    ds = ybr_422(name, 1)
    ds.Rows, ds.Columns, ds.NumberOfFrames = 65535, 65534, 2 ** 31 - 1
    return ds


def lut_with_entries(name, entries):
    """The descriptor promises more entries than LUT Data holds."""
    ds = modality_lut(name, ExplicitVRLittleEndian, signed=False, stored=10, first_map=0, entries=512, depth=16,
                      lut_vr="OW")
    ds.ModalityLUTSequence[0].LUTDescriptor = [entries, 0, 16]
    return ds


def lut_with_depth(name, depth):
    ds = modality_lut(name, ExplicitVRLittleEndian, signed=False, stored=10, first_map=0, entries=16, depth=8,
                      lut_vr="US")
    ds.ModalityLUTSequence[0].LUTDescriptor = [16, 0, depth]
    return ds


def pillow_array(ds):
    """pydicom's array through its Pillow (libjpeg-turbo) plugin, each frame given the EOI marker it lacks
    (Pillow rejects a stream without one as truncated; the scans are complete)."""
    frames = [frame if frame.rstrip(b"\0").endswith(b"\xff\xd9") else frame + b"\xff\xd9"
              for frame in generate_frames(ds.PixelData, number_of_frames=int(ds.get("NumberOfFrames", 1)))]
    completed = copy.deepcopy(ds)
    completed.PixelData = encapsulate(frames)
    completed.pixel_array_options(decoding_plugin="pillow")
    return apply_modality_lut(completed.pixel_array, completed)


def expected(path):
    """What pydicom decodes (its default plugins); for lossy JPEG, also what its Pillow plugin decodes:
    libjpeg-turbo, which MedPipe uses, where pydicom's first choice (pylibjpeg-libjpeg) upsamples chroma
    slightly differently."""
    ds = pydicom.dcmread(path)
    with warnings.catch_warnings(record=True) as warned:
        warnings.simplefilter("always")
        arr = apply_modality_lut(ds.pixel_array, ds)
    if in_functional_groups_only(ds, "PixelValueTransformationSequence"):
        arr = highdicom_modality_values(path)
    lossy = str(ds.file_meta.TransferSyntaxUID) == JPEGBaseline8Bit
    entry = {"TransferSyntaxUID": str(ds.file_meta.TransferSyntaxUID),
             "PhotometricInterpretation": str(ds.PhotometricInterpretation),
             "lossy": lossy, "bytes": os.path.getsize(path),
             # pydicom's warning of pixel data beyond the layout, which MedPipe gives too
             "excess_padding": any("excess padding" in str(w.message) for w in warned),
             # its warning of encapsulated frames beyond Number of Frames, which it decodes, as MedPipe does
             "excess_frames": any("larger than the given (0028,0008) 'Number of Frames'" in str(w.message) for w in warned)}
    entry.update(summary(arr))
    if lossy:
        entry["pillow"] = summary(pillow_array(ds))
    return entry


def in_functional_groups_only(ds, keyword):
    """Whether the functional groups of `ds` (shared, or a frame's) hold `keyword`, and neither the top level's
    Rescale Slope nor a Modality LUT, which pydicom's apply_modality_lut would apply, is there."""
    groups = list(ds.get("SharedFunctionalGroupsSequence", [])) + list(ds.get("PerFrameFunctionalGroupsSequence", []))
    return any(keyword in item for item in groups) and "RescaleSlope" not in ds and "ModalityLUTSequence" not in ds


def highdicom_modality_values(path):
    """The frames of an enhanced multi-frame image with their modality transform applied, by highdicom: pydicom
    3.0's apply_modality_lut reads the top level only, and so leaves the Pixel Value Transformation of the
    functional groups (an Enhanced CT's Rescale Slope and Intercept, shared or per frame) unapplied."""
    import highdicom
    image = highdicom.imread(path)
    return np.stack([image.get_frame(f + 1, apply_modality_transform=True) for f in range(int(image.NumberOfFrames))])


def highdicom_version():
    import highdicom
    return highdicom.__version__


def main():
    warnings.simplefilter("ignore")
    for folder in ("encodings", "malformed"):
        os.makedirs(os.path.join(FIXTURES, folder), exist_ok=True)
    files = {}
    for name, build in FIXTURE_BUILDERS.items():
        files[name] = expected(save(build(name), "encodings", name))
    series = {}
    for folder, builders in SERIES_BUILDERS.items():
        os.makedirs(os.path.join(FIXTURES, folder), exist_ok=True)
        for index, build in reversed(list(enumerate(builders))):
            save(series_slice(folder, folder, index, build), folder, f"slice{len(builders) - index}.dcm")
        series[folder] = series_expected(os.path.join(FIXTURES, folder))
    errors = {}
    for name, (build, words) in MALFORMED_BUILDERS.items():
        path = save(build(name), "malformed", name)
        try:
            apply_modality_lut(pydicom.dcmread(path).pixel_array, pydicom.dcmread(path))
            raise SystemExit(f"{name} unexpectedly decodes with pydicom")
        except SystemExit:
            raise
        except Exception as error:  # pydicom rejects it too; MedPipe must say why, without crashing
            errors[name] = {"contains": words, "pydicom": f"{type(error).__name__}: {error}"[:200]}
    geometry = {name: functional_group_affine(os.path.join(FIXTURES, "encodings", name)) for name in ["enhanced_ct_functional_groups.dcm"]}
    reference = {"generator": f"pydicom {pydicom.__version__}, numpy {np.__version__}, highdicom {highdicom_version()}",
                 "files": files, "series": series, "errors": errors, "geometry": geometry}
    with open(OUT, "w") as f:
        json.dump(reference, f, indent=1, sort_keys=True)
        f.write("\n")
    sizes = sorted((entry["bytes"], name) for name, entry in files.items())
    print(f"wrote {OUT}: {len(files)} fixtures (largest {sizes[-1][1]}: {sizes[-1][0]} bytes), {len(errors)} malformed")


if __name__ == "__main__":
    main()
