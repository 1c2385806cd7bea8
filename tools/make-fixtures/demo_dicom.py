#!/usr/bin/env python3
"""Writes Fixtures/demo/dicom: a small synthetic MR series (4 slices, 32x32, int16) carrying fake
identifiers in the places real files carry them (name, ID, birth date, accession, physicians,
institution, study description, a private block, a nested sequence) so that the demo can show
`medpipe anonymize` removing them. Every value is invented. Needs pydicom and numpy."""
import os
import numpy as np
from pydicom.dataset import Dataset, FileDataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian, MRImageStorage

root = os.path.join(os.path.dirname(__file__), "..", "..", "Fixtures", "demo", "dicom")
os.makedirs(root, exist_ok=True)
study, series = "1.2.826.0.1.3680043.8.498.10", "1.2.826.0.1.3680043.8.498.11"
yy, xx = np.mgrid[0:32, 0:32]
for k in range(4):
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = MRImageStorage
    meta.MediaStorageSOPInstanceUID = f"1.2.826.0.1.3680043.8.498.12.{k + 1}"
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = FileDataset(None, {}, file_meta=meta, preamble=b"\0" * 128)
    ds.SOPClassUID, ds.SOPInstanceUID = MRImageStorage, meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID, ds.SeriesInstanceUID = study, series
    ds.Modality, ds.BurnedInAnnotation = "MR", "NO"
    ds.PatientName, ds.PatientID, ds.PatientBirthDate, ds.PatientSex = "Doe^Jane^Q", "MRN-4417023", "19610314", "F"
    ds.PatientAddress, ds.PatientTelephoneNumbers = "12 Elm Street, Springfield", "555-0142"
    ds.StudyDate, ds.StudyTime, ds.AccessionNumber = "20240425", "101500", "ACC99812"
    ds.ReferringPhysicianName, ds.PerformingPhysicianName = "House^Gregory", "Cuddy^Lisa"
    ds.InstitutionName, ds.StudyDescription = "Springfield General Hospital", "MRI brain for Jane Doe"
    ds.InstanceNumber = k + 1
    ds.ImagePositionPatient, ds.ImageOrientationPatient = [0.0, 0.0, 3.0 * k], [1.0, 0.0, 0.0, 0.0, 1.0, 0.0]
    ds.PixelSpacing, ds.SliceThickness = [1.0, 1.0], 3.0
    item = Dataset(); item.InstitutionName = "Springfield General Hospital"; item.ReferencedSOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.ReferencedImageSequence = Sequence([item])
    block = ds.private_block(0x0029, "DEMO VENDOR", create=True)
    block.add_new(0x10, "LO", "Jane Doe MRN-4417023")
    ds.Rows = ds.Columns = 32
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 1
    image = (1000 * np.exp(-((yy - 16) ** 2 + (xx - 16) ** 2) / (40.0 + 10 * k))).astype(np.int16)
    ds.PixelData = image.tobytes()
    ds.save_as(os.path.join(root, f"slice{k + 1}.dcm"), enforce_file_format=True)
