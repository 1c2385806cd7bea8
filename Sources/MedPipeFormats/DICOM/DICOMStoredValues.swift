import MedPipeCore

/// Turns decoded pixel bytes into pydicom's `pixel_array` values, and applies the rescale.
enum DICOMStoredValues {
    /// Writes every frame's stored values, colour-by-pixel, with unused bits corrected and YBR
    /// converted to RGB (see ``correct(_:format:)``), into `destination` (`frames × valuesPerFrame` values of
    /// `storedDType`): bit-packed values unpacked, YBR_FULL_422 pairs expanded, planes interleaved.
    static func write(_ source: UnsafeRawBufferPointer, format: DICOMPixelFormat, to destination: UnsafeMutableRawPointer) {
        let size = format.storedDType.size
        let count = format.frames * format.valuesPerFrame
        if format.bitsAllocated == 1 {
            unpackBits(source, count: count, to: destination.bindMemory(to: UInt8.self, capacity: count))
        } else if format.isChromaSubsampled {
            expandChroma(source, pixels: count / 3, sampleSize: size, to: destination)
        } else if format.isPlanar {
            let pixels = format.rows * format.columns
            let samples = format.samplesPerPixel
            for frame in 0..<format.frames {
                let base = frame * format.valuesPerFrame * size
                for sample in 0..<samples {
                    for pixel in 0..<pixels {
                        (destination + base + (pixel * samples + sample) * size)
                            .copyMemory(from: source.baseAddress! + base + (sample * pixels + pixel) * size, byteCount: size)
                    }
                }
            }
        } else {
            destination.copyMemory(from: source.baseAddress!, byteCount: count * size)
        }
        correct(destination, format: format)
    }

    /// Turns native colour-by-pixel values already in place into stored values: unused bits
    /// corrected and YBR converted to RGB (`frames × valuesPerFrame` values at `values`).
    static func correct(_ values: UnsafeMutableRawPointer, format: DICOMPixelFormat) {
        let count = format.frames * format.valuesPerFrame
        if format.unusedBitShift > 0 {
            switch format.storedDType {
            case .uint8: clearUnusedBits(values, count, UInt8.self, format.unusedBitShift)
            case .int8: clearUnusedBits(values, count, Int8.self, format.unusedBitShift)
            case .uint16: clearUnusedBits(values, count, UInt16.self, format.unusedBitShift)
            case .int16: clearUnusedBits(values, count, Int16.self, format.unusedBitShift)
            case .uint32: clearUnusedBits(values, count, UInt32.self, format.unusedBitShift)
            default: clearUnusedBits(values, count, Int32.self, format.unusedBitShift)
            }
        }
        if format.convertsYBRToRGB {
            convertYBRFullToRGB(values.bindMemory(to: UInt8.self, capacity: count), pixels: count / 3)
        }
    }

    /// Bit `i` of the packed bytes (least significant bit first, frames one after the other) becomes value `i`:
    /// numpy's `unpackbits(bitorder="little")`, as pydicom unpacks BitsAllocated 1.
    private static func unpackBits(_ source: UnsafeRawBufferPointer, count: Int, to values: UnsafeMutablePointer<UInt8>) {
        let bytes = source.bindMemory(to: UInt8.self)
        for i in 0..<count { values[i] = bytes[i >> 3] >> UInt8(i & 7) & 1 }
    }

    /// `Y1 Y2 Cb Cr` → `Y1 Cb Cr Y2 Cb Cr` for each pair of pixels (PS3.3 C.7.6.3.1.2), samples of `sampleSize` bytes.
    private static func expandChroma(_ source: UnsafeRawBufferPointer, pixels: Int, sampleSize: Int,
                                     to destination: UnsafeMutableRawPointer) {
        let from = source.baseAddress!
        for pair in 0..<pixels / 2 {
            let input = from + 4 * pair * sampleSize, output = destination + 6 * pair * sampleSize
            func copy(_ target: Int, _ origin: Int) {
                (output + target * sampleSize).copyMemory(from: input + origin * sampleSize, byteCount: sampleSize)
            }
            copy(0, 0); copy(1, 2); copy(2, 3)
            copy(3, 1); copy(4, 2); copy(5, 3)
        }
    }

    /// Shifts left then right, which clears (unsigned) or sign-extends (signed) the unused high bits.
    private static func clearUnusedBits<T: FixedWidthInteger>(_ pointer: UnsafeMutableRawPointer, _ count: Int, _: T.Type, _ shift: Int) {
        let values = pointer.bindMemory(to: T.self, capacity: count)
        for i in 0..<count { values[i] = (values[i] &<< T(shift)) >> T(shift) }
    }

    /// YBR_FULL → RGB in float32 with round-half-up and clipping: pydicom's `convert_color_space`.
    private static func convertYBRFullToRGB(_ values: UnsafeMutablePointer<UInt8>, pixels: Int) {
        let crToR = Float(1.402), cbToG = Float(-0.114 * 1.772 / 0.587), crToG = Float(-0.299 * 1.402 / 0.587)
        let cbToB = Float(1.772)
        @inline(__always) func clip(_ v: Float) -> UInt8 { UInt8(min(max((v + 0.5).rounded(.down), 0), 255)) }
        for p in 0..<pixels {
            let y = Float(values[3 * p]), cb = Float(values[3 * p + 1]) - 128, cr = Float(values[3 * p + 2]) - 128
            values[3 * p] = clip(y + cr * crToR)
            values[3 * p + 1] = clip(y + cb * cbToG + cr * crToG)
            values[3 * p + 2] = clip(y + cb * cbToB)
        }
    }

    /// `stored * slope + intercept` in float64 for each of `count` values (pydicom's `apply_modality_lut`).
    static func rescale(_ stored: UnsafeRawPointer, dtype: DType, count: Int, slope: Double, intercept: Double,
                        to destination: UnsafeMutablePointer<Double>) {
        func apply<T: TensorScalar>(_: T.Type) {
            let values = stored.bindMemory(to: T.self, capacity: count)
            for i in 0..<count { destination[i] = values[i].doubleValue * slope + intercept }
        }
        switch dtype {
        case .uint8: apply(UInt8.self)
        case .int8: apply(Int8.self)
        case .uint16: apply(UInt16.self)
        case .int16: apply(Int16.self)
        case .uint32: apply(UInt32.self)
        case .int32: apply(Int32.self)
        default: apply(Double.self)
        }
    }
}
