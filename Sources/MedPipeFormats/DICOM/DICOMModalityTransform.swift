import MedPipeCore

/// The modality transform applied to stored values: as pydicom's `apply_modality_lut` applies it, the Modality LUT
/// when the file has a Modality LUT Sequence item, else Rescale Slope and Intercept when both are present, else none;
/// for an enhanced multi-frame image without either at the top level, as highdicom applies it, the Pixel Value
/// Transformation of its functional groups (``DICOMFunctionalGroups``), which may differ from frame to frame.
enum DICOMModalityTransform: Sendable {
    case none
    case rescale(DICOMRescale)
    /// Frame `f`'s values take the `f`th rescale.
    case frameRescales([DICOMRescale])
    case lut(DICOMModalityLUT)

    /// The element type of transformed values: the stored type, float64 for a rescale, the LUT's type.
    func outputDType(stored: DType) -> DType {
        switch self {
        case .none: stored
        case .rescale, .frameRescales: .float64
        case .lut(let lut): lut.dtype
        }
    }

    /// Throws `.unsupported` naming `path` for a Modality LUT over float stored values (Float Pixel Data), which index
    /// no table: pydicom's `apply_modality_lut` fails on them too; `.malformed` when per-frame rescales are not one
    /// for each of the `frames` frames decoded.
    func check(stored: DType, frames: Int, path: String) throws {
        if case .lut = self, stored.isFloatingPoint {
            throw MedPipeError.unsupported(path, "a Modality LUT Sequence (0028,3000) over Float Pixel Data: float values index no table")
        }
        if case .frameRescales(let rescales) = self, rescales.count != frames {
            throw MedPipeError.malformed(path, "its pixel data holds \(frames) frames, its functional groups give the Pixel Value Transformation (0028,9145) of \(rescales.count)")
        }
    }

    /// Writes the `count` transformed values of `stored` (of type `storedType`, frames of `valuesPerFrame` values) to
    /// `destination` as `outputType`, which is ``outputDType(stored:)`` or float64 (the type of a volume whose slices
    /// transform differently).
    func apply(_ stored: UnsafeRawPointer, storedType: DType, count: Int, valuesPerFrame: Int, outputType: DType,
               to destination: UnsafeMutableRawPointer) {
        let output = { destination.bindMemory(to: Double.self, capacity: count) }
        switch self {
        case .lut(let lut):
            lut.apply(stored, storedType: storedType, count: count, outputType: outputType, to: destination)
        case .none where outputType == storedType:
            destination.copyMemory(from: stored, byteCount: count * storedType.size)
        case .none:
            DICOMStoredValues.rescale(stored, dtype: storedType, count: count, slope: 1, intercept: 0, to: output())
        case .rescale(let rescale):
            DICOMStoredValues.rescale(stored, dtype: storedType, count: count, slope: rescale.slope, intercept: rescale.intercept, to: output())
        case .frameRescales(let rescales):
            for (frame, rescale) in rescales.enumerated() where frame * valuesPerFrame < count {
                let start = frame * valuesPerFrame
                DICOMStoredValues.rescale(stored + start * storedType.size, dtype: storedType, count: min(valuesPerFrame, count - start),
                                          slope: rescale.slope, intercept: rescale.intercept, to: output() + start)
            }
        }
    }
}

/// Rescale Slope and Intercept: a stored value `v` stands for `v × slope + intercept`.
struct DICOMRescale: Sendable, Equatable {
    var slope: Double
    var intercept: Double
}

/// A Modality LUT (first item of the Modality LUT Sequence (0028,3000)): stored values below the first mapped
/// value take the first entry, values past the last entry the last one; entries are uint8 or uint16 by the
/// descriptor's nominal depth, as in pydicom's `apply_modality_lut`.
struct DICOMModalityLUT: Sendable, Equatable {
    /// The stored value that maps to the first entry.
    let firstMapped: Int
    let entries: [UInt16]
    /// uint8 or uint16: the element type of mapped values.
    let dtype: DType

    /// Validates a LUT read from `path`: a nominal depth of 8 or 16 bits and entries that fit it.
    /// - Throws: `.malformed` naming the file and the attribute at fault.
    init(firstMapped: Int, entries: [UInt16], bitDepth: Int, path: String) throws {
        guard bitDepth == 8 || bitDepth == 16 else {
            throw MedPipeError.malformed(path, "LUT Descriptor (0028,3002) of the Modality LUT gives a nominal depth of \(bitDepth) bits, expected 8 or 16")
        }
        if bitDepth == 8, let large = entries.first(where: { $0 > 255 }) {
            throw MedPipeError.malformed(path, "LUT Data (0028,3006) of the Modality LUT holds \(large), more than its 8-bit nominal depth allows")
        }
        self.firstMapped = firstMapped
        self.entries = entries
        dtype = bitDepth == 8 ? .uint8 : .uint16
    }

    /// Maps `count` stored values of type `storedType` to `destination`, written as `outputType` (the LUT's type
    /// or float64).
    func apply(_ stored: UnsafeRawPointer, storedType: DType, count: Int, outputType: DType,
               to destination: UnsafeMutableRawPointer) {
        func map<Stored: TensorScalar & BinaryInteger, Output>(_: Stored.Type, _ convert: (UInt16) -> Output) {
            let values = stored.bindMemory(to: Stored.self, capacity: count)
            let output = destination.bindMemory(to: Output.self, capacity: count)
            let first = firstMapped, last = entries.count - 1
            entries.withUnsafeBufferPointer { table in
                for i in 0..<count {
                    let value = Int(values[i])
                    output[i] = convert(table[value < first ? 0 : min(value - first, last)])
                }
            }
        }
        func map<Output>(_ convert: (UInt16) -> Output) {
            switch storedType {
            case .uint8: map(UInt8.self, convert)
            case .int8: map(Int8.self, convert)
            case .uint16: map(UInt16.self, convert)
            case .int16: map(Int16.self, convert)
            case .uint32: map(UInt32.self, convert)
            default: map(Int32.self, convert)
            }
        }
        switch outputType {
        case .uint8: map { UInt8(truncatingIfNeeded: $0) }
        case .uint16: map { $0 }
        default: map { Double($0) }
        }
    }
}
