import MedPipeCore

/// Integer storage of real values, `value = stored × slope + intercept`, chosen to be exact when the
/// values allow it (integers, multiples of 1/255 in [0, 1]) and otherwise to spread the range over
/// every integer level, so the error is at most half a step.
public struct LinearQuantization: Sendable, Equatable {
    /// The stored integer type.
    public enum Storage: Sendable, Equatable {
        case uint8, int16, uint16

        public var bits: Int { self == .uint8 ? 8 : 16 }
        public var isSigned: Bool { self == .int16 }
        var range: ClosedRange<Double> {
            switch self {
            case .uint8: 0 ... 255
            case .int16: -32768 ... 32767
            case .uint16: 0 ... 65535
            }
        }
    }

    public var storage: Storage
    public var slope: Double
    public var intercept: Double

    /// True when every value is stored without loss (up to the recorded slope's own rounding).
    public var isExact: Bool

    /// Half a step: the largest error of a value within the quantized range.
    public var maximumError: Double { isExact ? 0 : slope / 2 }

    /// The subject of the error for values no integer can store (the exporter names the entry in its place).
    static let subject = "export"

    /// Picks the storage for `values`.
    /// - Parameters:
    ///   - allowed: the storages the format holds, preferred first for exact integer data.
    ///   - general: the storage for values that are neither integers nor multiples of 1/255 in
    ///     [0, 1] (`.int16` for DICOM, `.uint16` for PNG).
    ///   - recorded: how the file will record a slope or intercept (DICOM's 16-character DS),
    ///     so that the stored integers are computed with the values a reader will see.
    /// - Throws: `.invalidArgument` for NaN or infinite values, which no integer storage holds.
    public static func choose(_ values: [Double], allowed: [Storage], general: Storage,
                              recorded: (Double) -> Double = { $0 }) throws -> LinearQuantization {
        guard var low = values.first, var high = values.first else {
            return LinearQuantization(storage: general, slope: 1, intercept: 0, isExact: true)
        }
        var integral = true, multiplesOf255 = true
        for v in values {
            guard v.isFinite else { throw MedPipeError.invalidArgument(Self.subject, "the sample holds NaN or infinite values, which integer pixels cannot store") }
            low = min(low, v)
            high = max(high, v)
            if integral, v.rounded() != v { integral = false }
            if multiplesOf255 { let k = v * 255; multiplesOf255 = abs(k - k.rounded()) <= 1e-4 }
        }
        let width = general.range.upperBound - general.range.lowerBound
        if integral {
            if let storage = allowed.first(where: { $0.range.contains(low) && $0.range.contains(high) }) {
                return LinearQuantization(storage: storage, slope: 1, intercept: 0, isExact: true)
            }
            if high - low <= width, recorded(low - general.range.lowerBound) == low - general.range.lowerBound {
                return LinearQuantization(storage: general, slope: 1, intercept: low - general.range.lowerBound, isExact: true)
            }
        }
        if multiplesOf255, low >= 0, high <= 1, allowed.contains(.uint8) {
            return LinearQuantization(storage: .uint8, slope: recorded(1 / 255), intercept: 0, isExact: true)
        }
        // Spread [low, high] over the storage's levels, leaving a few spare at each end so that the
        // recorded (rounded) slope and intercept cannot push a value out of range.
        let levels = width - 16
        let center = general.range.lowerBound + 8 + levels / 2
        // high − low and low + high overflow for values near ±Double.greatestFiniteMagnitude: then the
        // halves and quotients are taken first.
        let span = high - low, sum = low + high
        let slope = recorded(high > low ? (span.isFinite ? span / levels : high / levels - low / levels) : 1)
        let intercept = recorded((sum.isFinite ? sum / 2 : low / 2 + high / 2) - center * slope)
        return LinearQuantization(storage: general, slope: slope, intercept: intercept, isExact: false)
    }

    /// The stored integers for `values`, little-endian, and the largest error of the decoded values.
    public func encode(_ values: [Double]) -> (bytes: [UInt8], maximumError: Double) {
        let range = storage.range
        var worst = 0.0
        let bytes = [UInt8](unsafeUninitializedCapacity: values.count * storage.bits / 8) { buffer, count in
            for (i, v) in values.enumerated() {
                let level = min(max(((v - intercept) / slope).rounded(), range.lowerBound), range.upperBound)
                worst = max(worst, abs(level * slope + intercept - v))
                switch storage {
                case .uint8:
                    buffer[i] = UInt8(level)
                case .int16, .uint16:
                    let bits = storage == .int16 ? UInt16(bitPattern: Int16(level)) : UInt16(level)
                    buffer[2 * i] = UInt8(bits & 0xFF)
                    buffer[2 * i + 1] = UInt8(bits >> 8)
                }
            }
            count = values.count * storage.bits / 8
        }
        return (bytes, worst)
    }
}
