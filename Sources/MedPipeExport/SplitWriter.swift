/// A writer of one file per split (CSV, npz): the exporter feeds it the samples of one split at a time.
public protocol SplitWriter: AnyObject {
    /// Starts the file of `split` in `directory`; exactly `count` samples follow.
    func begin(split: String, count: Int, into directory: String) throws
    /// Adds the next sample of the current split.
    func add(_ sample: ExportSample) throws
    /// Ends the current split's file; returns its path (nil when the split had no sample).
    func finish() throws -> String?
}
