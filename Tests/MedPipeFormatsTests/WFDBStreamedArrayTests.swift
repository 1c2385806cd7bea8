import Foundation
import MedPipeCore
import MedPipeFormats
import Testing
import TestSupport

/// A record's array written to `.npy` as it is decoded (`inspect --array`), a piece at a time, instead of held whole:
/// the same bytes, record and errors as reading it whole, which ``WFDBReaderTests`` checks against wfdb-python.
@Suite("WFDB arrays written as decoded", .enabled(if: SharedData.isAvailable))
struct WFDBStreamedArrayTests {
    /// Reads `path` both ways and checks that they agree; returns the streamed record, or nil when the reader declined
    /// (having written nothing).
    private func readBothWays(_ path: String, physical: Bool) throws -> StreamedRecord? {
        let folder = temporaryDirectory("wfdb-streamed")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let out = folder + "/a.npy"
        let options = ReadOptions(physical: physical)
        let whole = try WFDBReader(options: options).read(path)
        var given: [Record] = []
        guard case .streamed(let streamed) = try RecordReading.read(path, options: options, arrayTo: out, otherwise: { given.append($0) }) else {
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder).isEmpty, "declined, yet wrote")
            #expect(given.map(\.tensor) == [whole.tensor], "declined, and read otherwise")
            return nil
        }
        #expect(given.isEmpty)
        let array = try NPYReader().read(out).tensor
        #expect(array == whole.tensor, "\(path) physical \(physical)")
        #expect(streamed.shape == whole.tensor.shape && streamed.dtype == whole.tensor.dtype)
        #expect(streamed.record.metadata == whole.metadata)
        #expect(streamed.record.warnings == whole.warnings)
        #expect(streamed.record.annotations.count == whole.annotations.count)
        #expect(streamed.record.source == whole.source && streamed.record.patientKey == whole.patientKey)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["a.npy"], "a temporary file was left")
        return streamed
    }

    @Test("every reference record: the written array is the array read whole", arguments: WFDBReference.recordKeys)
    func sameAsReadWhole(key: String) throws {
        let path = try WFDBReference.path(key) + ".hea"
        let digital = try readBothWays(path, physical: false)
        let physical = try readBothWays(path, physical: true)
        #expect((digital == nil) == (physical == nil))
        // Records of one raw file at one sample per frame without skew are written as decoded; the others are declined.
        let header = try WFDBHeader.read(path)
        let contiguous = !header.isMultiSegment && Set(header.signals.map(\.fileName)).count == 1
            && header.signals.allSatisfy { $0.samplesPerFrame == 1 && $0.skew == 0 && ![8, 508, 516, 524].contains($0.format) }
        #expect((digital != nil) == contiguous, "\(key)")
    }

    @Test("a long record is written in pieces by several workers, to wfdb-python's values")
    func longRecordInPieces() throws {
        // Record 100 three times over, one frame short: 3.9 M samples in 15 pieces of about a megabyte
        // (30 of float64), shared by the workers, the last one partial.
        let expected = WFDBReference.record("100")
        let folder = temporaryDirectory("wfdb-streamed-tiled")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let header = try WFDBReference.writeTiledRecord100(in: folder)
        let streamed = try #require(try readBothWays(header, physical: false))
        #expect(streamed.shape == [WFDBReference.tiledFrames, 2])
        _ = try #require(try readBothWays(header, physical: true))

        let out = folder + "/tiled.npy"
        _ = try RecordReading.read(header, arrayTo: out, otherwise: { _ in })
        let values = try NPYReader().read(out).tensor.values(as: Int32.self)
        let copy = 650000 * 2
        for start in [0, copy] {
            #expect(String(WFDBReaderTests.weightedChecksum(Array(values[start..<(start + copy)]))) == expected.digital_checksum)
        }
    }

    @Test("a truncated signal file is an error naming it, and the array's path is left as it was")
    func truncatedSignalFileWritesNothing() throws {
        let folder = temporaryDirectory("wfdb-streamed-truncated")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let signal = try Data(contentsOf: URL(fileURLWithPath: SharedData.path("wfdb/100.dat")))
        try signal.prefix(signal.count / 2).write(to: URL(fileURLWithPath: folder + "/100.dat"))
        try FileManager.default.copyItem(atPath: SharedData.path("wfdb/100.hea"), toPath: folder + "/100.hea")
        let out = folder + "/a.npy"
        try Data("earlier".utf8).write(to: URL(fileURLWithPath: out))
        #expect {
            _ = try RecordReading.read(folder + "/100.hea", arrayTo: out, otherwise: { _ in })
        } throws: { error in
            "\(error)".contains(folder + "/100.dat") && "\(error)".contains("truncated")
        }
        #expect(try String(contentsOfFile: out, encoding: .utf8) == "earlier")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).sorted() == ["100.dat", "100.hea", "a.npy"])
    }
}
