import MedPipeCore

/// A `.npy` array of known shape written row by row (a row: one index of the first axis), by several
/// threads at once and in any order, into a temporary file that ``commit(durable:)`` renames into place
/// whole: no reader sees a partial array, and a writer released uncommitted leaves nothing behind.
public final class NPYRowWriter: Sendable {
    /// The array's shape: rows, then the shape of one row.
    public let shape: [Int]
    public let dtype: DType
    private let file: AtomicFile.Staged
    private let headerSize: Int, rowBytes: Int

    public init(path: String, shape: [Int], dtype: DType) throws {
        guard let rows = shape.first else { throw MedPipeError.invalidArgument(path, "an array written by rows needs at least one axis") }
        let rowBytes = try CheckedSize.product(Array(shape.dropFirst()) + [dtype.size], source: path, "the bytes of one row of \(shape)")
        let total = try CheckedSize.product([rows, rowBytes], source: path, "the bytes of an array of \(shape)")
        let header = NPYWriter.header(descriptor: dtype.numpyDescriptor, shape: shape)
        file = try AtomicFile.Staged(path, bytes: header.count + total)
        (self.shape, self.dtype, headerSize, self.rowBytes) = (shape, dtype, header.count, rowBytes)
        try header.withUnsafeBytes { try AtomicFile.writeAll(file.descriptor, [$0], at: 0, path: path) }
    }

    /// Writes row `row`, whose bytes are one row of the array's dtype.
    public func write(row: Int, bytes: UnsafeRawBufferPointer) throws {
        try write(rows: row..<(row + 1), bytes: bytes)
    }

    /// Writes the rows `rows`, whose bytes are that many rows of the array's dtype, one after the other.
    public func write(rows: Range<Int>, bytes: UnsafeRawBufferPointer) throws {
        guard rows.lowerBound >= 0, rows.upperBound <= shape[0], bytes.count == rows.count * rowBytes else {
            throw MedPipeError.invalidArgument(file.path, "rows \(rows) of \(bytes.count) bytes do not fit an array of shape \(shape)")
        }
        try AtomicFile.writeAll(file.descriptor, [bytes], at: headerSize + rows.lowerBound * rowBytes, path: file.path)
    }

    /// Moves the array into place (flushed to disk first when `durable`).
    public func commit(durable: Bool = false) throws { try file.commit(durable: durable) }
}
