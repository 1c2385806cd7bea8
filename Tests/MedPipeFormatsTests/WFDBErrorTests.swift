import Foundation
import MedPipeCore
import MedPipeFormats
import Testing
import TestSupport

/// Files written into a fresh temporary folder for error-path tests.
enum WFDBTemp {
    static func folder() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("wfdb-test-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    static func write(_ name: String, _ bytes: [UInt8], in dir: String? = nil) throws -> String {
        let path = try (dir ?? folder()) + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func write(_ name: String, text: String, in dir: String) throws -> String {
        try write(name, Array(text.utf8), in: dir)
    }
}

@Suite("WFDB error paths", .enabled(if: SharedData.isAvailable))
struct WFDBErrorTests {
    func error(_ body: () throws -> Void) -> MedPipeError? {
        do { try body(); return nil } catch let e as MedPipeError { return e } catch { return nil }
    }

    @Test("p000878 names its first missing segment")
    func missingSegment() {
        let e = error { _ = try WFDBReader().read(SharedData.path("wfdb/multi-segment/p000878/p000878-2137-10-26-16-57.hea")) }
        #expect(e?.kind == .io)
        #expect(e?.subject.hasSuffix("3269321_0003.hea") == true)
        #expect(e?.message.contains("missing") == true)
    }

    @Test("a FLAC sample offset near Int64.max is an error, not an overflow while decoding")
    func flacOffsetOverflow() throws {
        let dir = try WFDBTemp.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createSymbolicLink(atPath: dir + "/flac.d1", withDestinationPath: SharedData.path("wfdb/flacformats.d1"))
        let path = try WFDBTemp.write("flac.hea", text: "flac 1 200 499\nflac.d1 516+9223372036854775807 200/mV 16 0 -32766 -750 0 sig\n", in: dir)
        let e = error { _ = try WFDBReader().read(path) }
        #expect(e?.kind == .malformed)
        #expect(e?.subject == path)
        #expect(e?.message.contains("overflows") == true, "\(String(describing: e))")
    }

    @Test("a header naming a missing signal file names that file")
    func missingSignalFile() throws {
        let dir = try WFDBTemp.folder()
        let path = try WFDBTemp.write("ghost.hea", text: "ghost 1 360 100\nghost.dat 16 200 16 0 0 0 0 lead\n", in: dir)
        let e = error { _ = try WFDBReader().read(path) }
        #expect(e?.kind == .io)
        #expect(e?.subject == dir + "/ghost.dat")
    }

    @Test("1003.hea (real) has no 1003.dat: wfdb-python fails too, the error names the file")
    func missing1003() {
        #expect(WFDBReference.shared.failures["1003"] != nil)
        let e = error { _ = try WFDBReader().read(SharedData.path("wfdb/1003")) }
        #expect(e?.kind == .io)
        #expect(e?.subject.hasSuffix("1003.dat") == true)
    }

    @Test("a truncated .dat is a malformed error with expected and found sizes")
    func truncatedSignal() throws {
        let dir = try WFDBTemp.folder()
        let bytes = try FileBytes.read(SharedData.path("wfdb/100.dat"))
        _ = try WFDBTemp.write("t100.dat", Array(bytes.prefix(1000)), in: dir)
        let path = try WFDBTemp.write("t100.hea", text: "t100 2 360 650000\nt100.dat 212 200 11 1024 995 -22131 0 MLII\nt100.dat 212 200 11 1024 1011 20052 0 V5\n", in: dir)
        let e = error { _ = try WFDBReader().read(path) }
        #expect(e?.kind == .malformed)
        #expect(e?.subject == dir + "/t100.dat")
        #expect(e?.message.contains("1000 bytes") == true)
        #expect(e?.message.contains("1950000") == true)
    }

    @Test("absurd sizes in a header fail before any large allocation")
    func absurdSizes() throws {
        let dir = try WFDBTemp.folder()
        _ = try WFDBTemp.write("tiny.dat", [1, 2, 3, 4], in: dir)
        let huge = try WFDBTemp.write("huge.hea", text: "huge 2 360 900000000000\ntiny.dat 16 200 16 0 0 0 0 a\ntiny.dat 16x3 200 16 0 0 0 0 b\n", in: dir)
        #expect(error { _ = try WFDBReader().read(huge) }?.kind == .malformed)
        let skew = try WFDBTemp.write("skew.hea", text: "skew 1 360 2\ntiny.dat 16:99999999999 200 16 0 0 0 0 a\n", in: dir)
        #expect(error { _ = try WFDBReader().read(skew) }?.kind == .malformed)
        let nulls = try WFDBTemp.write("nulls.hea", text: "nulls/2 1 360\nlay 0\n~ 900000000000000\n", in: dir)
        _ = try WFDBTemp.write("lay.hea", text: "lay 1 360 0\n~ 0 200 16 0 0 0 0 a\n", in: dir)
        #expect(error { _ = try WFDBReader().read(nulls) }?.kind == .malformed)
    }

    @Test("a header without the number of samples derives it from the file size, with a warning")
    func derivedLength() throws {
        let dir = try WFDBTemp.folder()
        try FileManager.default.createSymbolicLink(atPath: dir + "/test01_00s.dat", withDestinationPath: SharedData.path("wfdb/test01_00s.dat"))
        let path = try WFDBTemp.write("short.hea", text: "short 4 500\ntest01_00s.dat 16 100/mV 16 0 10 114 0 ECG 1\ntest01_00s.dat 16 100/mV 16 0 -8 941 0 ECG 2\ntest01_00s.dat 16 100/mV 16 0 -57 -119 0 ECG 3\ntest01_00s.dat 16 100/mV 16 0 -66 -401 0 ECG 4\n", in: dir)
        let derived = try WFDBReader().read(path)
        let full = try WFDBReader().read(SharedData.path("wfdb/test01_00s"))
        #expect(derived.tensor.shape == [4000, 4])
        #expect(derived.tensor.bytes == full.tensor.bytes, "derived-length samples differ from the full read")
        #expect(derived.warnings.contains { $0.contains("derived from the signal file size") })
    }

    @Test("garbage headers fail with the file and line")
    func garbageHeader() throws {
        let dir = try WFDBTemp.folder()
        let binary = try WFDBTemp.write("junk.hea", [0x00, 0xFF, 0x13, 0x37, 0x0A], in: dir)
        #expect(error { _ = try WFDBReader().read(binary) }?.kind == .malformed)
        let noCount = try WFDBTemp.write("nocount.hea", text: "# hello\nrec abc 360\n", in: dir)
        let e = error { _ = try WFDBReader().read(noCount) }
        #expect(e?.kind == .malformed)
        #expect(e?.subject == noCount)
        #expect(e?.message.contains("line 2") == true)
        let badGain = try WFDBTemp.write("badgain.hea", text: "rec 1 360 10\nrec.dat 16 abc 16 0 0 0 0 x\n", in: dir)
        #expect(error { _ = try WFDBReader().read(badGain) }?.message.contains("line 2") == true)
        let fewer = try WFDBTemp.write("fewer.hea", text: "rec 3 360 10\nrec.dat 16 200 16 0 0 0 0 x\n", in: dir)
        #expect(error { _ = try WFDBReader().read(fewer) }?.message.contains("announces 3 signals") == true)
        let unknown = try WFDBTemp.write("fmt.hea", text: "rec 1 360 10\nrec.dat 999 200 16 0 0 0 0 x\n", in: dir)
        #expect(error { _ = try WFDBReader().read(unknown) }?.kind == .unsupported)
    }

    @Test("header parsing tolerates CRLF, blank lines, tabs and missing optional fields")
    func tolerantHeader() throws {
        let text = "# first\r\n  rec\t2  500/1000(3)  40 10:20:30 01/02/2003\r\n\r\nrec.dat 16x2:1+8\r\nrec.dat 16 100(5)/uV 12 7\r\n#  last  \r\n"
        let h = try WFDBHeader(text: text, path: "mem.hea")
        #expect(h.recordName == "rec")
        #expect(h.frequency == 500 && h.counterFrequency == 1000 && h.baseCounter == 3)
        #expect(h.sampleCount == 40 && h.baseTime == "10:20:30" && h.baseDate == "01/02/2003")
        #expect(h.signals[0].samplesPerFrame == 2 && h.signals[0].skew == 1 && h.signals[0].byteOffset == 8)
        #expect(h.signals[0].gain == 200 && h.signals[0].units == "mV" && h.signals[0].baseline == 0 && h.signals[0].description == "")
        #expect(h.signals[1].gain == 100 && h.signals[1].baseline == 5 && h.signals[1].units == "uV" && h.signals[1].adcZero == 7)
        #expect(h.comments == ["first", "last"])
        #expect(h.warnings.count == 1)
    }
}
