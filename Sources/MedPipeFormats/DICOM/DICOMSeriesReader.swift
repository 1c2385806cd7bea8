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
    public init() {}

    /// Reads every series below `directory`.
    /// - Throws: ``MedPipeError`` when the directory holds no readable DICOM image, or no series can be
    ///   assembled (naming the file at fault). A series that fails while others succeed becomes a warning.
    public func read(_ directory: String) throws -> [Record] {
        let walk = try Self.walk(directory)
        let paths = walk.files
        var skipped = walk.problems.map { "skipped \($0.path): \($0.reason)" }
        let opened = Self.parallelMap(paths) { path -> Result<DICOMSlice, Error> in
            Result { try DICOMSlice(path: path) }
        }
        var slices: [DICOMSlice] = []
        for (path, result) in zip(paths, opened) {
            switch result {
            case .success(let slice) where slice.header.rows != nil && slice.header.columns != nil: slices.append(slice)
            case .success: skipped.append("skipped \(path): no image (Rows/Columns absent)")
            case .failure(let error): skipped.append("skipped \(path): \((error as? MedPipeError)?.message ?? "\(error)")")
            }
        }
        guard !slices.isEmpty else {
            throw MedPipeError.malformed(directory, "no readable DICOM image among \(paths.count) files" +
                                         (skipped.first.map { " (first problem: \($0))" } ?? ""))
        }
        var groups: [String: [DICOMSlice]] = [:]
        var order: [String] = []
        for slice in slices {
            let key = slice.header.seriesInstanceUID ?? ""
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(slice)
        }
        // A series that cannot be assembled is reported on the others; the read fails only when none can.
        var records: [Record] = []
        var firstFailure: Error?
        for key in order {
            do {
                records += try DICOMSeriesAssembly(directory: directory, slices: groups[key]!).records()
            } catch {
                firstFailure = firstFailure ?? error
                skipped.append("series \(key.isEmpty ? "without SeriesInstanceUID" : key) not read: \(error)")
            }
        }
        if records.isEmpty, let firstFailure { throw firstFailure }
        if !skipped.isEmpty { for i in records.indices { records[i].warnings += skipped } }
        return records
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

/// One parsed file of a series: its open handle (pixel data still on disk) and header.
struct DICOMSlice: @unchecked Sendable {
    let file: DICOMFile
    let header: DICOMHeader

    init(path: String) throws {
        file = try DICOMFile(path: path)
        header = try DICOMHeader(file)
    }
}
