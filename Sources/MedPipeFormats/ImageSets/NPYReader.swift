import Foundation
import MedPipeCore

/// Reads NumPy `.npy` arrays (format versions 1, 2 and 3) into row-major little-endian tensors.
///
/// Reads booleans, 8- to 64-bit integers and 32/64-bit floats in either byte order. Fortran-order
/// data is transposed to row-major, so the tensor's shape is NumPy's shape and its elements match
/// `numpy.load` element by element. Object arrays (pickles) and structured dtypes are refused.
public struct NPYReader: Sendable {
    /// The largest array the reader allocates, in bytes.
    public var maximumBytes: Int

    public init(maximumBytes: Int = 8 << 30) {
        self.maximumBytes = maximumBytes
    }

    /// The file as one record (format `npy`) with metadata `descr` (the stored type string) and
    /// `fortran_order` (0 or 1).
    public func read(_ path: String) throws -> Record {
        let bytes = try FileBytes.read(path)
        let (tensor, header) = try bytes.withUnsafeBytes { try decodeWithHeader($0, source: path) }
        return Record(source: path, format: FormatKind.npy.rawValue, tensor: tensor,
                      metadata: ["descr": .string(header.descriptor), "fortran_order": .int(header.fortranOrder ? 1 : 0)])
    }

    /// The array in the file at `path`.
    public func readTensor(_ path: String) throws -> Tensor {
        try decode(try FileBytes.read(path), source: path)
    }

    /// The shape of the float32 array at `path` and the values of its first `limit` rows (slices along the first axis),
    /// read straight from the file into the values: `predict --npy` and `gradcam --npy`, which read the whole file, then
    /// its values, held an array twice (and all of it for `--limit 16`). Nil for an array this cannot read so (another
    /// dtype, big-endian, Fortran order, a header past the first 64 KiB, data shorter than the shape or over
    /// `maximumBytes`): ``read(_:)`` reads those whole, or says what is wrong with them.
    public func float32Rows(_ path: String, limit: Int) throws -> (shape: [Int], values: [Float])? {
        let (fd, size) = try FileBytes.openRegularFile(path)
        defer { close(fd) }
        let head = try [UInt8](unsafeUninitializedCapacity: min(size, 1 << 16)) { buffer, count in
            count = try FileBytes.read(fd, at: 0, into: UnsafeMutableRawBufferPointer(buffer), path: path)
        }
        guard let header = try? head.withUnsafeBytes({ try NPYHeader($0, source: path) }), header.dtype == .float32, !header.bigEndian,
              !(header.fortranOrder && header.shape.count > 1), let rows = header.shape.first,
              header.byteCount <= maximumBytes, size - header.dataOffset >= header.byteCount else { return nil }
        let rowValues = header.shape.dropFirst().reduce(1, *), count = min(rows, max(limit, 0))
        let values = try [Float](unsafeUninitializedCapacity: count * rowValues) { buffer, initialized in
            let bytes = UnsafeMutableRawBufferPointer(buffer)
            guard try FileBytes.read(fd, at: header.dataOffset, into: bytes, path: path) == bytes.count else {
                throw MedPipeError.io(path, "ended before its \(count) rows were read (cut short while it was read)")
            }
            initialized = count * rowValues
        }
        return (header.shape, values)
    }

    /// Decodes `.npy` bytes; `source` names them in errors.
    /// - Throws: ``MedPipeError`` for a bad or truncated header, unsupported dtypes and data shorter
    ///   than the shape requires.
    public func decode(_ bytes: [UInt8], source: String) throws -> Tensor {
        try bytes.withUnsafeBytes { try decodeWithHeader($0, source: source).0 }
    }

    func decodeWithHeader(_ bytes: UnsafeRawBufferPointer, source: String) throws -> (Tensor, NPYHeader) {
        let header = try NPYHeader(bytes, source: source)
        let byteCount = header.byteCount
        guard byteCount <= maximumBytes else {
            throw MedPipeError.unsupported(source, ".npy array of shape \(header.shape) needs \(byteCount) bytes, over the \(maximumBytes)-byte limit")
        }
        let available = bytes.count - header.dataOffset
        guard available >= byteCount else {
            throw MedPipeError.malformed(source, "truncated .npy data: shape \(header.shape) of '\(header.descriptor)' needs \(byteCount) bytes after the \(header.dataOffset)-byte header, found \(available)")
        }
        let data = UnsafeRawBufferPointer(rebasing: bytes[header.dataOffset..<header.dataOffset + byteCount])
        var values: [UInt8]
        if header.fortranOrder && header.shape.count > 1 {
            values = LargeBuffer.make(count: byteCount) { output in
                FortranOrder.transpose(data, into: UnsafeMutableRawPointer(output), shape: header.shape, elementSize: header.dtype.size)
                return byteCount
            }
        } else {
            values = LargeBuffer.make(count: byteCount) { output in
                if byteCount > 0 { UnsafeMutableRawPointer(output).copyMemory(from: data.baseAddress!, byteCount: byteCount) }
                return byteCount
            }
        }
        if header.bigEndian { ByteOrder.swapInPlace(&values, elementSize: header.dtype.size) }
        return (Tensor(shape: header.shape, dtype: header.dtype, bytes: values), header)
    }
}
