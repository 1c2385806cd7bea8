import Foundation
import Testing
import MedPipeCache
import MedPipeCore
import MedPipeExport
import MedPipeFormats
import TestSupport

/// The 196-file MR series through the mr-series recipe (reoriented to RAS, resampled to 2 mm),
/// exported to DICOM and NIfTI and read back.
@Suite(.enabled(if: SharedData.isAvailable, "needs ../shared/data"))
struct MRSeriesExportTests {
    @Test func resampledVolumeRoundTripsThroughDICOMAndNIfTI() async throws {
        let cache = temporaryDirectory("mr-cache"), out = temporaryDirectory("mr-out")
        defer { try? FileManager.default.removeItem(atPath: cache); try? FileManager.default.removeItem(atPath: out) }
        try await convert("mr-series.yaml", into: cache)
        let source = try DatasetCache(directory: cache)
        let entry = try #require(try source.entries().first)
        let original = try source.tensor(for: entry)
        guard case .spatial(_, let affine)? = entry.geometry else {
            Issue.record("the cache entry has no affine")
            return
        }
        let exporter = try Exporter(cacheDirectory: cache)

        let dicom = try exporter.run(ExportOptions(format: .dicom, output: out + "/dicom", makeUID: testUIDs))
        #expect(dicom.files.count == original.shape[0])
        let series = try #require(try DICOMSeriesReader().read(out + "/dicom/train/train_00001").first)
        #expect(series.tensor.shape == original.shape)
        let values = original.doubleValues()
        let step = (values.max()! - values.min()!) / (65536 - 16)
        let worst = zip(series.tensor.doubleValues(), values).map { abs($0 - $1) }.max()!
        #expect(worst <= step / 2 * 1.001, "largest error \(worst), half a step \(step / 2)")
        guard case .spatial(_, let dicomAffine)? = series.geometry else {
            Issue.record("the DICOM series has no affine")
            return
        }
        for r in 0..<3 {
            for c in 0..<4 { #expect(abs(dicomAffine.matrix[r][c] - affine.matrix[r][c]) < 1e-6, "DICOM affine[\(r)][\(c)]") }
        }
        // Nothing of the source series: its patient name/ID (FRUIT) and its UID root appear in no file.
        for path in dicom.files.prefix(3) {
            let bytes = try String(decoding: Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self)
            #expect(!bytes.contains("FRUIT") && !bytes.contains("1.2.840.113713"))
        }

        let nifti = try exporter.run(ExportOptions(format: .nifti, output: out + "/nifti", makeUID: testUIDs))
        let record = try NIfTIReader().read(nifti.files[0])
        #expect(record.tensor == original)
        guard case .spatial(_, let niftiAffine)? = record.geometry else {
            Issue.record("the NIfTI file has no affine")
            return
        }
        for r in 0..<3 {
            for c in 0..<4 { #expect(abs(niftiAffine.matrix[r][c] - affine.matrix[r][c]) < 1e-4, "NIfTI affine[\(r)][\(c)]") }
        }
    }
}
