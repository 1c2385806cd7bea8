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
        if !failures.isEmpty { for i in records.indices { records[i].warnings += failures } }
        return records
    }

    /// Reads the series below `directory` one at a time, calling `body` with each record before the next series is
    /// decoded, so that an archive of many series needs the memory of its largest one, not of all of them. Each
    /// record's warnings name the files skipped; the series that could not be assembled are returned as warnings,
    /// as they are known only once every series was tried.
    /// - Throws: ``MedPipeError`` when the directory holds no readable DICOM image, or no series can be
    ///   assembled (naming the file at fault), and what `body` throws.
    public func forEachSeries(_ directory: String, _ body: (Record) throws -> Void) throws -> [String] {
        let (found, order, skipped) = try series(below: directory)
        var groups = found
        // A series that cannot be assembled is reported on the others; the read fails only when none can.
        var read = 0
        var failures: [String] = []
        var firstFailure: Error?
        for key in order {
            let assembled: [Record]
            do {
                assembled = try DICOMSeriesAssembly(directory: directory, slices: groups.removeValue(forKey: key)!).records()
            } catch {
                firstFailure = firstFailure ?? error
                failures.append("series \(key.isEmpty ? "without SeriesInstanceUID" : key) not read: \(error)")
                continue
            }
            for var record in assembled {
                record.warnings += skipped
                try body(record)
                read += 1
            }
        }
        if read == 0, let firstFailure { throw firstFailure }
        return failures
    }

    /// The image files below `directory`, parsed (pixel data left on disk) and grouped by SeriesInstanceUID: the
    /// groups, their keys in the order of their first file, and one warning per file skipped.
    private func series(below directory: String) throws -> (groups: [String: [DICOMSlice]], order: [String], skipped: [String]) {
        let walk = try Self.walk(directory)
        let paths = walk.files
        var skipped = walk.problems.map { "skipped \($0.path): \($0.reason)" }
        let keep = paths.count <= keptParses
        let opened = Self.parallelMap(paths) { path -> Result<DICOMSlice, Error> in
            Result { try DICOMSlice(path: path, keep: keep) }
        }
        var groups: [String: [DICOMSlice]] = [:]
        var order: [String] = []
        for (path, result) in zip(paths, opened) {
            switch result {
            case .success(let slice) where slice.header.rows != nil && slice.header.columns != nil:
                let key = slice.header.seriesInstanceUID ?? ""
                if groups[key] == nil { order.append(key) }
                groups[key, default: []].append(slice)
            case .success: skipped.append("skipped \(path): no image (Rows/Columns absent)")
            case .failure(let error): skipped.append("skipped \(path): \((error as? MedPipeError)?.message ?? "\(error)")")
            }
        }
        guard !groups.isEmpty else {
            throw MedPipeError.malformed(directory, "no readable DICOM image among \(paths.count) files" +
                                         (skipped.first.map { " (first problem: \($0))" } ?? ""))
        }
        return (groups, order, skipped)
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
