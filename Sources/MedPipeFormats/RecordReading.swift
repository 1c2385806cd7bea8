import MedPipeCore

/// Reads any supported input into records, choosing the reader from the detected format.
public enum RecordReading {
    /// Reads the file or directory at `path`: one record per file, series, record or image.
    public static func read(_ path: String, options: ReadOptions = ReadOptions()) throws -> [Record] {
        let kind = try FormatKind.detect(path)
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
}
