import Foundation
import MedPipeCore
import MedPipeFormats

/// Settings of one `medpipe anonymize` run.
public struct AnonymizeSettings: Sendable {
    /// The folder outputs are written into (created when missing).
    public var output: String
    public var options: DeidentificationOptions
    public var burnedInText: BurnedInTextPolicy
    /// CSV column policies given by name; every other column is dropped.
    public var csvPolicies: [String: ColumnPolicy]
    /// Files processed at once (at least 1).
    public var jobs: Int
    /// Stop at the first input that fails (an error or a residual hit) instead of going on.
    public var strict: Bool

    public init(output: String, options: DeidentificationOptions = [], burnedInText: BurnedInTextPolicy = .init(),
                csvPolicies: [String: ColumnPolicy] = [:], jobs: Int = 1, strict: Bool = false) {
        self.output = output
        self.options = options
        self.burnedInText = burnedInText
        self.csvPolicies = csvPolicies
        self.jobs = max(1, jobs)
        self.strict = strict
    }
}

/// What happened to one input.
struct FileOutcome: Sendable {
    var report: FileReport?
    var withheld: WithheldFile?
    var scan = OutputScan()
    var identifiers = IdentifierSet()
    /// An input that could not be processed (a run with one fails).
    var failed = false
    /// The error that made it fail, if any (naming the input's path: for the console, not the report).
    var error: MedPipeError?
    /// Outputs waiting for the batch scan before they get their final names.
    var pending: [PendingOutput] = []
}

/// De-identifies files and folders into an output folder: each file in its own format under a
/// pseudonymous name, every output scanned for the input's identifying values before it is kept.
///
/// Every output is scanned before it gets its final name: a DICOM output is scanned in memory and
/// written only when it passes; other formats are written under a temporary name in a hidden folder
/// of the output folder and scanned there. When every input is done, each output is scanned once more
/// for the distinctive identifying values of the whole batch (a name from one file found in another;
/// `IdentifierSet.distinctive()`), and only then
/// renamed to its final name, so none is ever seen half-written or unscanned; on a residual hit or any
/// error nothing is kept and the input is listed as withheld with the reason. Original file names never appear in outputs or
/// the report (they can name patients): sources are named by their keyed token.
public struct Anonymizer: Sendable {
    public let settings: AnonymizeSettings
    public let pseudonymizer: Pseudonymizer
    private let names = NameRegistry()

    public init(settings: AnonymizeSettings, pseudonymizer: Pseudonymizer) {
        self.settings = settings
        self.pseudonymizer = pseudonymizer
    }

    /// One unit of work: a file, or a WFDB record (its header, signal and annotation files).
    public struct Input: Sendable, Hashable {
        public var path: String
        public var format: FormatKind?
        /// Why the input cannot be read at all (a name that is not UTF-8, a folder that cannot be listed): it fails.
        public var problem: String?
    }

    /// The files under `inputs` (folders recursively, hidden entries skipped), WFDB records grouped
    /// under their `.hea`, sorted by path. The folder `output`, when it lies inside an input folder (an earlier
    /// run's outputs, `anonymize scans --out scans/anon`), is left out: its files are not inputs.
    /// - Throws: ``MedPipeError`` when `output` is an input folder itself (outputs would mix with inputs), or when an
    ///   input folder holds no file.
    public static func inputs(_ paths: [String], output: String? = nil) throws -> [Input] {
        var files: [String] = []
        var unreadable: [Input] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw MedPipeError.io(path, "no such file or directory")
            }
            if !isDirectory.boolValue { files.append(path); continue }
            let walk = try FolderWalk(path)
            let excluded = try output.flatMap { try Self.folder($0, inside: walk) }
            let found = walk.files.filter { file in excluded.map { !file.hasPrefix($0 + "/") } ?? true }
            let problems = walk.problems.filter { problem in excluded.map { !problem.path.hasPrefix($0 + "/") } ?? true }
            // Said, not passed over: a mistyped or empty folder ran, reported nothing done, and exited 0.
            guard !found.isEmpty || !problems.isEmpty else {
                throw MedPipeError.invalidArgument(path, "holds no file to de-identify" + (excluded == nil ? "" : " (besides the output folder)"))
            }
            files += found
            unreadable += problems.map { Input(path: $0.path, format: nil, problem: $0.reason) }
        }
        // Files of a WFDB record (same folder, named after a .hea's record) belong to that record.
        let records = Set(files.filter { $0.lowercased().hasSuffix(".hea") }.map { String($0.dropLast(4)) })
        var result: [Input] = []
        for file in Set(files).sorted() {
            if !file.lowercased().hasSuffix(".hea"), records.contains(Self.withoutExtension(file)) || Self.extendsRecord(file, records) { continue }
            let head = (try? FileBytes.head(file, count: 544)) ?? []
            result.append(Input(path: file, format: FormatKind.detect(head: head, name: file)))
        }
        return (result + unreadable).sorted { $0.path < $1.path }
    }

    /// The path, as `walk` names its files, of `folder` when it lies inside the walked folder; nil when it lies
    /// elsewhere or does not exist yet (compared by their real paths, so `./a/out` and `/abs/a/out` match).
    /// - Throws: when `folder` is the walked folder itself.
    private static func folder(_ folder: String, inside walk: FolderWalk) throws -> String? {
        guard let inner = FileBytes.canonicalPath(folder), let outer = FileBytes.canonicalPath(walk.root) else { return nil }
        guard inner != outer else {
            throw MedPipeError.invalidArgument(folder, "is an input folder too: the outputs would mix with the inputs; give --out a folder of its own")
        }
        guard FileBytes.canonical(inner, isWithin: outer) else { return nil }
        let relative = String(inner.dropFirst(outer == "/" ? 1 : outer.count + 1))
        return walk.root == "/" ? "/" + relative : walk.root + "/" + relative
    }

    /// `file` without the extension of its last component, spelt as given: `scans/100.dat` → `scans/100` (a relative
    /// path stays relative, as the records' paths it is compared with are; `URL.deletingPathExtension` made it absolute,
    /// so the signal and annotation files of a record under a relative folder were listed as inputs of their own).
    static func withoutExtension(_ file: String) -> String {
        let name = file.lastIndex(of: "/").map { file.index(after: $0) } ?? file.startIndex
        guard let dot = file[name...].lastIndex(of: "."), dot > name else { return file }
        return String(file[..<dot])
    }

    /// True when `file` begins with a record's path and `_` (`100_1.dat` beside `100.hea`). Looks up the path up to
    /// each `_` of `file` instead of trying every record (which, over an archive of 50,000 records and as many other
    /// files, is 2.5 billion comparisons).
    static func extendsRecord(_ file: String, _ records: Set<String>) -> Bool {
        file.indices.contains { file[$0] == "_" && records.contains(String(file[..<$0])) }
    }

    /// Runs over every input with at most `settings.jobs` at once; `progress(done, total)` after each.
    public func run(_ paths: [String], progress: @Sendable @escaping (Int, Int) -> Void = { _, _ in }) async throws -> DeidentificationReport {
        DICOMFile.loadDictionaryInBackground()  // while the inputs are listed (if the caller has not already)
        let inputs = try Self.inputs(paths, output: settings.output)
        try Folder.create(settings.output, what: "output folder")
        let leftovers = try PartialOutputs.removeLeftovers(in: settings.output)
        var outcomes = [FileOutcome?](repeating: nil, count: inputs.count)
        // What each finished input leaves is kept to the end (its outputs wait for the batch scan), so it is made small
        // as it arrives: its identifiers join the batch's set, and its list of touched attributes shares the storage of
        // an equal list kept before (most files of an archive touch the same attributes the same way). Kept whole, with
        // the report's JSON built whole at the end, a DICOM file took about 14 KB to the end: 2.7 GB for 200,000 files.
        var identifiers = IdentifierSet()
        var attributeLists: Set<[TouchedAttribute]> = []
        // Also when --strict stops the run (the group has waited for every job by then): outputs that never
        // got their final names are deleted with their folders.
        defer {
            for outcome in outcomes.compactMap({ $0 }) { for item in outcome.pending { unlink(item.temporary) } }
            names.removeTemporaryFolders()
        }
        try await withThrowingTaskGroup(of: (Int, FileOutcome).self) { group in
            var next = 0
            var done = 0
            func submit() {
                let index = next
                next += 1
                group.addTask { (index, self.process(inputs[index])) }
            }
            while next < min(settings.jobs, inputs.count) { submit() }
            while let (index, outcome) = try await group.next() {
                if settings.strict, outcome.failed {
                    group.cancelAll()
                    let path = inputs[index].path
                    guard let error = outcome.error else { throw MedPipeError.malformed(path, outcome.withheld?.reason ?? "failed") }
                    throw error.subject == path ? error : MedPipeError(error.kind, path, error.description)
                }
                var kept = outcome
                identifiers.formUnion(kept.identifiers)
                kept.identifiers = IdentifierSet()
                if let attributes = kept.report?.attributes { kept.report?.attributes = attributeLists.insert(attributes).memberAfterInsert }
                outcomes[index] = kept
                done += 1
                progress(done, inputs.count)
                if next < inputs.count { submit() }
            }
        }
        let batchScans = batchScan(outcomes, scanner: ResidualScanner(identifiers: identifiers.distinctive()))
        for index in outcomes.indices {
            guard var outcome = outcomes[index] else { continue }
            publish(&outcome, scan: batchScans[index], path: inputs[index].path)
            outcomes[index] = outcome
            if settings.strict, outcome.failed {
                throw MedPipeError.malformed(inputs[index].path, outcome.withheld?.reason ?? "failed")
            }
        }
        var report = DeidentificationReport(options: settings.options, keyFingerprint: pseudonymizer.fingerprint)
        var scanned = 0
        var hits: [ResidualHit] = []
        for outcome in outcomes.compactMap({ $0 }) {
            if let file = outcome.report { report.files.append(file) }
            if let withheld = outcome.withheld { report.withheld.append(withheld) }
            scanned += outcome.scan.scanned
            hits += outcome.scan.hits
        }
        report.residual = ResidualScanResult(scanned: scanned, identifiers: identifiers.count, hits: hits)
        report.failures = outcomes.filter { $0?.failed == true }.count
        report.interruptedRunsRemoved = leftovers > 0 ? leftovers : nil
        return report
    }

    /// De-identifies one input; never throws (failures become withheld entries, with the input's path).
    func process(_ input: Input) -> FileOutcome {
        var outcome = processOrWithhold(input)
        outcome.withheld?.path = input.path
        outcome.withheld?.failed = outcome.failed
        return outcome
    }

    private func processOrWithhold(_ input: Input) -> FileOutcome {
        let source = pseudonymizer.token(input.path, domain: .source)
        do {
            if let problem = input.problem { throw MedPipeError.io(input.path, problem) }
            switch input.format {
            case .dicom: return try processDICOM(input.path, source: source)
            case .nifti: return try processNIfTI(input.path, source: source)
            case .wfdb: return try processWFDB(input.path, source: source)
            case .csv: return try processCSV(input.path, source: source)
            default:
                return FileOutcome(withheld: WithheldFile(source: source, reason: "skipped: " + (input.format.map { "\($0.rawValue) files are not de-identified" } ?? "not a format MedPipe reads") + " (DICOM, NIfTI, WFDB and CSV are)"))
            }
        } catch {
            return FileOutcome(withheld: WithheldFile(source: source, reason: "error: \(Self.describe(error, source: input.path, as: source))"),
                               failed: true, error: error as? MedPipeError ?? .malformed(input.path, "\(error)"))
        }
    }

    /// An error's text with the input's path replaced by its token (paths can name patients).
    static func describe(_ error: Error, source path: String, as token: String) -> String {
        String(describing: error).replacingOccurrences(of: path, with: token)
    }

    /// A temporary path in a hidden folder of the output folder that belongs to the calling thread and
    /// this process (the folder is made on first use and removed at the end of the run). Each job thus
    /// creates its files in a folder of its own: creating files in one folder is serialized by the
    /// folder's lock, and on some file systems creating a file is slow (ext4 without a journal looks
    /// past every inode deleted in the last minutes).
    func temporaryPath(_ suffix: String) throws -> String {
        let folder = PartialOutputs.folder(in: settings.output)
        try names.temporaryFolder(folder)
        return folder + "/\(TemporaryNumbers.next())" + suffix
    }

    /// Writes `bytes` to a new file at a `temporaryPath` and returns that path (nothing is left behind on error).
    func writeTemporary(_ bytes: UnsafeRawBufferPointer, suffix: String) throws -> String {
        try createTemporary(suffix) { fd, path in try Self.write(bytes, to: fd, path: path) }
    }

    /// Copies the file at `source` to a new file at a `temporaryPath` and returns that path (nothing is left behind on
    /// error). A FIFO, socket or device under the name is refused (``FileBytes/openRegularFile(_:)``), never waited on.
    func copyTemporary(_ source: String, suffix: String) throws -> String {
        let (input, _) = try FileBytes.openRegularFile(source)
        defer { close(input) }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        return try createTemporary(suffix) { fd, path in
            try buffer.withUnsafeMutableBytes { chunk in
                while true {
                    let n = Glibc.read(input, chunk.baseAddress, chunk.count)
                    if n < 0 && errno == EINTR { continue }
                    guard n >= 0 else { throw MedPipeError.io(source, "cannot be read: \(String(cString: strerror(errno)))") }
                    if n == 0 { return }
                    try Self.write(UnsafeRawBufferPointer(rebasing: chunk[0..<n]), to: fd, path: path)
                }
            }
        }
    }

    /// Creates a new file at a `temporaryPath`, has `fill` write it (given its descriptor and path) and returns the path;
    /// when `fill` throws or the file cannot be closed, the file is removed.
    func createTemporary(_ suffix: String, fill: (_ fd: Int32, _ path: String) throws -> Void) throws -> String {
        let path = try temporaryPath(suffix)
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        guard fd >= 0 else { throw MedPipeError.io(path, "cannot create: \(String(cString: strerror(errno)))") }
        do {
            try fill(fd, path)
        } catch {
            close(fd)
            unlink(path)
            throw error
        }
        guard close(fd) == 0 else {
            let failure = errno
            unlink(path)
            throw MedPipeError.io(path, "cannot write: \(String(cString: strerror(failure)))")
        }
        return path
    }

    /// Writes all of `bytes` to `fd`, the file at `path`.
    static func write(_ bytes: UnsafeRawBufferPointer, to fd: Int32, path: String) throws {
        var done = 0
        while done < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw MedPipeError.io(path, "cannot write: " + (n < 0 ? String(cString: strerror(errno)) : "no progress")) }
            done += n
        }
    }

    /// Keeps the scanned temporary outputs for the batch scan (`regions` gives each one's text, by default
    /// all of it), or deletes them and withholds.
    func keep(_ temporaries: [(temporary: String, final: String)], regions: [ScanRegion]? = nil, scan: OutputScan,
              identifiers: IdentifierSet, report: FileReport, source: String) throws -> FileOutcome {
        var outcome = FileOutcome(scan: scan, identifiers: identifiers)
        guard scan.passed else {
            for item in temporaries { try? FileManager.default.removeItem(atPath: item.temporary) }
            outcome.withheld = WithheldFile(source: source, reason: Self.reason(scan))
            outcome.failed = true
            return outcome
        }
        for item in temporaries {
            guard names.claim(item.final) else {
                for other in temporaries { try? FileManager.default.removeItem(atPath: other.temporary) }
                outcome.withheld = WithheldFile(source: source, reason: "another input already produced \(item.final) (a duplicate)")
                return outcome
            }
        }
        outcome.pending = temporaries.enumerated().map { index, item in
            PendingOutput(temporary: item.temporary, final: item.final, region: regions?[index] ?? .whole)
        }
        outcome.report = report
        return outcome
    }

    /// Why a scan forbids keeping an output.
    private static func reason(_ scan: OutputScan, prefix: String = "residual scan") -> String {
        var reasons: [String] = []
        if !scan.hits.isEmpty {
            let kinds = Set(scan.hits.map(\.kind.rawValue)).sorted().joined(separator: ", ")
            reasons.append("\(prefix): \(scan.hits.count) identifying value(s) (\(kinds)) at \(Set(scan.hits.map(\.location)).sorted().prefix(5).joined(separator: "; "))")
        }
        return (reasons + scan.problems.prefix(5)).joined(separator: "; ")
    }

    /// Scans every input's pending outputs for the identifying values of the whole batch, `settings.jobs` inputs
    /// at a time; nil for an input with none.
    private func batchScan(_ outcomes: [FileOutcome?], scanner: ResidualScanner) -> [Result<OutputScan, Error>?] {
        let jobs = min(settings.jobs, outcomes.count)
        var scans = [Result<OutputScan, Error>?](repeating: nil, count: outcomes.count)
        scans.withUnsafeMutableBufferPointer { slots in
            concurrentForEach(jobs) { job in
                for index in stride(from: job, to: outcomes.count, by: jobs) {
                    guard let pending = outcomes[index]?.pending, !pending.isEmpty else { continue }
                    slots[index] = Result {
                        var scan = OutputScan()
                        for item in pending { scan.merge(try OutputScan.region(item, scanner: scanner)) }
                        return scan
                    }
                }
            }
        }
        return scans
    }

    /// Gives an input's pending outputs their final names if their batch scan (``batchScan(_:scanner:)``) passed;
    /// on a hit or an error they are deleted and the input is withheld.
    private func publish(_ outcome: inout FileOutcome, scan batchScan: Result<OutputScan, Error>?, path: String) {
        let pending = outcome.pending
        guard !pending.isEmpty, let batchScan else { return }
        outcome.pending = []
        func withhold(_ reason: String) {
            for item in pending { unlink(item.temporary) }
            outcome.withheld = WithheldFile(source: outcome.report?.source ?? "", reason: reason, path: path, failed: true)
            outcome.report = nil
            outcome.failed = true
        }
        do {
            let scan = try batchScan.get()
            outcome.scan.merge(scan)
            guard scan.passed else { return withhold(Self.reason(scan, prefix: "residual scan across the batch (values of other inputs)")) }
            for item in pending {
                let destination = settings.output + "/" + item.final
                if let slash = item.final.lastIndex(of: "/") { try names.ensureFolder(settings.output + "/" + item.final[..<slash]) }
                guard rename(item.temporary, destination) == 0 else {
                    throw MedPipeError.io(destination, "cannot move the scanned output into place: \(String(cString: strerror(errno)))")
                }
            }
        } catch {
            withhold("error: \(error)")
        }
    }

    private func processDICOM(_ path: String, source: String) throws -> FileOutcome {
        let deidentifier = DICOMDeidentifier(options: settings.options, pseudonymizer: pseudonymizer, burnedInText: settings.burnedInText)
        switch try deidentifier.deidentify(path) {
        case .withheld(let reason):
            return FileOutcome(withheld: WithheldFile(source: source, reason: reason))
        case .deidentified(let result):
            let name = result.patientToken + "/" + (result.sopInstanceUID.isEmpty ? source : result.sopInstanceUID) + ".dcm"
            let scan = try OutputScan.dicom(result.file, output: result.output, name: name, scanner: ResidualScanner(identifiers: result.identifiers))
            let report = FileReport(source: source, output: name, format: "dicom", attributes: result.touched)
            // Only an output that passed the scan is written (then renamed into place by `keep`).
            let temporary = scan.passed ? try result.output.withUnsafeBytes { try writeTemporary($0, suffix: ".dcm") } : nil
            let region = result.output.pixelData.map { ScanRegion.outside(offset: $0.offset, length: $0.length) } ?? .whole
            return try keep(temporary.map { [($0, name)] } ?? [], regions: [region], scan: scan, identifiers: result.identifiers,
                            report: report, source: source)
        }
    }
}

/// Numbers for temporary file names, never repeated in the process.
private enum TemporaryNumbers {
    private static let lock = NSLock()
    // Safety: touched only under `lock`.
    nonisolated(unsafe) private static var last = 0

    static func next() -> Int {
        lock.lock()
        defer { lock.unlock() }
        last += 1
        return last
    }
}

/// Final output names claimed so far in a run (two inputs must not overwrite each other).
final class NameRegistry: @unchecked Sendable {
    // Safety: the stored properties are touched only under `lock`.
    private let lock = NSLock()
    private var names: Set<String> = []
    private var folders: Set<String> = []
    private var temporaryFolders: [String] = []

    func claim(_ name: String) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return names.insert(name).inserted
    }

    /// Creates an output folder the first time it is named (under the lock, so no output is moved
    /// into a folder another job is still creating).
    func ensureFolder(_ folder: String) throws { try ensure(folder, temporary: false) }

    /// `ensureFolder` for a folder of temporary files, which `removeTemporaryFolders` removes.
    func temporaryFolder(_ folder: String) throws { try ensure(folder, temporary: true) }

    private func ensure(_ folder: String, temporary: Bool) throws {
        lock.lock()
        defer { lock.unlock() }
        guard !folders.contains(folder) else { return }
        if temporary { Interruption.removeOnInterrupt(folder) }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        folders.insert(folder)
        if temporary { temporaryFolders.append(folder) }
    }

    /// Removes the folders of temporary files (empty once every output is renamed or deleted).
    func removeTemporaryFolders() {
        lock.lock()
        defer { lock.unlock() }
        for folder in temporaryFolders {
            rmdir(folder)
            Interruption.keep(folder)
        }
        temporaryFolders.removeAll()
    }
}
