import MedPipeCore

/// Reads any supported input into records, choosing the reader from the detected format.
public enum RecordReading {
    /// Reads the file or directory at `path`: one record per file, series, record or image.
    public static func read(_ path: String, options: ReadOptions = ReadOptions()) throws -> [Record] {
        try read(path, as: try FormatKind.detect(path), options: options)
    }

    /// Reads the file or directory at `path`, already detected as `kind`.
    private static func read(_ path: String, as kind: FormatKind, options: ReadOptions) throws -> [Record] {
        switch kind {
        case .nifti: return [try NIfTIReader().read(path)]
        case .csv: return [try CSVReader().read(path).record()]
        case .dicom: return [try DICOMFileReader().read(path)]
        case .dicomSeries: return try DICOMSeriesReader().read(path)
        case .wfdb: return [try WFDBReader(options: options).read(path)]
        case .idx: return [try IDXReader().read(path)]
        case .npy: return [try NPYReader().read(path)]
        case .npz: return try NPZReader().records(path)
        case .png: return [try PNGReader().read(path)]
        case .pngFolder: return try PNGFolderReader().read(path)
        case .ferCSV: return try FERDataset.load(path).records()
        }
    }

    /// Reads the file or directory at `path` as ``forEachRecord(_:options:_:)`` does, but writes its array to the `.npy`
    /// file `array` as it is decoded, instead of holding it, where the reader can: a WFDB record
    /// (``WFDBReader/read(_:arrayTo:)``) or a DICOM folder of one volume
    /// (``DICOMSeriesReader/forEachSeries(_:streamingOneVolumeTo:_:)``). Any other input's records go to `body`, and
    /// nothing is written.
    public static func read(_ path: String, options: ReadOptions = ReadOptions(), arrayTo array: String,
                            otherwise body: (Record) throws -> Void) throws -> ArrayRead {
        switch try FormatKind.detect(path) {
        case .wfdb:
            if let streamed = try WFDBReader(options: options).read(path, arrayTo: array) { return .streamed(streamed) }
        case .dicomSeries: return try DICOMSeriesReader().forEachSeries(path, streamingOneVolumeTo: array, body)
        default: break
        }
        return .records(lateWarnings: try forEachRecord(path, options: options, body))
    }

    /// Calls `body` with each record of the file or directory at `path`, as ``read(_:options:)`` reads them, but a
    /// directory of DICOM series one series at a time (``DICOMSeriesReader/forEachSeries(_:_:)``), so that an
    /// archive needs the memory of its largest series. Returns the warnings known only once every record was read
    /// (series that could not be assembled).
    public static func forEachRecord(_ path: String, options: ReadOptions = ReadOptions(), _ body: (Record) throws -> Void) throws -> [String] {
        let kind = try FormatKind.detect(path)
        if kind == .dicomSeries { return try DICOMSeriesReader().forEachSeries(path, body) }
        for record in try read(path, as: kind, options: options) { try body(record) }
        return []
    }
}
