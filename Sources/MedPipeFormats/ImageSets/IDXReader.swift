import MedPipeCore

/// Reads MNIST-style idx files (`idx1`, `idx3`...), raw or gzip-compressed.
///
/// Layout: two zero bytes, a type code (0x08 ubyte, 0x09 byte, 0x0B short, 0x0C int, 0x0D float,
/// 0x0E double), the number of dimensions, one big-endian UInt32 per dimension, then the values
/// big-endian in row-major order. The tensor has the file's shape and little-endian values.
public struct IDXReader: Sendable {
    /// The largest decoded array the reader allocates, in bytes.
    public var maximumBytes: Int

    public init(maximumBytes: Int = 8 << 30) {
        self.maximumBytes = maximumBytes
    }

    /// The whole file as one record (format `idx`) with metadata `type` and `dimensions`.
    public func read(_ path: String) throws -> Record {
        let tensor = try readTensor(path)
        return Record(source: path, format: FormatKind.idx.rawValue, tensor: tensor,
                      metadata: ["dimensions": .int(tensor.shape.count), "dtype": .string(tensor.dtype.rawValue)])
    }

    /// The array the file holds.
    /// - Throws: ``MedPipeError`` naming the file for a bad magic number, an unknown type code,
    ///   dimensions that disagree with the data size, a corrupt or truncated gzip stream.
    public func readTensor(_ path: String) throws -> Tensor {
        let file = try FileBytes.read(path)
        guard Gzip.isGzip(file) else { return try decode(file, source: path) }
        // Decode the header from a short prefix, then inflate exactly the size it announces.
        let ceiling = Gzip.maximumExpansion(ofCompressed: file.count)
        let lead = try Gzip.decompress(file, count: min(4, ceiling), source: path)
        let prefix = try Gzip.decompress(file, count: min(4 + 4 * Int(lead.count == 4 ? lead[3] : 0), ceiling), source: path)
        let header = try Header(prefix, source: path)
        let total = header.dataOffset + header.byteCount
        guard total <= ceiling else {
            throw MedPipeError.malformed(path, "idx header announces \(total) bytes, more than \(file.count) compressed bytes can hold")
        }
        try checkLimit(header, source: path)
        let content = try Gzip.decompress(file, count: total, source: path)
        if content.count == total, let stored = Gzip.trailerSize(file), stored != UInt32(truncatingIfNeeded: total) {
            throw MedPipeError.malformed(path, "gzip stream holds \(stored) bytes (modulo 2^32), the idx header describes \(total)")
        }
        return try decode(content, source: path)
    }

    /// Decodes idx bytes (already decompressed).
    public func decode(_ bytes: [UInt8], source: String) throws -> Tensor {
        let header = try Header(bytes, source: source)
        try checkLimit(header, source: source)
        let end = header.dataOffset + header.byteCount
        guard bytes.count >= end else {
            throw MedPipeError.malformed(source, "truncated idx data: dimensions \(header.shape) of \(header.dtype) need \(header.byteCount) bytes after the \(header.dataOffset)-byte header, found \(bytes.count - header.dataOffset)")
        }
        guard bytes.count == end else {
            throw MedPipeError.malformed(source, "idx file holds \(bytes.count - end) bytes beyond the \(header.byteCount) its dimensions \(header.shape) describe")
        }
        var values = header.dataOffset == 0 ? bytes : Array(bytes[header.dataOffset...])
        ByteOrder.swapInPlace(&values, elementSize: header.dtype.size)
        return Tensor(shape: header.shape, dtype: header.dtype, bytes: values)
    }

    private func checkLimit(_ header: Header, source: String) throws {
        guard header.byteCount <= maximumBytes else {
            throw MedPipeError.unsupported(source, "idx array of \(header.byteCount) bytes exceeds the \(maximumBytes)-byte limit")
        }
    }

    /// The magic number and dimensions.
    struct Header {
        var dtype: DType
        var shape: [Int]
        var dataOffset: Int
        var byteCount: Int

        init(_ bytes: [UInt8], source: String) throws {
            guard bytes.count >= 4 else {
                throw MedPipeError.malformed(source, "idx file too short for its 4-byte magic number (\(bytes.count) bytes)")
            }
            guard bytes[0] == 0, bytes[1] == 0 else {
                throw MedPipeError.malformed(source, "not an idx file: magic number must start with two zero bytes, found \(bytes[0]) \(bytes[1])")
            }
            switch bytes[2] {
            case 0x08: dtype = .uint8
            case 0x09: dtype = .int8
            case 0x0B: dtype = .int16
            case 0x0C: dtype = .int32
            case 0x0D: dtype = .float32
            case 0x0E: dtype = .float64
            default:
                throw MedPipeError.unsupported(source, "unknown idx type code 0x\(String(bytes[2], radix: 16)) at byte 2 (expected 08, 09, 0B, 0C, 0D or 0E)")
            }
            let rank = Int(bytes[3])
            dataOffset = 4 + 4 * rank
            guard bytes.count >= dataOffset else {
                throw MedPipeError.malformed(source, "idx header declares \(rank) dimensions but the file ends at byte \(bytes.count)")
            }
            shape = (0..<rank).map { axis in
                let at = 4 + 4 * axis
                return Int(UInt32(bytes[at]) << 24 | UInt32(bytes[at + 1]) << 16 | UInt32(bytes[at + 2]) << 8 | UInt32(bytes[at + 3]))
            }
            // Every extent counts, even beside a zero one: the size of one image must fit too.
            _ = try CheckedSize.product(shape.map { max($0, 1) } + [dtype.size], source: source, "idx dimensions \(shape) × element size")
            byteCount = shape.reduce(dtype.size, *)
        }
    }
}
