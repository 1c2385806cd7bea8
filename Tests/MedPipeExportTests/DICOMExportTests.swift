import Foundation
import Testing
import MedPipeCache
import MedPipeCore
import MedPipeExport
import MedPipeFormats
import TestSupport

/// A float volume (values that need Rescale Slope) with an oblique affine, and an 8-bit image in [0, 1].
private func dicomCache(_ directory: String) throws {
    let floats = Tensor(shape: [4, 5, 6], values: (0..<120).map { Float(sin(Double($0) * 0.37)) * 100.5 + 3 })
    let image = Tensor(shape: [7, 9], values: (0..<63).map { Float($0 * 4 % 256) / 255 })
    try makeCache(directory, items: [
        CacheItem(tensor: floats, label: "tumour", group: "P-groupa",
                  geometry: .spatial(spacing: obliqueAffine.voxelSizes, affine: obliqueAffine), metadata: ["Modality": .string("MR")]),
        CacheItem(tensor: image, label: "3", group: "P-groupb"),
    ], splits: ["train", "test"])
}

@Suite struct DICOMExportTests {
    /// The Series Description (LO, one value) says the label and split; a label holding a backslash, DICOM's value
    /// separator, was written into it as it was, so that pydicom read two values, 'label a' and 'b; split train'.
    @Test(.enabled(if: ReferencePython.available("pydicom"), "needs pydicom"))
    func aLabelHoldingABackslashIsNotSplitIntoTwoValues() throws {
        let cache = temporaryDirectory("dicom-backslash-cache"), out = temporaryDirectory("dicom-backslash-out")
        defer { try? FileManager.default.removeItem(atPath: cache); try? FileManager.default.removeItem(atPath: out) }
        let image = Tensor(shape: [7, 9], values: (0..<63).map { Float($0) / 63 })
        try makeCache(cache, items: ["a\\b", "plain"].map { CacheItem(tensor: image, label: $0, group: "P-" + $0) }, splits: ["train", "test"])
        let summary = try Exporter(cacheDirectory: cache).run(ExportOptions(format: .dicom, output: out, makeUID: testUIDs))
        let read = try ReferencePython.json("""
            import json, sys, pydicom
            values = [pydicom.dcmread(path).get("SeriesDescription") for path in sys.argv[1:]]
            print(json.dumps({"descriptions": [[] if v is None else list(v) if isinstance(v, pydicom.multival.MultiValue) else [str(v)] for v in values]}))
            """, summary.files)
        #expect(read["descriptions"] as? [[String]] == [[], ["label plain; split test"]], "\(read)")
    }

    @Test func volumeReadsBackAsOneSeriesWithTheAffineAndValuesWithinHalfAStep() throws {
        let cache = temporaryDirectory("dicom-cache"), out = temporaryDirectory("dicom-out")
        defer { try? FileManager.default.removeItem(atPath: cache); try? FileManager.default.removeItem(atPath: out) }
        try dicomCache(cache)
        let summary = try Exporter(cacheDirectory: cache).run(ExportOptions(format: .dicom, output: out, makeUID: testUIDs))
        #expect(summary.files.count == 5)
        let firstFiles: [String] = ["0001", "0002", "0003", "0004"].map { (slice: String) -> String in out + "/train/train_00001/" + slice + ".dcm" }
        #expect(Array(summary.files.prefix(4)) == firstFiles)
        let source = try DatasetCache(directory: cache)
        let original = try source.tensor(for: try source.entries()[0]).doubleValues()
        let records = try DICOMSeriesReader().read(out + "/train/train_00001")
        #expect(records.count == 1)
        let record = try #require(records.first)
        #expect(record.tensor.shape == [4, 5, 6])
        // 16-bit signed over the range 201 → a step of about 0.003; the error is at most half of it.
        let range = original.max()! - original.min()!
        let step = range / (65536 - 16)
        let read = record.tensor.doubleValues()
        let worst = zip(read, original).map { abs($0 - $1) }.max()!
        #expect(worst <= step / 2 * 1.0001, "largest error \(worst), half a step \(step / 2)")
        #expect(worst > 0, "float data must have been quantized, or the check proves nothing")
        guard case .spatial(_, let affine)? = record.geometry else {
            Issue.record("no geometry read back")
            return
        }
        for r in 0..<3 {
            for c in 0..<4 { #expect(abs(affine.matrix[r][c] - obliqueAffine.matrix[r][c]) < 1e-5, "affine[\(r)][\(c)]: \(affine.matrix[r][c])") }
        }
    }

    @Test func imageInUnitRangeIsEightBitAndExact() throws {
        let cache = temporaryDirectory("dicom-cache"), out = temporaryDirectory("dicom-out")
        defer { try? FileManager.default.removeItem(atPath: cache); try? FileManager.default.removeItem(atPath: out) }
        try dicomCache(cache)
        let summary = try Exporter(cacheDirectory: cache).run(ExportOptions(format: .dicom, output: out, split: "test", makeUID: testUIDs))
        #expect(summary.files == [out + "/test/test_00001.dcm"])
        let record = try DICOMFileReader().read(summary.files[0])
        let source = try DatasetCache(directory: cache)
        let original = try source.tensor(for: try source.entries(split: "test")[0]).floatValues()
        let read = record.tensor.doubleValues()
        #expect(record.tensor.shape == [7, 9])
        #expect(zip(read, original).allSatisfy { abs($0 - Double($1)) < 1e-6 })
    }

    @Test(.enabled(if: ReferencePython.available("pydicom", "numpy"), "needs python3 with pydicom and numpy"))
    func pydicomReadsValidDeidentifiedFiles() throws {
        let cache = temporaryDirectory("dicom-cache"), out = temporaryDirectory("dicom-out")
        defer { try? FileManager.default.removeItem(atPath: cache); try? FileManager.default.removeItem(atPath: out) }
        try dicomCache(cache)
        let summary = try Exporter(cacheDirectory: cache).run(ExportOptions(format: .dicom, output: out, makeUID: testUIDs))
        let source = try DatasetCache(directory: cache)
        let expected = out + "/expected.npy"
        try NPYWriter.write(try source.tensor(for: try source.entries()[0]), to: expected)
        let result = try ReferencePython.json("""
            import json, sys, numpy, pydicom
            want = numpy.load(sys.argv[1]).astype(numpy.float64)
            out = {"files": []}
            for k, path in enumerate(sys.argv[2:]):
                ds = pydicom.dcmread(path)
                values = ds.pixel_array * float(ds.RescaleSlope) + float(ds.RescaleIntercept)
                out["files"].append({
                  "ts": ds.file_meta.TransferSyntaxUID, "sop": ds.SOPClassUID, "msop": ds.file_meta.MediaStorageSOPInstanceUID,
                  "iuid": ds.SOPInstanceUID, "series": ds.SeriesInstanceUID, "study": ds.StudyInstanceUID,
                  "name": str(ds.PatientName), "id": ds.PatientID, "removed": ds.PatientIdentityRemoved,
                  "method": ds.DeidentificationMethod, "code": ds.DeidentificationMethodCodeSequence[0].CodeValue,
                  "photometric": ds.PhotometricInterpretation, "bits": ds.BitsAllocated, "signed": ds.PixelRepresentation,
                  "ipp": [float(v) for v in ds.ImagePositionPatient], "iop": [float(v) for v in ds.ImageOrientationPatient],
                  "spacing": [float(v) for v in ds.PixelSpacing], "modality": ds.Modality,
                  "maxerror": float(numpy.abs(values - want[k]).max()), "preamble": len(ds.preamble or b"")})
            print(json.dumps(out))
            """, [expected] + summary.files.prefix(4))
        let files = try #require(result["files"] as? [[String: Any]])
        #expect(files.count == 4)
        let lps = obliqueAffine.matrix.enumerated().map { r, row in r < 2 ? row.map { -$0 } : row }
        let sizes = obliqueAffine.voxelSizes
        for (k, file) in files.enumerated() {
            #expect(file["ts"] as? String == "1.2.840.10008.1.2.1", "explicit VR little endian")
            #expect(file["sop"] as? String == "1.2.840.10008.5.1.4.1.1.7")
            #expect(file["msop"] as? String == file["iuid"] as? String)
            for key in ["iuid", "series", "study"] { #expect((file[key] as? String)?.hasPrefix("2.25.") == true) }
            #expect(file["name"] as? String == "P-groupa" && file["id"] as? String == "P-groupa")
            #expect(file["removed"] as? String == "YES")
            #expect(file["code"] as? String == "113100")
            #expect(file["photometric"] as? String == "MONOCHROME2" && file["bits"] as? Int == 16 && file["signed"] as? Int == 1)
            #expect(file["modality"] as? String == "MR")
            #expect(file["preamble"] as? Int == 128)
            #expect((file["maxerror"] as? Double ?? 1) < 0.002)
            let ipp = try #require(file["ipp"] as? [Double]), iop = try #require(file["iop"] as? [Double])
            for axis in 0..<3 {
                #expect(abs(ipp[axis] - (lps[axis][3] + lps[axis][2] * Double(k))) < 1e-6)
                #expect(abs(iop[axis] - lps[axis][0] / sizes[0]) < 1e-9 && abs(iop[3 + axis] - lps[axis][1] / sizes[1]) < 1e-9)
            }
            let spacing = try #require(file["spacing"] as? [Double])
            #expect(abs(spacing[0] - sizes[1]) < 1e-9 && abs(spacing[1] - sizes[0]) < 1e-9)
        }
        // One series of four instances.
        #expect(Set(files.compactMap { $0["series"] as? String }).count == 1)
        #expect(Set(files.compactMap { $0["iuid"] as? String }).count == 4)
    }
}
