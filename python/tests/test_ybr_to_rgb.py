"""YBR_FULL → RGB as pydicom converts it, for every one of the 2^24 (Y, Cb, Cr) byte triplets: a native
YBR_FULL image of 4096 × 4096 pixels holding each triplet once, read with `medpipe inspect --array`
against pydicom's `pixel_array` (its `convert_color_space`, float32)."""
import numpy as np
import pytest

pydicom = pytest.importorskip("pydicom")
from pydicom.dataset import Dataset, FileMetaDataset  # noqa: E402
from pydicom.uid import ExplicitVRLittleEndian, SecondaryCaptureImageStorage, generate_uid  # noqa: E402


def test_every_ybr_full_triplet_converts_as_pydicom(medpipe, tmp_path):
    triplets = np.arange(1 << 24, dtype=np.uint32)
    pixels = np.stack([(triplets >> 16) & 255, (triplets >> 8) & 255, triplets & 255], axis=-1).astype(np.uint8)
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = SecondaryCaptureImageStorage
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID = generate_uid()
    ds.SOPClassUID = SecondaryCaptureImageStorage
    ds.Rows = ds.Columns = 4096
    ds.SamplesPerPixel, ds.PhotometricInterpretation, ds.PlanarConfiguration = 3, "YBR_FULL", 0
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 8, 8, 7, 0
    ds.PixelData = pixels.tobytes()
    path = tmp_path / "all-triplets.dcm"
    ds.save_as(path, enforce_file_format=True)
    medpipe("inspect", path, "--array", tmp_path / "rgb.npy")
    ours = np.load(tmp_path / "rgb.npy")
    expected = pydicom.dcmread(path).pixel_array
    assert ours.shape == expected.shape == (4096, 4096, 3)
    wrong = np.flatnonzero((ours != expected).any(axis=-1))
    assert wrong.size == 0, f"{wrong.size} triplets differ, the first (Y, Cb, Cr) = {tuple(pixels[wrong[0]])}"
