import Foundation
import MedPipeCache
import MedPipeCore
import Testing
import TestSupport

/// An export whose writes fail (here past `ulimit -f`; a full disk alike) ends in one error line naming the file, and
/// leaves the output folder as it was.
@Suite(.enabled(if: SharedData.medpipeBinary != nil, "needs the built medpipe binary"))
struct ExportWriteFailureTests {
    /// A 1 MiB volume of values gzip cannot shrink much, in a new cache.
    func volumeCache() throws -> String {
        let cache = temporaryDirectory("write-failure-cache")
        let values = (0..<(64 * 64 * 64)).map { (i: Int) -> Float in Float(sin(Double(i) * 1.7)) }
        let geometry = Geometry.spatial(spacing: [1, 1, 1], affine: Affine(matrix: [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]))
        try makeCache(cache, items: [CacheItem(tensor: Tensor(shape: [64, 64, 64], values: values), label: "a", group: "P-a", geometry: geometry)],
                      splits: ["train"])
        return cache
    }

    /// `export --format nifti` past the limit wrote a truncated `.nii.gz` and exited 0: libnifti's writer reports nothing.
    @Test func aNIfTIFileThatCannotBeWrittenWholeIsAnError() throws {
        let cache = try volumeCache(), out = temporaryDirectory("write-failure-out")
        defer { for path in [cache, out] { try? FileManager.default.removeItem(atPath: path) } }
        let run = try SharedData.runMedpipe(["export", "--cache", cache, "--format", "nifti", "--out", out], fileSizeLimitKiB: 256)
        #expect(run.status == 1 && run.error.hasPrefix("medpipe: error: ") && run.error.hasSuffix(".nii.gz: cannot write: File too large\n"),
                "\(run.status) \(run.error)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: out).isEmpty)
    }

    /// `export --format npz` and `png` past the limit said "cannot write: The operation could not be completed.
    /// (NSCocoaErrorDomain error 512.)", Foundation's words for an errno it has no name for.
    @Test(arguments: [("npz", 256, "/train.npz"), ("png", 4, ".png")])
    func aFailedWriteIsToldWhy(format: String, limit: Int, file: String) throws {
        let cache = try volumeCache(), out = temporaryDirectory("write-failure-out")
        defer { for path in [cache, out] { try? FileManager.default.removeItem(atPath: path) } }
        let run = try SharedData.runMedpipe(["export", "--cache", cache, "--format", format, "--out", out], fileSizeLimitKiB: limit)
        #expect(run.status == 1 && run.error.hasPrefix("medpipe: error: ") && run.error.hasSuffix("\(file): cannot write: File too large\n"),
                "\(run.status) \(run.error)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: out).isEmpty)
    }
}
