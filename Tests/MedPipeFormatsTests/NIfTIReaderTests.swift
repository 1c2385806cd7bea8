import Foundation
import Testing
import MedPipeCore
import TestSupport
@testable import MedPipeFormats

@Suite struct NIfTIReaderTests {
    /// Everything nibabel reports, on one image: shape, dtype, exact bytes, affine, zooms, values.
    static func check(_ reference: NIfTIReference) throws {
        let record = try NIfTIReader().read(reference.path)
        let colour = reference.datatype == "rgb24"
        let spatial = colour ? Array(reference.shape) : reference.shape
        #expect(record.format == "nifti")
        #expect(record.tensor.shape == spatial.reversed() + (colour ? [3] : []))
        #expect(record.tensor.dtype.rawValue == reference.dtype)
        #expect(fnv1a64(record.tensor.bytes) == reference.fnv1a64, "voxel bytes differ from nibabel")

        let geometry = try #require(record.geometry)
        guard case .spatial(let spacing, let affine) = geometry else { Issue.record("not spatial"); return }
        for (mine, theirs) in zip(spacing, reference.zooms) { #expect(abs(mine - theirs) <= 1e-6 * max(1, abs(theirs))) }
        #expect(spacing.count == reference.zooms.count)
        for r in 0..<4 {
            for c in 0..<4 {
                #expect(abs(affine.matrix[r][c] - reference.affine[r][c]) <= 1e-5,
                        "affine[\(r)][\(c)] = \(affine.matrix[r][c]), nibabel \(reference.affine[r][c])")
            }
        }

        let values = record.tensor.doubleValues()
        let sum = values.reduce(0, +)
        let mean = sum / Double(values.count)
        let std = (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)).squareRoot()
        // Summation order differs from numpy's pairwise sum: allow n ulps of the largest magnitude.
        let magnitude = values.reduce(1) { Swift.max($0, abs($1)) }
        let tolerance = Double(values.count) * Double.ulpOfOne * magnitude
        #expect(abs(sum - reference.sum) <= tolerance)
        #expect(abs(mean - reference.mean) <= tolerance / Double(values.count))
        #expect(abs(std - reference.std) <= 1e-10 * Swift.max(1, reference.std))
        #expect(values.min() == reference.min)
        #expect(values.max() == reference.max)
        // Values at fixed nibabel indices (x, y, z, ...[, channel]) → MedPipe's reversed row-major offset.
        let shape = record.tensor.shape
        for sample in reference.samples {
            let spatialIndex = colour ? Array(sample.index.dropLast()) : sample.index
            let index = spatialIndex.reversed() + (colour ? [sample.index.last!] : [])
            let offset = zip(index, shape).reduce(0) { $0 * $1.1 + $1.0 }
            #expect(values[offset] == sample.value, "value at \(sample.index)")
        }

        #expect(record.metadata["nifti_version"] == .int(reference.nifti_version))
        #expect(record.metadata["datatype"] == .string(reference.datatype))
        #expect(record.metadata["qform_code"] == .int(reference.qform_code))
        #expect(record.metadata["sform_code"] == .int(reference.sform_code))
        #expect(record.metadata["extensions"] == .int(reference.extensions))
        #expect(record.metadata["byte_order"] == .string(reference.big_endian ? "big" : "little"))
        #expect(record.metadata["descrip"] == (reference.descrip.isEmpty ? nil : .string(reference.descrip)))
        if reference.scaled {
            #expect(record.metadata["scl_slope"] == .double(reference.scl_slope))
            #expect(record.metadata["scl_inter"] == .double(reference.scl_inter))
        }
    }

    @Test(.enabled(if: SharedData.isAvailable), arguments: NIfTIReference.shared)
    func sharedImageMatchesNibabel(_ reference: NIfTIReference) throws {
        try Self.check(reference)
    }

    @Test(arguments: NIfTIReference.fixtures)
    func fixtureMatchesNibabel(_ reference: NIfTIReference) throws {
        try Self.check(reference)
    }

    @Test func referenceCoversEverySharedImageAndFixture() {
        #expect(NIfTIReference.shared.count == 6)
        #expect(NIfTIReference.fixtures.count == 24)
    }

    @Test(.enabled(if: SharedData.isAvailable))
    func scaledAnatomyIsFloat64WithNibabelSlope() throws {
        let record = try NIfTIReader().read(SharedData.path("nifti/nibabel_repo_docs/someones_anatomy.nii.gz"))
        #expect(record.tensor.dtype == .float64)
        #expect(record.tensor.shape == [56, 67, 57])
        guard case .double(let slope) = record.metadata["scl_slope"] else { Issue.record("no scl_slope"); return }
        #expect(abs(slope - 0.35245904) < 1e-7)
    }

    @Test func imgPathReadsItsHeaderPair() throws {
        let viaImage = try NIfTIReader().read(SharedData.fixture("nifti/pair_qform_uint8.img"))
        let viaHeader = try NIfTIReader().read(SharedData.fixture("nifti/pair_qform_uint8.hdr"))
        #expect(viaImage.tensor == viaHeader.tensor)
        #expect(viaImage.metadata["layout"] == .string("pair"))
        #expect(viaImage.geometry == viaHeader.geometry)
    }

    @Test func headerOnlyReadsVersionExtensionsAndText() throws {
        let reader = NIfTIReader()
        let five = try reader.readHeader(SharedData.fixture("nifti/five_d_float32_ext.nii"))
        #expect(five.dims == [3, 2, 2, 1, 2])
        #expect(five.extensions == [NIfTIExtension(code: 6, size: 48)])
        #expect(five.rawHeader.count == 348)
        let two = try reader.readHeader(SharedData.fixture("nifti/nifti2_pair_float32.hdr"))
        #expect(two.version == 2)
        #expect(two.isBigEndian)
        #expect(two.layout == .pair)
        #expect(two.rawHeader.count == 540)
        #expect(two.dbName.isEmpty)
    }

    @Test(.enabled(if: SharedData.isAvailable))
    func headerOfExample4DHasTwoExtensions() throws {
        let header = try NIfTIReader().readHeader(SharedData.path("nifti/nibabel_subset/example4d.nii.gz"))
        #expect(header.extensions.count == 2)
        #expect(header.descrip == "FSL3.3")
        #expect(header.dims == [128, 96, 24, 2])
        #expect(header.timeUnitName == "sec")
    }

    @Test(.enabled(if: SharedData.isAvailable))
    func recordReadingDispatchesNIfTI() throws {
        let records = try RecordReading.read(SharedData.path("nifti/nibabel_subset/standard.nii.gz"))
        #expect(records.count == 1)
        #expect(records.first?.format == "nifti")
        #expect(records.first?.tensor.shape == [7, 5, 4])
    }

    // MARK: errors

    static func error(reading path: String) -> MedPipeError? {
        do { _ = try NIfTIReader().read(path); return nil } catch let error as MedPipeError { return error } catch { return nil }
    }

    @Test func complexDataIsUnsupported() throws {
        let error = try #require(Self.error(reading: SharedData.fixture("nifti/complex64.nii")))
        #expect(error.kind == .unsupported)
        #expect(error.message.contains("complex64"))
    }

    @Test func lyingHeaderIsMalformedWithSizes() throws {
        let path = SharedData.fixture("nifti/lying.nii")
        let error = try #require(Self.error(reading: path))
        #expect(error.kind == .malformed)
        #expect(error.subject == path)
        // 352 + 64³ × 2 bytes needed, 472 present.
        #expect(error.message.contains("524640"))
        #expect(error.message.contains("472"))
        #expect(!error.description.contains("\n"))
    }

    @Test func lyingGzipHeaderIsMalformed() throws {
        let error = try #require(Self.error(reading: SharedData.fixture("nifti/lying.nii.gz")))
        #expect(error.kind == .malformed)
        #expect(error.message.contains("524640"))
        #expect(error.message.contains("188 gzip-compressed bytes"))
    }

    @Test func truncatedGzipIsMalformed() throws {
        let error = try #require(Self.error(reading: SharedData.fixture("nifti/truncated.nii.gz")))
        #expect(error.kind == .malformed)
    }

    @Test func absurdHeaderSizeIsRejectedBeforeAllocating() throws {
        // 32767³ int16 voxels in a 472-byte file: rejected from the sizes alone.
        var header = try FileBytes.read(SharedData.fixture("nifti/dtype_int16.nii"))
        for (i, extent) in [Int16(3), 32767, 32767, 32767].enumerated() {
            withUnsafeBytes(of: extent.littleEndian) { header.replaceSubrange((40 + 2 * i)..<(42 + 2 * i), with: $0) }
        }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("medpipe-absurd-\(getpid()).nii").path
        _ = FileManager.default.createFile(atPath: path, contents: Data(header))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let error = try #require(Self.error(reading: path))
        #expect(error.kind == .malformed)
        #expect(error.message.contains("70362301923678"))  // 352 + 32767³ × 2
        #expect(error.message.contains("472"))
    }

    @Test func missingImageOfPairIsAnIOError() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("medpipe-pair-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("alone.hdr").path
        try FileManager.default.copyItem(atPath: SharedData.fixture("nifti/pair_qform_uint8.hdr"), toPath: path)
        let error = try #require(Self.error(reading: path))
        #expect(error.kind == .io)
        #expect(error.message.contains(".img"))
    }

    @Test func nonNIfTIBytesAreMalformed() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("medpipe-junk-\(getpid()).nii").path
        _ = FileManager.default.createFile(atPath: path, contents: Data(repeating: 0x41, count: 600))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let error = try #require(Self.error(reading: path))
        #expect(error.kind == .malformed)
        #expect(error.message.contains("348"))
    }
}
