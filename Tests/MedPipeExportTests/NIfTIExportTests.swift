import Foundation
import Testing
import MedPipeCache
import MedPipeCore
import MedPipeExport
import MedPipeFormats
import TestSupport

/// A float volume of 4 slices × 5 rows × 6 columns with an oblique affine, and an int16 one.
private func volumeCache(_ directory: String) throws {
    let floats = Tensor(shape: [4, 5, 6], values: (0..<120).map { Float(sin(Double($0) * 0.37)) * 100.5 + 3 })
    let shorts = Tensor(shape: [4, 5, 6], values: (0..<120).map { (i: Int) -> Int16 in Int16(i * 97 % 4001 - 2000) })
    let geometry = Geometry.spatial(spacing: obliqueAffine.voxelSizes, affine: obliqueAffine)
    try makeCache(directory, items: [
        CacheItem(tensor: floats, label: "tumour", group: "P-groupa", geometry: geometry, metadata: ["Modality": .string("MR")]),
        CacheItem(tensor: shorts, label: "healthy", group: "P-groupb", geometry: geometry),
    ], splits: ["train", "test"])
}

@Suite struct NIfTIExportTests {
    @Test func volumesKeepDataTypeValuesAndAffineThroughOurReader() throws {
        let cache = temporaryDirectory("nifti-cache"), out = temporaryDirectory("nifti-out")
        defer { try? FileManager.default.removeItem(atPath: cache); try? FileManager.default.removeItem(atPath: out) }
        try volumeCache(cache)
        let summary = try Exporter(cacheDirectory: cache).run(ExportOptions(format: .nifti, output: out, makeUID: testUIDs))
        #expect(summary.files == [out + "/train/train_00001.nii.gz", out + "/test/test_00001.nii.gz"])
        let source = try DatasetCache(directory: cache)
        for (entry, path) in zip(try source.entries(), summary.files) {
            let record = try NIfTIReader().read(path)
            let original = try source.tensor(for: entry)
            #expect(record.tensor == original, "voxels of \(path) differ")
            let header = try NIfTIReader().readHeader(path)
            #expect(header.version == 1 && header.layout == .singleFile)
            #expect(header.qformCode == 1 && header.sformCode == 1)
            #expect(header.descrip.isEmpty && header.auxFile.isEmpty && header.intentName.isEmpty && header.extensions.isEmpty)
            #expect(zip(header.pixdim.prefix(3), obliqueAffine.voxelSizes).allSatisfy { abs($0 - $1) < 1e-5 })
            guard case .spatial(_, let affine)? = record.geometry else {
                Issue.record("no affine read back")
                continue
            }
            for r in 0..<4 {
                for c in 0..<4 { #expect(abs(affine.matrix[r][c] - obliqueAffine.matrix[r][c]) < 1e-5, "affine[\(r)][\(c)]") }
            }
        }
    }

    @Test(.enabled(if: ReferencePython.available("nibabel", "numpy"), "needs python3 with nibabel and numpy"))
    func nibabelReadsTheSameAffinesAndVoxels() throws {
        let cache = temporaryDirectory("nifti-cache"), out = temporaryDirectory("nifti-out")
        defer { try? FileManager.default.removeItem(atPath: cache); try? FileManager.default.removeItem(atPath: out) }
        try volumeCache(cache)
        let summary = try Exporter(cacheDirectory: cache).run(ExportOptions(format: .nifti, output: out, makeUID: testUIDs))
        let source = try DatasetCache(directory: cache)
        for (entry, path) in zip(try source.entries(), summary.files) {
            // The cache tensor as .npy, transposed by Fortran order to nibabel's (x, y, z).
            let expected = out + "/expected.npy"
            try NPYWriter.write(try source.tensor(for: entry), to: expected, fortranOrder: true)
            let result = try ReferencePython.json("""
                import json, sys, nibabel, numpy
                img = nibabel.load(sys.argv[1]); want = numpy.load(sys.argv[2])
                data = numpy.asanyarray(img.dataobj)
                print(json.dumps({"sform": int(img.get_sform(coded=True)[1]), "qform": int(img.get_qform(coded=True)[1]),
                  "affine": img.affine.tolist(), "qaffine": img.get_qform().tolist(), "dtype": str(data.dtype), "wantdtype": str(want.dtype),
                  "shape": list(data.shape), "equal": bool(numpy.array_equal(data, want)), "descrip": img.header["descrip"].item().decode()}))
                """, [path, expected])
            #expect(result["sform"] as? Int == 1 && result["qform"] as? Int == 1)
            #expect(result["equal"] as? Bool == true, "nibabel's voxels differ from the cache: \(result)")
            #expect(result["dtype"] as? String == result["wantdtype"] as? String)
            #expect(result["shape"] as? [Int] == [6, 5, 4])
            #expect(result["descrip"] as? String == "")
            for key in ["affine", "qaffine"] {
                let matrix = try #require(result[key] as? [[Double]])
                for r in 0..<4 {
                    for c in 0..<4 { #expect(abs(matrix[r][c] - obliqueAffine.matrix[r][c]) < 1e-4, "\(key)[\(r)][\(c)] = \(matrix[r][c])") }
                }
            }
        }
    }
}
