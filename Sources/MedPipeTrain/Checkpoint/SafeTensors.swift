import Foundation
import MedPipeCore

/// The safetensors file format: an 8-byte little-endian header length, a JSON header mapping each tensor
/// name to `{"dtype", "shape", "data_offsets"}` (offsets relative to the data section) plus an optional
/// `"__metadata__"` map of strings, then the raw little-endian tensor bytes.
public enum SafeTensors {
    /// Largest header accepted (safetensors itself caps it at 100 MB).
    static let maxHeaderBytes = 100_000_000

    static func code(_ d: DType) -> String {
        switch d {
        case .bool: "BOOL"; case .uint8: "U8"; case .int8: "I8"; case .uint16: "U16"; case .int16: "I16"
        case .uint32: "U32"; case .int32: "I32"; case .uint64: "U64"; case .int64: "I64"
        case .float32: "F32"; case .float64: "F64"
        }
    }

    static func dtype(_ code: String) -> DType? { DType.allCases.first { Self.code($0) == code } }

    /// The bytes of a safetensors file holding `tensors` in the given order and `metadata`.
    public static func encode(_ tensors: [(name: String, tensor: Tensor)], metadata: [String: String]) throws -> [UInt8] {
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var offset = 0
        for (name, t) in tensors {
            guard header[name] == nil, name != "__metadata__" else {
                throw MedPipeError.invalidArgument("safetensors", "duplicate or reserved tensor name '\(name)'")
            }
            header[name] = ["dtype": code(t.dtype), "shape": t.shape, "data_offsets": [offset, offset + t.bytes.count]] as [String: Any]
            offset += t.bytes.count
        }
        var json = [UInt8](try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys, .withoutEscapingSlashes]))
        while json.count % 8 != 0 { json.append(0x20) }
        var out = [UInt8]()
        out.reserveCapacity(8 + json.count + offset)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { out.append(contentsOf: $0) }
        out += json
        for (_, t) in tensors { out += t.bytes }
        return out
    }

    /// Parses a safetensors file's bytes; `subject` names the file in errors.
    public static func decode(_ bytes: [UInt8], subject: String) throws -> (tensors: [String: Tensor], metadata: [String: String]) {
        guard bytes.count >= 8 else { throw MedPipeError.malformed(subject, "file of \(bytes.count) bytes is too short for a safetensors header length") }
        let n = bytes[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard n <= UInt64(min(maxHeaderBytes, bytes.count - 8)) else {
            throw MedPipeError.malformed(subject, "is not a safetensors file, or is cut short: its header length \(n) exceeds the file (\(bytes.count) bytes) or the 100 MB limit")
        }
        let headerEnd = 8 + Int(n)
        guard let header = try? JSONSerialization.jsonObject(with: Data(bytes[8..<headerEnd])) as? [String: Any] else {
            throw MedPipeError.malformed(subject, "header (bytes 8..<\(headerEnd)) is not a JSON object")
        }
        let dataSize = bytes.count - headerEnd
        var tensors: [String: Tensor] = [:]
        var metadata: [String: String] = [:]
        for (name, value) in header {
            if name == "__metadata__" {
                guard let m = value as? [String: Any] else { throw MedPipeError.malformed(subject, "__metadata__ is not an object") }
                for (k, v) in m {
                    guard let s = v as? String else { throw MedPipeError.malformed(subject, "__metadata__ value of '\(k)' is not a string") }
                    metadata[k] = s
                }
                continue
            }
            guard let entry = value as? [String: Any], let code = entry["dtype"] as? String,
                  let shape = entry["shape"] as? [Int], let offsets = entry["data_offsets"] as? [Int], offsets.count == 2 else {
                throw MedPipeError.malformed(subject, "tensor '\(name)' lacks dtype, shape or data_offsets")
            }
            guard let dtype = dtype(code) else { throw MedPipeError.unsupported(subject, "tensor '\(name)' has dtype \(code)") }
            guard shape.allSatisfy({ $0 >= 0 && $0 <= dataSize }) else { throw MedPipeError.malformed(subject, "tensor '\(name)' has shape \(shape)") }
            let size = try? CheckedSize.product(shape + [dtype.size], source: subject, "")
            let (begin, end) = (offsets[0], offsets[1])
            guard let size, begin >= 0, end >= begin, end <= dataSize, end - begin == size else {
                throw MedPipeError.malformed(subject, "tensor '\(name)' of \(code) \(shape) has data_offsets [\(begin), \(end)] in a data section of \(dataSize) bytes")
            }
            tensors[name] = Tensor(shape: shape, dtype: dtype, bytes: Array(bytes[(headerEnd + begin)..<(headerEnd + end)]))
        }
        return (tensors, metadata)
    }

    /// Writes a safetensors file atomically: a temporary file in the same folder, flushed, then renamed.
    public static func write(_ tensors: [(name: String, tensor: Tensor)], metadata: [String: String], to path: String) throws {
        let bytes = try encode(tensors, metadata: metadata)
        try AtomicFile.write(path, bytes: bytes, durable: true)
    }

    /// Reads a safetensors file.
    public static func read(_ path: String) throws -> (tensors: [String: Tensor], metadata: [String: String]) {
        try decode(try FileBytes.read(path), subject: path)
    }
}
