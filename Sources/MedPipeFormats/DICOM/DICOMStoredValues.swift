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

    /// YBR_FULL → RGB as pydicom's `convert_color_space` computes it: a float32 matrix product (NumPy's matmul,
    /// whose BLAS kernel accumulates with fused multiply-adds), + 0.5, floor, clip; equal for all 2^24 byte triplets.
    /// R depends on (Y, Cr) and B on (Y, Cb) alone, so they come from tables; G adds Cr's term to a tabled sum.
    private static func convertYBRFullToRGB(_ values: UnsafeMutablePointer<UInt8>, pixels: Int) {
        let tables = YBRTables.shared
        tables.red.withUnsafeBufferPointer { red in
        tables.blue.withUnsafeBufferPointer { blue in
        tables.greenOfLumaAndCb.withUnsafeBufferPointer { greenOfLumaAndCb in
            for p in 0..<pixels {
                let y = Int(values[3 * p]) << 8, cb = Int(values[3 * p + 1]), cr = Int(values[3 * p + 2])
                values[3 * p] = red[y | cr]
                values[3 * p + 1] = YBRTables.roundHalfUpClipped(YBRTables.fused(greenOfLumaAndCb[y | cb], cr, YBRTables.crToG))
                values[3 * p + 2] = blue[y | cb]
            }
        }}}
    }

    /// pydicom's YBR_FULL → RGB terms, tabled by the bytes they depend on.
    private struct YBRTables: Sendable {
        static let crToR = Float(1.402), cbToG = Float(-0.114 * 1.772 / 0.587), crToG = Float(-0.299 * 1.402 / 0.587)
        static let cbToB = Float(1.772)
        /// R of (Y << 8 | Cr) and B of (Y << 8 | Cb), rounded and clipped.
        var red: [UInt8], blue: [UInt8]
        /// Y + (Cb − 128)·k of G, fused, by (Y << 8 | Cb).
        var greenOfLumaAndCb: [Float]

        static let shared = YBRTables()

        private init() {
            red = (0..<65536).map { Self.roundHalfUpClipped(Self.fused(Float($0 >> 8), $0 & 255, Self.crToR)) }
            blue = (0..<65536).map { Self.roundHalfUpClipped(Self.fused(Float($0 >> 8), $0 & 255, Self.cbToB)) }
            greenOfLumaAndCb = (0..<65536).map { Self.fused(Float($0 >> 8), $0 & 255, Self.cbToG) }
        }

        /// `sum + (chroma − 128)·k` rounded once to float32 (a fused multiply-add): both terms are multiples of
        /// 2^-25 below 2^10 here, so float64 holds their sum exactly and one conversion rounds it.
        @inline(__always)
        static func fused(_ sum: Float, _ chroma: Int, _ k: Float) -> Float {
            Float(Double(sum) + Double(chroma - 128) * Double(k))
        }

        /// floor(v + 0.5) clipped to 0...255 (v is within ±1000 here: truncation, then one step down below zero).
        @inline(__always)
        static func roundHalfUpClipped(_ v: Float) -> UInt8 {
            let x = v + 0.5
            let truncated = Int32(x)
            return UInt8(clamping: Float(truncated) > x ? truncated - 1 : truncated)
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
        case .float32: apply(Float.self)
        default: apply(Double.self)
        }
    }
}
