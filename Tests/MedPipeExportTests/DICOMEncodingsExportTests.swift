import Foundation
import Testing
import MedPipeCache
import MedPipeCore
import MedPipeExport
import MedPipeFormats
import TestSupport

/// The checksums of tools/reference/dicom_encodings.py (pydicom's arrays of Fixtures/dicom/encodings).
private struct EncodingsReference: Decodable {
    struct Summary: Decodable {
        var dtype: String
        var checksum: [UInt64]
    }

    struct File: Decodable {
        var dtype: String
        var checksum: [UInt64]
        /// Lossy JPEG: pydicom through its Pillow plugin (libjpeg-turbo, the decoder MedPipe uses).
        var pillow: Summary?
    }

    var files: [String: File]

    /// `dtype checksum` of each fixture's array, sorted.
    var arrays: [String] {
        files.values.map { file in
            let exact = file.pillow ?? Summary(dtype: file.dtype, checksum: file.checksum)
            return "\(exact.dtype) \(exact.checksum)"
        }.sorted()
    }
}

/// The encoding fixtures through `convert` (recipes/dicom-encodings.yaml) and `export --format nifti`: the cache
/// holds pydicom's arrays, and the exported files hold the cache's values.
@Suite struct DICOMEncodingsExportTests {
    @Test func convertedAndExportedArraysArePydicoms() async throws {
        let cache = temporaryDirectory("encodings-cache"), out = temporaryDirectory("encodings-out")
        defer { try? FileManager.default.removeItem(atPath: cache); try? FileManager.default.removeItem(atPath: out) }
        let url = URL(fileURLWithPath: SharedData.projectRoot + "/Tests/Reference/dicom_encodings.json")
        let reference = try JSONDecoder().decode(EncodingsReference.self, from: Data(contentsOf: url))

        try await convert("dicom-encodings.yaml", into: cache)
        let source = try DatasetCache(directory: cache)
        let tensors = try source.entries().map { try source.tensor(for: $0) }
        #expect(tensors.map { "\($0.dtype.rawValue) \(byteChecksum($0.bytes))" }.sorted() == reference.arrays)

        // The fixtures are Secondary Captures, which may hold burned-in text (BurnedInExportTests): allowed here.
        let exported = try Exporter(cacheDirectory: cache).run(ExportOptions(format: .nifti, output: out, allowBurnedIn: true, makeUID: testUIDs))
        #expect(exported.files.count == tensors.count)
        for (file, tensor) in zip(exported.files, tensors) {
            let read = try NIfTIReader().read(file).tensor
            if tensor.dtype == .float64 {  // NIfTI export writes float64 as float32
                #expect(read.doubleValues() == tensor.floatValues().map(Double.init), "\(file)")
            } else {
                #expect(read.dtype == tensor.dtype && read.bytes == tensor.bytes, "\(file)")
            }
        }
    }
}
