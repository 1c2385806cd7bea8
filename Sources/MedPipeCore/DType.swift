/// The element type of a ``Tensor``, named as NumPy names it.
public enum DType: String, Sendable, Codable, CaseIterable {
    case bool, uint8, int8, uint16, int16, uint32, int32, uint64, int64, float32, float64

    /// Bytes per element.
    public var size: Int {
        switch self {
        case .bool, .uint8, .int8: 1
        case .uint16, .int16: 2
        case .uint32, .int32, .float32: 4
        case .uint64, .int64, .float64: 8
        }
    }

    /// True for float32 and float64.
    public var isFloatingPoint: Bool { self == .float32 || self == .float64 }

    /// NumPy's array-protocol type string for little-endian storage, e.g. `<i2`.
    public var numpyDescriptor: String {
        switch self {
        case .bool: "|b1"
        case .uint8: "|u1"
        case .int8: "|i1"
        case .uint16: "<u2"
        case .int16: "<i2"
        case .uint32: "<u4"
        case .int32: "<i4"
        case .uint64: "<u8"
        case .int64: "<i8"
        case .float32: "<f4"
        case .float64: "<f8"
        }
    }
}

/// A Swift scalar type that can be the element of a ``Tensor``.
public protocol TensorScalar: Sendable, Numeric {
    static var dtype: DType { get }
    /// The value as a Double (exact for every integer up to 2^53).
    var doubleValue: Double { get }
}

extension UInt8: TensorScalar { public static var dtype: DType { .uint8 }; public var doubleValue: Double { Double(self) } }
extension Int8: TensorScalar { public static var dtype: DType { .int8 }; public var doubleValue: Double { Double(self) } }
extension UInt16: TensorScalar { public static var dtype: DType { .uint16 }; public var doubleValue: Double { Double(self) } }
extension Int16: TensorScalar { public static var dtype: DType { .int16 }; public var doubleValue: Double { Double(self) } }
extension UInt32: TensorScalar { public static var dtype: DType { .uint32 }; public var doubleValue: Double { Double(self) } }
extension Int32: TensorScalar { public static var dtype: DType { .int32 }; public var doubleValue: Double { Double(self) } }
extension UInt64: TensorScalar { public static var dtype: DType { .uint64 }; public var doubleValue: Double { Double(self) } }
extension Int64: TensorScalar { public static var dtype: DType { .int64 }; public var doubleValue: Double { Double(self) } }
extension Float: TensorScalar { public static var dtype: DType { .float32 }; public var doubleValue: Double { Double(self) } }
extension Double: TensorScalar { public static var dtype: DType { .float64 }; public var doubleValue: Double { self } }
