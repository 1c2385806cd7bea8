import MedPipeCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Tensor {
    /// A float32 tensor whose elements `fill` writes in place (no intermediate array).
    static func float32(shape: [Int], _ fill: (UnsafeMutableBufferPointer<Float>) throws -> Void) rethrows -> Tensor {
        let count = shape.reduce(1, *)
        let bytes = try LargeBuffer.make(count: count * 4) { base in
            let floats = UnsafeMutableRawPointer(base).bindMemory(to: Float.self, capacity: count)
            try fill(UnsafeMutableBufferPointer(start: floats, count: count))
            return count * 4
        }
        return Tensor(shape: shape, dtype: .float32, bytes: bytes)
    }

    /// The elements converted to float32 into `destination` (which holds `count` elements).
    func copyFloats(into destination: UnsafeMutablePointer<Float>) {
        bytes.withUnsafeBytes { raw in
            let n = count
            switch dtype {
            case .float32: memcpy(destination, raw.baseAddress!, n * 4)
            case .bool, .uint8: Self.convert(raw, UInt8.self, n, destination)
            case .int8: Self.convert(raw, Int8.self, n, destination)
            case .uint16: Self.convert(raw, UInt16.self, n, destination)
            case .int16: Self.convert(raw, Int16.self, n, destination)
            case .uint32: Self.convert(raw, UInt32.self, n, destination)
            case .int32: Self.convert(raw, Int32.self, n, destination)
            case .uint64: Self.convert(raw, UInt64.self, n, destination)
            case .int64: Self.convert(raw, Int64.self, n, destination)
            case .float64:
                let source = raw.bindMemory(to: Double.self)
                for i in 0..<n { destination[i] = Float(source[i]) }
            }
        }
    }

    /// The same values as a float32 tensor (no copy when already float32).
    func asFloat32() -> Tensor {
        if dtype == .float32 { return self }
        return Tensor.float32(shape: shape) { copyFloats(into: $0.baseAddress!) }
    }

    /// The elements converted to Double into `destination`.
    func copyDoubles(into destination: UnsafeMutablePointer<Double>) {
        if dtype == .float64 {
            bytes.withUnsafeBytes { raw in _ = memcpy(destination, raw.baseAddress!, count * 8) }
            return
        }
        if dtype == .float32 {
            bytes.withUnsafeBytes { raw in
                let source = raw.bindMemory(to: Float.self)
                for i in 0..<count { destination[i] = Double(source[i]) }
            }
            return
        }
        bytes.withUnsafeBytes { raw in
            switch dtype {
            case .bool, .uint8: Self.widen(raw, UInt8.self, count, destination)
            case .int8: Self.widen(raw, Int8.self, count, destination)
            case .uint16: Self.widen(raw, UInt16.self, count, destination)
            case .int16: Self.widen(raw, Int16.self, count, destination)
            case .uint32: Self.widen(raw, UInt32.self, count, destination)
            case .int32: Self.widen(raw, Int32.self, count, destination)
            case .uint64: Self.widen(raw, UInt64.self, count, destination)
            case .int64: Self.widen(raw, Int64.self, count, destination)
            case .float32, .float64: break  // handled above
            }
        }
    }

    private static func widen<T: BinaryInteger>(_ raw: UnsafeRawBufferPointer, _ type: T.Type, _ n: Int,
                                                _ destination: UnsafeMutablePointer<Double>) {
        let source = raw.bindMemory(to: T.self)
        for i in 0..<n { destination[i] = Double(source[i]) }
    }

    private static func convert<T: BinaryInteger>(_ raw: UnsafeRawBufferPointer, _ type: T.Type, _ n: Int,
                                                  _ destination: UnsafeMutablePointer<Float>) {
        let source = raw.bindMemory(to: T.self)
        for i in 0..<n { destination[i] = Float(source[i]) }
    }
}
