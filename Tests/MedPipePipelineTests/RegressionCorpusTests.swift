import Foundation
import Testing
import MedPipeCore
import MedPipeFormats
import TestSupport

/// Replays the regression corpus (`Tests/Regression`, see its README): every hostile file that ever
/// made MedPipe trap must now fail cleanly — in the reader with a ``MedPipeError`` naming the file, and
/// through the `medpipe` binary with exit status 1 and exactly one `medpipe: error: FILE: ...` line,
/// never a signal.
@Suite(.enabled(if: SharedData.medpipeBinary != nil, "needs the built medpipe binary"))
struct RegressionCorpusTests {
    /// One corpus file and the command that replays it.
    struct Entry: CustomTestStringConvertible, Sendable {
        /// `inspect`, `anonymize` or `convert`: the first folder below `Tests/Regression`.
        var command: String
        /// Absolute path.
        var path: String
        var testDescription: String { String(path.dropFirst(RegressionCorpusTests.root.count + 1)) }
    }

    static let root = SharedData.projectRoot + "/Tests/Regression"

    /// The files a command replays: the top-level files of `inspect/FORMAT/` and `anonymize/FORMAT/`
    /// (for WFDB, the `.hea` headers; signal and annotation files sit beside them, segments in a
    /// subfolder) and the recipes `convert/*.yaml` (their data in subfolders).
    static func entries(_ command: String) -> [Entry] {
        let folder = root + "/" + command
        let listed = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        let folders = command == "convert" ? [folder] : listed.sorted().map { folder + "/" + $0 }.filter(isDirectory)
        return folders.flatMap { directory in
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
            return names.map { directory + "/" + $0 }.filter { path in
                guard !isDirectory(path), !path.hasSuffix(".md") else { return false }
                if command == "convert" { return path.hasSuffix(".yaml") }
                return !directory.hasSuffix("/wfdb") || path.hasSuffix(".hea")
            }.map { Entry(command: command, path: $0) }
        }
    }

    private static func isDirectory(_ path: String) -> Bool {
        var directory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &directory) && directory.boolValue
    }

    @Test func theCorpusHoldsEveryCommandsFiles() {
        #expect(Self.entries("inspect").count >= 15)
        #expect(Self.entries("anonymize").count >= 5)
        #expect(Self.entries("convert").count >= 10)
    }

    @Test("the reader rejects it with a MedPipeError naming the file", arguments: entries("inspect"))
    func readerRejects(_ entry: Entry) throws {
        do {
            let records = try RecordReading.read(entry.path)
            Issue.record("read \(records.count) record(s) from a hostile file")
        } catch let error as MedPipeError {
            #expect(names(error.subject, entry), "\(error)")
        }
    }

    @Test("inspect fails with one error line", arguments: entries("inspect"))
    func inspectFails(_ entry: Entry) throws {
        try expectOneError(["inspect", entry.path], entry)
    }

    @Test("anonymize --strict fails with one error line", arguments: entries("anonymize"))
    func anonymizeFails(_ entry: Entry) throws {
        let work = temporaryDirectory("corpus-anonymize")
        defer { try? FileManager.default.removeItem(atPath: work) }
        try expectOneError(["anonymize", entry.path, "--out", work + "/out", "--report", work + "/report.json", "--key", work + "/key",
                            "--strict", "--allow-burned-in", "--blank", "0,0,2,2"], entry)
    }

    @Test("convert --strict fails with one error line", arguments: entries("convert"))
    func convertFails(_ entry: Entry) throws {
        let work = temporaryDirectory("corpus-convert")
        defer { try? FileManager.default.removeItem(atPath: work) }
        try expectOneError(["convert", entry.path, "--cache", work + "/cache", "--key", work + "/key", "--strict"], entry)
    }

    /// Files whose failure once cost gigabytes, with the command and the error they now fail with, in little memory:
    /// a JPEG 2000 codestream (here High-Throughput) whose header declares 12000 x 10000 pixels in a 10 x 12 image
    /// (OpenJPEG allocated and filled the declared image, about 1 GB, before its size was compared with Rows and
    /// Columns; the fuzzer's JPEG 2000 input declared 12 GB), and a 333-byte file whose Transfer Syntax UID declares
    /// gigabytes, read whole by anonymize (the HTJ2K check read that UID after the failed read: 4 GB copied, 12 s).
    static let boundedFailures: [(command: String, file: String, error: String)] = [
        ("inspect", "inspect/dicom/htj2k-codestream-larger-than-image.dcm", "JPEG 2000 frame 0: component 0 is 12000 x 10000, expected 10 x 12"),
        ("anonymize", "anonymize/dicom/meta-uid-declares-gigabytes.dcm", "DCMTK cannot read the file: Invalid stream"),
    ]

    @Test("fails in little memory", arguments: boundedFailures.indices)
    func failsInLittleMemory(_ index: Int) throws {
        let (command, file, expected) = Self.boundedFailures[index]
        let work = temporaryDirectory("corpus-peak")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let path = Self.root + "/" + file
        let arguments = command == "inspect" ? ["inspect", path]
            : ["anonymize", path, "--out", work + "/out", "--report", work + "/report.json", "--key", work + "/key", "--strict", "--allow-burned-in"]
        let result = try PeakMemory.run(try #require(SharedData.medpipeBinary), arguments, in: work)
        #expect(result.status == 1, "\(result.error)")
        #expect(result.error.contains(expected), "\(result.error)")
        #expect(result.peak < 256 << 20, "\(file): peak resident memory \(result.peak >> 20) MiB")
    }

    /// True when `subject` is the entry's file or a file beside it or below its folder (a WFDB signal
    /// file, a recipe's data).
    private func names(_ subject: String, _ entry: Entry) -> Bool {
        let folder = URL(fileURLWithPath: entry.path).deletingLastPathComponent().path
        return subject == entry.path || subject.hasPrefix(folder + "/") || subject.hasPrefix(folder + ":")
    }

    private func expectOneError(_ arguments: [String], _ entry: Entry) throws {
        let (status, _, error) = try SharedData.runMedpipe(arguments)
        let errors = error.split(separator: "\n").filter { $0.hasPrefix("medpipe: error: ") }
        #expect(status == 1, "exit status \(status): \(error)")
        #expect(errors.count == 1, "\(error)")
        #expect(!error.contains("Fatal error") && !error.contains("Backtracing") && !error.contains("crashed"), "\(error)")
        if let line = errors.first {
            // `medpipe: error: SUBJECT: message`, the subject possibly with a `:line` suffix.
            var subject = line.dropFirst("medpipe: error: ".count).prefix { $0 != " " }
            if subject.hasSuffix(":") { subject = subject.dropLast() }
            #expect(names(String(subject), entry), "\(line)")
        }
    }
}
