/// A dense n-dimensional array in row-major (C) order, stored as little-endian bytes.
///
/// Axis convention: the slowest axis comes first. Images are `(rows, columns)`,
/// volumes `(slices, rows, columns)` — for NIfTI `(z, y, x)` or `(t, z, y, x)` —
/// signals `(samples, channels)`, tables `(rows, columns)`, image sets `(count, rows, columns[, channels])`.
/// Exporters that must match a library with another convention (nibabel's `(x, y, z)`)
/// write Fortran order instead of moving bytes.
public struct Tensor: Sendable, Equatable {
    /// Extent of each axis, slowest first.
    public var shape: [Int]
    /// Element type.
    public var dtype: DType
    /// `count * dtype.size` bytes, little-endian, row-major.
    public var bytes: [UInt8]

    /// Number of elements.
    public var count: Int { shape.reduce(1, *) }

    /// Wraps existing bytes; `bytes.count` must equal `shape.product * dtype.size`.
    public init(shape: [Int], dtype: DType, bytes: [UInt8]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative extent in shape \(shape)")
        precondition(bytes.count == shape.reduce(1, *) * dtype.size,
                     "tensor of shape \(shape) and dtype \(dtype) needs \(shape.reduce(1, *) * dtype.size) bytes, got \(bytes.count)")
        self.shape = shape
        self.dtype = dtype
        self.bytes = bytes
    }

    /// Builds a tensor from typed values in row-major order.
    public init<T: TensorScalar>(shape: [Int], values: [T]) {
        precondition(values.count == shape.reduce(1, *), "\(values.count) values do not fill shape \(shape)")
        let bytes = values.withUnsafeBytes { Array($0) }
        self.init(shape: shape, dtype: T.dtype, bytes: bytes)
    }

    /// The elements as `T`; `T` must be the tensor's own element type.
    public func values<T: TensorScalar>(as type: T.Type = T.self) -> [T] {
        precondition(T.dtype == dtype, "tensor holds \(dtype), not \(T.dtype)")
        return [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            _ = bytes.withUnsafeBytes { raw in
                memcpy(buffer.baseAddress!, raw.baseAddress!, raw.count)
            }
            initialized = count
        }
    }

    /// Calls `body` with the elements viewed as `T` without copying.
    public func withUnsafeBufferPointer<T: TensorScalar, R>(as type: T.Type, _ body: (UnsafeBufferPointer<T>) throws -> R) rethrows -> R {
        precondition(T.dtype == dtype, "tensor holds \(dtype), not \(T.dtype)")
        return try bytes.withUnsafeBytes { raw in
            try body(raw.bindMemory(to: T.self))
        }
    }

    /// How many elements are not finite numbers (NaN or infinite); 0 for every integer type.
    public var nonFiniteCount: Int {
        switch dtype {
        case .float32: withUnsafeBufferPointer(as: Float.self) { $0.count { !$0.isFinite } }
        case .float64: withUnsafeBufferPointer(as: Double.self) { $0.count { !$0.isFinite } }
        default: 0
        }
    }

    /// The elements converted to Double (exact for every integer type up to 2^53).
    public func doubleValues() -> [Double] {
        switch dtype {
        case .bool, .uint8: return convert(UInt8.self)
        case .int8: return convert(Int8.self)
        case .uint16: return convert(UInt16.self)
        case .int16: return convert(Int16.self)
        case .uint32: return convert(UInt32.self)
        case .int32: return convert(Int32.self)
        case .uint64: return convert(UInt64.self)
        case .int64: return convert(Int64.self)
        case .float32: return convert(Float.self)
        case .float64: return convert(Double.self)
        }
    }

    /// The elements converted to Float.
    public func floatValues() -> [Float] {
        if dtype == .float32 { return values(as: Float.self) }
        return doubleValues().map { Float($0) }
    }

    /// The same bytes under another shape with the same element count.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        precondition(newShape.reduce(1, *) == count, "cannot reshape \(shape) to \(newShape)")
        return Tensor(shape: newShape, dtype: dtype, bytes: bytes)
    }

    private func convert<T: TensorScalar>(_ type: T.Type) -> [Double] {
        bytes.withUnsafeBytes { raw in raw.bindMemory(to: T.self).map(\.doubleValue) }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
