import Foundation
import MedPipeCore
import MedPipeFormats

/// Writes each split as `SPLIT.npz`, a stored zip of `.npy` members that `numpy.load` reads:
/// `x` (count, ...sample shape) in the cache's dtype and `y`, int64 class indices (−1 without a
/// label) into the class names, which ``writeClassNames(into:)`` writes as `classes.txt`, one per
/// line (plain numeric arrays keep the archive readable by every npz reader, ours included).
/// The samples are streamed to the archive, so memory does not grow with the split; every sample
/// of a split must have one shape and dtype.
public final class NPZExportWriter: SplitWriter {
    /// Class names in the order `y` indexes them.
    public let classNames: [String]
    private var split = "", directory = "", count = 0
    private var zip: StoredZipWriter?
    private var first: (shape: [Int], dtype: DType)?
    private var labels: [Int64] = []

    public init(classNames: [String]) {
        self.classNames = classNames
    }

    public func begin(split: String, count: Int, into directory: String) throws {
        precondition(zip == nil, "the previous split has not finished")
        (self.split, self.directory, self.count) = (split, directory, count)
        first = nil
        labels = []
    }

    public func add(_ sample: ExportSample) throws {
        let tensor = sample.tensor
        if let first {
            guard tensor.shape == first.shape, tensor.dtype == first.dtype else {
                throw MedPipeError.invalidArgument(sample.name, "npz holds one array per split: this sample is \(tensor.dtype) \(tensor.shape), the first of split \(split) was \(first.dtype) \(first.shape) (add resize or crop-or-pad to the recipe, or export another format)")
            }
        } else {
            first = (tensor.shape, tensor.dtype)
            let archive = try StoredZipWriter(path: directory + "/" + split + ".npz")
            let header = NPYWriter.header(descriptor: tensor.dtype.numpyDescriptor, shape: [count] + tensor.shape)
            try archive.begin("x.npy", size: UInt64(header.count + count * tensor.bytes.count))
            try archive.append(header)
            zip = archive
        }
        try zip!.append(tensor.bytes)
        labels.append(sample.label.flatMap { classNames.firstIndex(of: $0) }.map(Int64.init) ?? -1)
    }

    public func finish() throws -> String? {
        guard let zip else { return nil }
        self.zip = nil
        try zip.end()
        try member("y.npy", NPYWriter.encode(Tensor(shape: [labels.count], values: labels)), in: zip)
        try zip.finish()
        return zip.path
    }

    private func member(_ name: String, _ bytes: [UInt8], in zip: StoredZipWriter) throws {
        try zip.begin(name, size: UInt64(bytes.count))
        try zip.append(bytes)
        try zip.end()
    }

    /// Writes `classes.txt`: the class names, one per line, in the order `y` indexes them.
    public func writeClassNames(into directory: String) throws -> String {
        let path = directory + "/classes.txt"
        try AtomicFile.write(path, text: classNames.map { $0 + "\n" }.joined())
        return path
    }
}
