import Foundation
import MedPipeCore

/// Reads a directory of DICOM files (recursively) into one record per series.
///
/// Files are grouped by SeriesInstanceUID and stacked into a `(slices, rows, cols)` volume sorted by
/// Image Position (Patient) projected on the slice normal (row cosines × column cosines), never by
/// InstanceNumber alone. Values follow pydicom's `apply_modality_lut` per slice: the stored integer type,
/// or float64 when any slice has Rescale Slope and Intercept. Files are parsed and decoded in parallel;
/// pixel data is decoded straight into the volume. Non-DICOM files are skipped with a warning.
public struct DICOMSeriesReader: Sendable {
    /// Up to this many files below a folder, each file's parse (30–80 KB of DCMTK's elements) is kept until its series
    /// is decoded; past it, each file is parsed again then, so that the headers of an archive of 100,000 files take
    /// a few hundred MB rather than several GB.
    public var keptParses: Int

    public init(keptParses: Int = 2_000) {
        self.keptParses = keptParses
    }

    /// Reads every series below `directory`.
    /// - Throws: ``MedPipeError`` when the directory holds no readable DICOM image, or no series can be
    ///   assembled (naming the file at fault). A series that fails while others succeed becomes a warning.
    public func read(_ directory: String) throws -> [Record] {
        var records: [Record] = []
        let failures = try forEachSeries(directory) { records.append($0) }
        if !records.isEmpty { records[0].warnings += failures }   // told once, as the files skipped are
        return records
    }

    /// Reads the series below `directory` one at a time, calling `body` with each record before the next series is
    /// decoded, so that an archive of many series needs the memory of its largest one, not of all of them. The first
    /// record's warnings name the files skipped; the series that could not be assembled are returned as warnings,
    /// as they are known only once every series was tried.
    /// - Throws: ``MedPipeError`` when the directory holds no readable DICOM image, or no series can be
    ///   assembled (naming the file at fault), and what `body` throws.
    public func forEachSeries(_ directory: String, _ body: (Record) throws -> Void) throws -> [String] {
        let walk = try Self.walk(directory)
        var found = try series(of: walk.files, in: directory, keep: walk.files.count <= keptParses, skipped: Self.problems(walk))
        return try assemble(&found, in: directory, body)
    }

    /// Reads the series below `directory` as ``forEachSeries(_:_:)`` does, except when they are one volume: that is
    /// written to the `.npy` file `array` slice by slice as the workers decode them, never held whole, and returned
    /// (``DICOMSeriesAssembly/streamedVolume(to:)``), `body` not called. Otherwise `body` gets each record, nothing
    /// is written, and the late warnings are returned.
    public func forEachSeries(_ directory: String, streamingOneVolumeTo array: String,
                              _ body: (Record) throws -> Void) throws -> ArrayRead {
        let walk = try Self.walk(directory)
        var found = try series(of: walk.files, in: directory, keep: walk.files.count <= keptParses, skipped: Self.problems(walk))
        if found.order.count == 1, var streamed = try DICOMSeriesAssembly(directory: directory, slices: found.groups[found.order[0]]!).streamedVolume(to: array) {
            streamed.record.warnings += found.skipped
            return .streamed(streamed)
        }
        return .records(lateWarnings: try assemble(&found, in: directory, body))
    }

    /// The image files of one series, as ``list(_:)`` finds them below a folder: what `convert` makes one unit of.
    public struct SeriesFiles: Sendable, Equatable {
        /// The deepest folder holding all of them (the series' own folder in an archive's patient/study/series
        /// layout; the folder listed when a folder holds several series side by side).
        public var folder: String
        /// Their paths, sorted.
        public var files: [String]
        /// The files of the folder skipped while listing that are no image (a DICOMDIR, a report) or could not be
        /// walked, as warnings given to the first series' records, so that they are told when it is read.
        public var skipped: [String] = []
        /// The files of the folder that are not DICOM or are malformed (truncated), with the problem, on the first
        /// series: `convert` rejects them as sources of their own; a read of the series warns of them.
        public var unreadable: [(path: String, reason: String)] = []

        public static func == (a: SeriesFiles, b: SeriesFiles) -> Bool {
            a.folder == b.folder && a.files == b.files && a.skipped == b.skipped
                && a.unreadable.map(\.path) == b.unreadable.map(\.path) && a.unreadable.map(\.reason) == b.unreadable.map(\.reason)
        }
    }

    /// The series below `directory`, each with its files, found from the files' headers without decoding any pixel,
    /// in the order of their first file; the files skipped are the first series' ``SeriesFiles/skipped`` and
    /// ``SeriesFiles/unreadable``. `progress`
    /// is called after each file is parsed, from the workers. A file that `memo` remembers unchanged is not parsed.
    /// - Throws: ``MedPipeError`` when the directory holds no readable DICOM image.
    public func list(_ directory: String, memo: (any DICOMListingMemo)? = nil, progress: (@Sendable () -> Void)? = nil) throws -> [SeriesFiles] {
        let walk = try Self.walk(directory)
        var skipped = Self.problems(walk)
        let listings = Self.parallelMap(walk.files) { path -> Result<String, Error> in
            let parse = { () throws -> String in
                defer { progress?() }
                let header: DICOMHeader
                do {
                    header = try DICOMSlice(path: path, keep: false).header
                } catch let error as MedPipeError where error.kind == .malformed || error.kind == .unsupported {
                    return Self.unreadable + error.message   // what the bytes are, not a failure to read them: remembered
                }
                guard header.rows != nil, header.columns != nil else { return Self.notAnImage }
                let series = header.seriesInstanceUID ?? ""
                return Self.image + (memo?.name(ofSeries: series) ?? series)
            }
            return Result { try memo?.listing(of: path, current: { $0.hasPrefix(Self.findingFormat) }, parse: parse) ?? parse() }
        }
        var groups: [String: [String]] = [:]
        var order: [String] = []
        var unreadable: [(path: String, reason: String)] = []
        for (path, listing) in zip(walk.files, listings) {
            switch listing {
            case .success(Self.notAnImage): skipped.append(Self.notAnImageWarning(path))
            case .success(let problem) where problem.hasPrefix(Self.unreadable):
                unreadable.append((path, String(problem.dropFirst(Self.unreadable.count))))
            case .success(let key):
                if groups[key] == nil { order.append(key) }
                groups[key, default: []].append(path)
            case .failure(let error):
                _ = try Self.skipWarning(path, error)   // rethrows an I/O error
                unreadable.append((path, (error as? MedPipeError)?.message ?? "\(error)"))
            }
        }
        guard !groups.isEmpty else {
            throw Self.noImage(in: directory, among: walk.files.count, skipped: unreadable.map { "skipped \($0.path): \($0.reason)" } + skipped)
        }
        return order.enumerated().map { i, key in
            let files = groups[key]!
            return SeriesFiles(folder: Self.commonFolder(of: files, within: directory), files: files, skipped: i == 0 ? skipped : [],
                               unreadable: i == 0 ? unreadable : [])
        }
    }

    /// Begins every finding of ``list(_:memo:progress:)``; it changes whenever what a finding means changes, so that
    /// a finding remembered by another medpipe is found again rather than misread.
    private static let findingFormat = "listing 1: "
    /// What ``list(_:memo:progress:)`` finds in a DICOM image, before its series (as the memo names it).
    private static let image = findingFormat + "image "
    /// What ``list(_:memo:progress:)`` finds in a DICOM file without Rows or Columns (a DICOMDIR, a report).
    private static let notAnImage = findingFormat + "not an image"
    /// What ``list(_:memo:progress:)`` finds in a file that is not DICOM or is malformed, before the problem.
    private static let unreadable = findingFormat + "unreadable: "

    /// The records of one series that ``list(_:)`` found (one, or one per multi-frame file or pixel layout), their
    /// source the series' folder.
    /// - Throws: ``MedPipeError`` when no file of the series is a readable image, or it cannot be assembled.
    public func read(_ series: SeriesFiles) throws -> [Record] {
        var records: [Record] = []
        var found = try self.series(of: series.files, in: series.folder, keep: series.files.count <= keptParses,
                                    skipped: series.unreadable.map { "skipped \($0.path): \($0.reason)" } + series.skipped)
        let failures = try assemble(&found, in: series.folder) { records.append($0) }
        if !failures.isEmpty { for i in records.indices { records[i].warnings += failures } }
        return records
    }

    /// Files parsed and grouped by ``series(of:in:keep:skipped:)``.
    private struct Found {
        var groups: [String: [DICOMSlice]]
        /// The groups' keys, in the order of their first file.
        var order: [String]
        /// One warning per file skipped.
        var skipped: [String]
    }

    /// Assembles each series of `found` in turn, letting its files go, and calls `body` with its records, the first of
    /// them warned of the files skipped (each record of a folder of many series repeated every skipped file's
    /// warning); returns the series that could not be assembled, as warnings (it throws the first failure when none
    /// could).
    private func assemble(_ found: inout Found, in directory: String, _ body: (Record) throws -> Void) throws -> [String] {
        // A series that cannot be assembled is reported on the others; the read fails only when none can.
        var read = 0
        var failures: [String] = []
        var firstFailure: Error?
        var skipped = found.skipped   // told once
        for key in found.order {
            let assembled: [Record]
            do {
                assembled = try DICOMSeriesAssembly(directory: directory, slices: found.groups.removeValue(forKey: key)!).records()
            } catch {
                firstFailure = firstFailure ?? error
                failures.append("series \(key.isEmpty ? "without SeriesInstanceUID" : key) not read: \(error)")
                continue
            }
            for var record in assembled {
                record.warnings += skipped
                skipped = []
                try body(record)
                read += 1
            }
        }
        if read == 0, let firstFailure { throw firstFailure }
        return failures
    }

    /// The image files among `paths`, parsed (pixel data left on disk, the parse kept for decoding when `keep`) and
    /// grouped by SeriesInstanceUID; the files skipped follow those `skipped` already.
    /// - Throws: ``MedPipeError`` naming `directory` when none is a readable image.
    private func series(of paths: [String], in directory: String, keep: Bool, skipped: [String] = []) throws -> Found {
        var skipped = skipped
        let opened = Self.parallelMap(paths) { path in Result { try DICOMSlice(path: path, keep: keep) } }
        var groups: [String: [DICOMSlice]] = [:]
        var order: [String] = []
        for (path, result) in zip(paths, opened) {
            switch result {
            case .success(let slice) where slice.header.rows != nil && slice.header.columns != nil:
                let key = slice.header.seriesInstanceUID ?? ""
                if groups[key] == nil { order.append(key) }
                groups[key, default: []].append(slice)
            case .success: skipped.append(Self.notAnImageWarning(path))
            case .failure(let error): skipped.append(try Self.skipWarning(path, error))
            }
        }
        guard !groups.isEmpty else { throw Self.noImage(in: directory, among: paths.count, skipped: skipped) }
        return Found(groups: groups, order: order, skipped: skipped)
    }

    /// The warning for a DICOM file without Rows or Columns.
    private static func notAnImageWarning(_ path: String) -> String { "skipped \(path): no image (Rows/Columns absent)" }

    /// The warning for a file that could not be parsed.
    /// A file that could not be read (an I/O error, not bytes that are no readable image) is rethrown instead: which
    /// series it belongs to is unknown, and a series must not be assembled without one of its slices.
    private static func skipWarning(_ path: String, _ error: Error) throws -> String {
        if let error = error as? MedPipeError, error.kind == .io { throw error }
        return "skipped \(path): \((error as? MedPipeError)?.message ?? "\(error)")"
    }

    /// The error for a folder of `count` files none of which is a readable DICOM image.
    private static func noImage(in directory: String, among count: Int, skipped: [String]) -> MedPipeError {
        MedPipeError.malformed(directory, "no readable DICOM image among \(count) files" + (skipped.first.map { " (first problem: \($0))" } ?? ""))
    }

    /// What a folder walk could not walk, as warnings.
    private static func problems(_ walk: FolderWalk) -> [String] {
        walk.problems.map { "skipped \($0.path): \($0.reason)" }
    }

    /// The deepest folder within `directory` (or `directory` itself) that holds every one of `files`.
    private static func commonFolder(of files: [String], within directory: String) -> String {
        var common = files.first.map { ($0 as NSString).deletingLastPathComponent } ?? directory
        for file in files.dropFirst() {
            while common.count > directory.count, !file.hasPrefix(common + "/") { common = (common as NSString).deletingLastPathComponent }
        }
        return common.count < directory.count ? directory : common
    }

    /// The files below `directory` (``FolderWalk``).
    private static func walk(_ directory: String) throws -> FolderWalk {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw MedPipeError.io(directory, "no such directory")
        }
        return try FolderWalk(directory)
    }

    /// `transform` applied to every element on all cores, results in input order.
    static func parallelMap<T, R>(_ items: [T], _ transform: (T) -> R) -> [R] {
        guard !items.isEmpty else { return [] }
        let results = UnsafeMutableBufferPointer<R>.allocate(capacity: items.count)
        defer { results.deallocate() }
        items.withUnsafeBufferPointer { input in
            concurrentForEach(items.count) { i in (results.baseAddress! + i).initialize(to: transform(input[i])) }
        }
        let array = Array(results)
        _ = results.deinitialize()
        return array
    }
}

/// One image file of a series: its path, its header, and its parse (pixel data still on disk) unless it was let go.
struct DICOMSlice: @unchecked Sendable {
    let path: String
    let header: DICOMHeader
    private let parsed: DICOMFile?

    /// Parses the file at `path`, keeping the parse for decoding unless `keep` is false (``file()`` then parses the
    /// file again).
    init(path: String, keep: Bool) throws {
        let file = try DICOMFile(path: path)
        self.path = path
        header = try DICOMHeader(file)
        parsed = keep ? file : nil
    }

    /// The parsed file, for its pixel data.
    func file() throws -> DICOMFile { try parsed ?? DICOMFile(path: path) }
}

/// Remembers, from one run to the next, what ``DICOMSeriesReader/list(_:memo:progress:)`` found in each file, so that a
/// file unchanged since is not parsed again (`convert` keeps it in the cache, ``SourceFileStates``).
public protocol DICOMListingMemo: Sendable {
    /// What listing finds in the file at `path`: the remembered finding, when the file is unchanged since and
    /// `current` accepts it (it was made by this reader), else `parse()`'s, remembered when it succeeds.
    func listing(of path: String, current: (String) -> Bool, parse: () throws -> String) throws -> String
    /// How a SeriesInstanceUID is remembered (a keyed pseudonym where the memo is stored with de-identified data).
    func name(ofSeries uid: String) -> String
}
