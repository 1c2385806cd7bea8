import MedPipeCore

extension DType {
    /// The little-endian bytes of `value` in this type, or nil when `value` is not exactly representable.
    func bytes(of value: Double) -> [UInt8]? {
        func pack<T: TensorScalar>(_ v: T) -> [UInt8] { withUnsafeBytes(of: v) { Array($0) } }
        func integer<T: TensorScalar & FixedWidthInteger>(_ type: T.Type) -> [UInt8]? {
            guard let v = T(exactly: value) else { return nil }
            return pack(v)
        }
        switch self {
        case .bool, .uint8: return integer(UInt8.self)
        case .int8: return integer(Int8.self)
        case .uint16: return integer(UInt16.self)
        case .int16: return integer(Int16.self)
        case .uint32: return integer(UInt32.self)
        case .int32: return integer(Int32.self)
        case .uint64: return integer(UInt64.self)
        case .int64: return integer(Int64.self)
        case .float32:
            let f = Float(value)
            return Double(f) == value || value.isNaN ? pack(f) : nil
        case .float64: return pack(value)
        }
    }
}

/// Element-wise gather with arbitrary (possibly negative) strides: the engine of axis
/// permutations and flips. Works on any dtype by moving 1, 2, 4 or 8-byte elements.
enum StridedGather {
    /// `output[index] = input[base + Σ index[a]·strides[a]]` for every index of `shape` (row-major).
    static func gather(_ input: Tensor, shape: [Int], base: Int, strides: [Int]) -> Tensor {
        let count = shape.reduce(1, *)
        let bytes: [UInt8]
        switch input.dtype.size {
        case 1: bytes = run(input, UInt8.self, count, shape, base, strides)
        case 2: bytes = run(input, UInt16.self, count, shape, base, strides)
        case 4: bytes = run(input, UInt32.self, count, shape, base, strides)
        default: bytes = run(input, UInt64.self, count, shape, base, strides)
        }
        return Tensor(shape: shape, dtype: input.dtype, bytes: bytes)
    }

    private static func run<T>(_ input: Tensor, _ type: T.Type, _ count: Int, _ shape: [Int], _ base: Int, _ strides: [Int]) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: count * MemoryLayout<T>.size) { buffer, initialized in
            let out = UnsafeMutableRawPointer(buffer.baseAddress!).bindMemory(to: T.self, capacity: count)
            input.bytes.withUnsafeBytes { raw in
                let src = raw.bindMemory(to: T.self).baseAddress!
                guard count > 0 else { return }
                let rank = shape.count
                let innerLength = shape[rank - 1], innerStride = strides[rank - 1]
                var index = [Int](repeating: 0, count: rank)
                var offset = base, position = 0
                while position < count {
                    var o = offset
                    for q in 0..<innerLength { out[position + q] = src[o]; o += innerStride }
                    position += innerLength
                    // Advance the outer index like an odometer.
                    var a = rank - 2
                    while a >= 0 {
                        index[a] += 1; offset += strides[a]
                        if index[a] < shape[a] { break }
                        offset -= strides[a] * shape[a]; index[a] = 0; a -= 1
                    }
                }
            }
            initialized = count * MemoryLayout<T>.size
        }
    }

    /// Row-major element strides of a shape.
    static func strides(of shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        for a in stride(from: shape.count - 2, through: 0, by: -1) { strides[a] = strides[a + 1] * shape[a + 1] }
        return strides
    }
}
