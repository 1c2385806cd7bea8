/// A writer of one file (or one folder of files) per sample.
public protocol SampleWriter: Sendable {
    /// Writes `sample` into `directory` (which exists); returns the paths written.
    func write(_ sample: ExportSample, into directory: String) throws -> [String]
}
