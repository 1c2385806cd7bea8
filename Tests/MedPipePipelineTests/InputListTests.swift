import Foundation
import Testing
import MedPipeCore
import MedPipeFormats
import TestSupport

/// `--inputs-from FILE` (and `--null`) of `anonymize`, `inspect` and `predict`: input paths read from a file or standard
/// input. Before, the paths could only be positional arguments: a shell glob of tens of thousands of files went past
/// the kernel's ARG_MAX, and swift-argument-parser's time grew with the square of their number (7.3 s for 16,000 in a
/// release build, before any work).
@Suite(.enabled(if: SharedData.medpipeBinary != nil && SharedData.isAvailable, "needs the built medpipe binary and ../shared/data"))
struct InputListTests {
    /// Every file below `folder`, by path relative to it, with its bytes.
    private func files(_ folder: String) throws -> [String: Data] {
        try Dictionary(uniqueKeysWithValues: FolderWalk(folder).files.map {
            (String($0.dropFirst(folder.count)), try Data(contentsOf: URL(fileURLWithPath: $0)))
        })
    }

    /// A run's failure: exit status 1, nothing on standard output, and `line` as the one line on standard error.
    private func expectError(_ arguments: [String], _ line: String, standardInput: Data? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let run = try SharedData.runMedpipe(arguments, standardInput: standardInput)
        #expect(run.status == 1 && run.error == "medpipe: error: " + line + "\n" && run.output.isEmpty,
                "\(arguments): \(run.status) \(run.error)", sourceLocation: sourceLocation)
    }

    /// Real DICOM files (CT, MR, a series' slices, one in a folder) anonymized through a list, as a file with Windows line
    /// ends and blank lines and as standard input, give byte for byte the outputs and the counts the same paths
    /// give as positional arguments; a path that begins with `#` and ends with a space is a path, not a comment.
    @Test func anonymizeThroughAListWritesWhatPositionalInputsWrite() throws {
        let work = temporaryDirectory("input-list-anonymize")
        defer { try? FileManager.default.removeItem(atPath: work) }
        try Data(repeating: 7, count: 32).write(to: URL(fileURLWithPath: work + "/project.key"))
        #expect(chmod(work + "/project.key", 0o600) == 0)
        let hash = work + "/# CT small .dcm"
        try FileManager.default.copyItem(atPath: SharedData.path("dicom/pydicom_subset/CT_small.dcm"), toPath: hash)
        let series = try FileManager.default.contentsOfDirectory(atPath: SharedData.path("dicom/mr_series/In")).sorted().prefix(6)
        try FileManager.default.createDirectory(atPath: work + "/folder", withIntermediateDirectories: true)
        for name in series.suffix(2) {
            try FileManager.default.copyItem(atPath: SharedData.path("dicom/mr_series/In/" + name), toPath: work + "/folder/" + name)
        }
        let inputs = [hash, SharedData.path("dicom/pydicom_subset/MR_small.dcm"), work + "/folder"]
            + series.prefix(4).map { SharedData.path("dicom/mr_series/In/" + $0) }
        try ("\r\n" + inputs.map { $0 + "\r\n" }.joined(separator: "\n")).write(toFile: work + "/list.txt", atomically: true, encoding: .utf8)
        func anonymize(_ name: String, _ arguments: [String], standardInput: Data? = nil) throws -> String {
            let run = try SharedData.runMedpipe(["anonymize", "--key", work + "/project.key", "--out", work + "/" + name, "--report", work + "/\(name).json"]
                                                + arguments, standardInput: standardInput)
            #expect(run.status == 0, "\(name): \(run.error)")
            return run.output
        }
        let positional = try anonymize("positional", inputs)
        #expect(positional.contains("anonymized 8 file(s)"), "\(positional)")
        let expected = try files(work + "/positional")
        #expect(expected.count == 8)
        let listed = try anonymize("listed", ["--inputs-from", work + "/list.txt"])
        let piped = try anonymize("piped", ["--inputs-from", "-"], standardInput: Data(inputs.joined(separator: "\n").utf8))
        // Positional inputs first, then the listed ones: a list of the rest adds to them.
        let both = try anonymize("both", [inputs[0], inputs[1], "--inputs-from", "-"], standardInput: Data(inputs.dropFirst(2).joined(separator: "\n").utf8))
        for (name, output) in [("listed", listed), ("piped", piped), ("both", both)] {
            #expect(output == positional.replacingOccurrences(of: "/positional", with: "/" + name), "\(name): \(output)")
            #expect(try files(work + "/" + name) == expected, "\(name)")
        }
    }

    /// `inspect --json` of a DICOM file, a NIfTI volume and a WFDB record through a list (NUL-separated, with `--null`)
    /// prints what it prints for them as positional arguments, in the list's order, repeats included.
    @Test func inspectThroughAListPrintsWhatPositionalInputsPrint() throws {
        let inputs = [SharedData.path("wfdb/100.hea"), SharedData.path("dicom/pydicom_subset/MR_small.dcm"),
                      SharedData.path("wfdb/100.hea"), SharedData.fixture("demo/images/left/000.png")]
        let positional = try SharedData.runMedpipe(["inspect", "--json"] + inputs)
        try #require(positional.status == 0, "\(positional.error)")
        #expect(positional.output.split(separator: "\n").count == 4)
        let listed = try SharedData.runMedpipe(["inspect", "--json", "--inputs-from", "-", "--null"],
                                               standardInput: Data(inputs.map { $0 + "\0" }.joined().utf8))
        #expect(listed.status == 0 && listed.output == positional.output, "\(listed.error)")
    }

    /// 20,000 listed paths (copies of one small array's path) are all read and inspected, one JSON line each, the line
    /// `inspect` prints for the file given once as a positional argument.
    @Test func aListOfTwentyThousandPathsRuns() throws {
        let work = temporaryDirectory("input-list-many")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let array = work + "/x.npy"
        try NPYWriter.write(Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6]), to: array)
        let once = try SharedData.runMedpipe(["inspect", "--json", array])
        try #require(once.status == 0 && once.output.split(separator: "\n").count == 1, "\(once.error)")
        let count = 20_000
        try String(repeating: array + "\n", count: count).write(toFile: work + "/list.txt", atomically: true, encoding: .utf8)
        let run = try SharedData.runMedpipe(["inspect", "--json", "--inputs-from", work + "/list.txt"])
        #expect(run.status == 0, "\(run.error)")
        #expect(run.output == String(repeating: once.output, count: count))
    }

    /// A list is read a piece at a time, keeping only its paths: reading 30,000 paths of 1,000 bytes (a 30 MB list whose
    /// last path does not exist, so that the run ends once it is read) peaks less than 1.5 times the list's size above
    /// reading a list of 10 of them (it is about 1.05 times; the whole list held beside its paths would be 2 times).
    @Test func readingAListHoldsLittleMoreThanItsPaths() throws {
        let work = temporaryDirectory("input-list-memory")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let folder = work + (1...4).map { "/" + String(repeating: "\($0)", count: 200) }.joined()
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let file = folder + "/" + String(repeating: "x", count: 1_000 - folder.count - 1)
        try NPYWriter.write(Tensor(shape: [1], values: [1]), to: file)
        #expect(file.utf8.count == 1_000)
        var peaks: [Int] = []
        for count in [10, 30_000] {
            let list = work + "/list-\(count).txt"
            try (String(repeating: file + "\n", count: count) + work + "/absent\n").write(toFile: list, atomically: true, encoding: .utf8)
            let run = try PeakMemory.run(SharedData.medpipeBinary!, ["inspect", "--inputs-from", list], in: work)
            #expect(run.status == 1 && run.error == "medpipe: error: \(list): line \(count + 1): \(work)/absent: no such file or directory\n", "\(run.error)")
            peaks.append(run.peak)
        }
        let size = 30_000 * 1_001
        print("reading a list of 30,000 paths (\(size >> 10) KiB): peak \(peaks[1] >> 10) KiB, \(peaks[0] >> 10) KiB for 10 of them")
        #expect(peaks[1] - peaks[0] < size * 3 / 2, "peak grew from \(peaks[0] >> 10) to \(peaks[1] >> 10) KiB")
    }

    /// `predict` of PNGs through a list prints the lines and writes the CSV that the same PNGs as positional arguments give.
    @Test func predictThroughAListPredictsWhatPositionalInputsPredict() throws {
        let work = temporaryDirectory("input-list-predict")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let model = try DemoModel.train(in: work)
        let inputs = ["left/000.png", "right/001.png", "left/002.png"].map { SharedData.fixture("demo/images/" + $0) }
        try inputs.joined(separator: "\n").write(toFile: work + "/list.txt", atomically: true, encoding: .utf8)
        let positional = try SharedData.runMedpipe(["predict", "--model", model] + inputs + ["--out", work + "/positional.csv"])
        try #require(positional.status == 0, "\(positional.error)")
        #expect(positional.output.split(separator: "\n").count == 4)
        let listed = try SharedData.runMedpipe(["predict", "--model", model, "--inputs-from", work + "/list.txt", "--out", work + "/listed.csv"])
        #expect(listed.status == 0 && listed.output == positional.output.replacingOccurrences(of: "positional.csv", with: "listed.csv"), "\(listed.error)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: work + "/listed.csv")) == Data(contentsOf: URL(fileURLWithPath: work + "/positional.csv")))
    }

    /// A file named in Latin-1 given by name was "no such file or directory": Swift reads arguments as UTF-8, replacing
    /// what is not, and looked for another name. The argument is refused as not UTF-8, naming it and how to rename it.
    @Test func anArgumentThatIsNotUTF8IsRefusedNamingIt() throws {
        let work = temporaryDirectory("argument-not-utf8")
        defer { try? FileManager.default.removeItem(atPath: work) }
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        let latin1 = Array((work + "/M").utf8) + [0xFC] + Array("ller.dcm".utf8) + [0]
        let fd = latin1.withUnsafeBufferPointer { open(UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self), O_WRONLY | O_CREAT, 0o644) }
        try #require(fd >= 0)
        close(fd)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")   // the only way to hand a process bytes that are not UTF-8
        process.arguments = ["-c", #"exec "$0" inspect "$(printf '%s/M\374ller.dcm' "$1")""#, SharedData.medpipeBinary!, work]
        let error = Pipe()
        process.standardError = error
        process.standardOutput = Pipe()
        try process.run()
        let text = String(decoding: error.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 1 && text == "medpipe: error: \(work)/M\u{FFFD}ller.dcm: argument 2 is not UTF-8: MedPipe reads names as UTF-8 only (rename the file, for example with convmv -f latin1 -t utf8)\n", "\(text)")
    }

    /// Started with standard input closed (`<&-`), `--inputs-from -` read MedPipe's own interruption pipe, which had
    /// taken its number, and waited forever. Standard input reads as empty now: the one-line error of an empty list.
    @Test func aClosedStandardInputIsAnEmptyList() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", #"exec "$0" inspect --inputs-from - <&-"#, SharedData.medpipeBinary!]
        let error = Pipe()
        process.standardError = error
        process.standardOutput = Pipe()
        try process.run()
        let deadline = DispatchTime.now() + .seconds(60)
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async { process.waitUntilExit(); done.signal() }
        if done.wait(timeout: deadline) == .timedOut { process.terminate() }
        let text = String(decoding: error.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationReason == .exit && process.terminationStatus == 1, "\(text)")
        #expect(text == "medpipe: error: standard input: lists no input path (it holds only blank lines, or nothing), and no INPUT is given\n", "\(text)")
    }

    /// A list that cannot be read, a line that is not UTF-8 or holds a NUL byte, a listed path that does not exist,
    /// and a list of nothing with no positional input: each is one line naming the list (and the line or entry),
    /// for each command, before any work (no output folder made).
    @Test func aBadListIsOneErrorLineNamingTheListAndTheLine() throws {
        let work = temporaryDirectory("input-list-errors")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let good = SharedData.path("dicom/pydicom_subset/MR_small.dcm")
        let list = work + "/list.txt"
        let commands = [["anonymize", "--key", work + "/project.key", "--out", work + "/out", "--report", work + "/report.json"],
                        ["inspect"], ["predict", "--model", work + "/model.safetensors", "--out", work + "/p.csv"]]
        for command in commands {
            try expectError(command + ["--inputs-from", work + "/missing.txt"], work + "/missing.txt: no such file")
            try expectError(command + ["--inputs-from", work], work + ": is a directory, expected a file of paths")
            try Data(good.utf8 + [10, 10] + "/tmp/caf".utf8 + [0xE9, 10]).write(to: URL(fileURLWithPath: list))
            try expectError(command + ["--inputs-from", list], list + ": line 3 is not UTF-8 text")
            try Data(good.utf8 + [0] + good.utf8 + [0]).write(to: URL(fileURLWithPath: list))
            try expectError(command + ["--inputs-from", list], list + ": line 1 holds a NUL byte, which no path holds (for a list of paths ending at NUL bytes, as find -print0 writes, add --null)")
            try "\(good)\n\n\(work)/absent.dcm\r\n\(good)\n".write(toFile: list, atomically: true, encoding: .utf8)
            try expectError(command + ["--inputs-from", list], list + ": line 3: \(work)/absent.dcm: no such file or directory")
            try expectError(command + ["--inputs-from", "-", "--null"], "standard input: entry 2: \(work)/absent.dcm: no such file or directory",
                            standardInput: Data("\(good)\0\(work)/absent.dcm\0".utf8))
            try "\n\r\n\n".write(toFile: list, atomically: true, encoding: .utf8)
            try expectError(command + ["--inputs-from", list], list + ": lists no input path (it holds only blank lines, or nothing), and no INPUT is given")
            try expectError(command + ["--inputs-from", "-"], "standard input: lists no input path (it holds only blank lines, or nothing), and no INPUT is given",
                            standardInput: Data())
            #expect(!FileManager.default.fileExists(atPath: work + "/out") && !FileManager.default.fileExists(atPath: work + "/p.csv"))
        }
        // `--null` belongs to a list.
        let null = try SharedData.runMedpipe(["inspect", good, "--null"])
        #expect(null.status != 0 && null.error.contains("--null applies to the paths of --inputs-from FILE"), "\(null.error)")
        // An empty list adds nothing to positional inputs.
        let alone = try SharedData.runMedpipe(["inspect", good]), empty = try SharedData.runMedpipe(["inspect", good, "--inputs-from", list])
        #expect(alone.status == 0 && empty.status == 0 && empty.output == alone.output, "\(empty.error)")
    }

    /// An output that names a listed input, or the list itself, is refused as one naming a positional input is, and
    /// the file is left as it was.
    @Test func anOutputOverAListedInputOrTheListIsRefused() throws {
        let work = temporaryDirectory("input-list-over-input")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let csv = work + "/heart.csv", list = work + "/list.txt"
        try FileManager.default.copyItem(atPath: SharedData.path("tabular/heart.csv"), toPath: csv)
        try (csv + "\n").write(toFile: list, atomically: true, encoding: .utf8)
        let before = try files(work)
        let anonymize = ["anonymize", "--inputs-from", list, "--key", work + "/project.key", "--keep-columns", "age", "--out", work + "/anon"]
        try expectError(anonymize + ["--report", csv], csv + ": is also an input (the input \(csv)); give the output another path")
        try expectError(anonymize + ["--report", work + "/r.json", "--list-withheld", csv], csv + ": is also an input (the input \(csv)); give the output another path")
        try expectError(anonymize + ["--report", list], list + ": is also an input (--inputs-from \(list)); give the output another path")
        let predict = ["predict", "--model", work + "/model.safetensors", "--inputs-from", list]
        try expectError(predict + ["--out", csv], csv + ": is also an input (the input \(csv)); give the output another path")
        try expectError(predict + ["--out", list], list + ": is also an input (--inputs-from \(list)); give the output another path")
        #expect(try files(work) == before)
        // `inspect --array` writes the array of one positional input.
        let array = try SharedData.runMedpipe(["inspect", "--inputs-from", list, "--array", csv])
        #expect(array.status != 0 && array.error.contains("--array writes one array: give exactly one INPUT (and no --inputs-from)"), "\(array.error)")
        #expect(try files(work) == before)
    }
}
