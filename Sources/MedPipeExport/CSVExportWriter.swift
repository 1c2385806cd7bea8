import Foundation
import MedPipeCore
import MedPipeFormats

/// Writes the table rows of each split as `SPLIT.csv`: a header with the feature names (the
/// cache's `columns`, else `f0`, `f1`, ...) and `label`, then one line per sample. Values are
/// written in their shortest exact form (a float32 reads back to the same float32), integers as
/// integers; RFC 4180 quoting where a name or label needs it.
public final class CSVExportWriter: SplitWriter {
    private var path = ""
    /// The split's file under a temporary name until ``finish()``: an export that fails on the way leaves `path` as it was.
    private var staged: AtomicFile.Staged?
    private var handle: FileHandle?
    private var columns: [String]?
    private var buffer = ""

    public init() {}

    public func begin(split: String, count: Int, into directory: String) throws {
        precondition(handle == nil, "the previous split has not finished")
        path = directory + "/" + split + ".csv"
        columns = nil
        buffer = ""
    }

    public func add(_ sample: ExportSample) throws {
        guard sample.kind == .table else {
            throw MedPipeError.unsupported(sample.name, "CSV export holds table rows (one feature vector per sample), not a \(sample.kind?.description ?? "tensor") of shape \(sample.tensor.shape)")
        }
        let count = sample.tensor.count
        var names = (0..<count).map { "f\($0)" }
        if case .strings(let given)? = sample.metadata["columns"], given.count == count { names = given }
        if let columns {
            guard columns == names else {
                throw MedPipeError.invalidArgument(sample.name, "CSV holds one set of columns per split: this sample has \(names.count) columns (\(names.prefix(4).joined(separator: ", "))...), the first had \(columns.count)")
            }
        } else {
            columns = names
            let staged = try AtomicFile.Staged(path)
            self.staged = staged
            handle = FileHandle(fileDescriptor: staged.descriptor, closeOnDealloc: false)
            var label = "label"
            while names.contains(label) { label += "_" }
            buffer += (names + [label]).map(CSVField.quoted).joined(separator: ",") + "\r\n"
        }
        buffer += Self.values(sample.tensor).joined(separator: ",") + "," + CSVField.quoted(sample.label ?? "") + "\r\n"
        if buffer.utf8.count >= 1 << 20 { try flush() }
    }

    public func finish() throws -> String? {
        guard let staged else { return nil }
        try flush()
        try staged.commit(durable: false)
        (self.staged, handle) = (nil, nil)
        return path
    }

    private func flush() throws {
        do { try handle?.write(contentsOf: Data(buffer.utf8)) } catch { throw MedPipeError.io(path, "cannot write: \(error.localizedDescription)") }
        buffer = ""
    }

    /// Each value in its shortest round-trip text.
    static func values(_ tensor: Tensor) -> [String] {
        switch tensor.dtype {
        case .float32: tensor.values(as: Float.self).map { "\($0)" }
        case .float64: tensor.values(as: Double.self).map { "\($0)" }
        default: tensor.doubleValues().map { String(Int64($0)) }
        }
    }
}
