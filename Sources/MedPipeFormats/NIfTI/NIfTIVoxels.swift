import MedPipeCore

/// Turns a NIfTI data block into a ``Tensor`` as nibabel's `get_fdata` sees it.
///
/// The on-disk order (x fastest) is the row-major order of shape `(…, t, z, y, x)`, so voxels are
/// never moved, only byte-swapped (big-endian files) and, when `scl_slope` applies, converted
/// to float64 as `raw * slope + inter` — nibabel's arithmetic, so the values are bit-identical.
enum NIfTIVoxels {
    /// - Parameters:
    ///   - data: the block's bytes, starting at `start` and holding `header.dataByteCount` bytes.
    static func tensor(_ header: NIfTIHeader, data: [UInt8], start: Int) -> Tensor {
        let stored = header.dataType.storedDType!
        var shape = Array(header.dims.reversed())
        if header.dataType.isColour { shape.append(header.dataType.components) }
        let count = header.dataByteCount / stored.size
        let swap = header.isBigEndian && stored.size > 1

        if let (slope, inter) = header.scaling {
            let bytes = LargeBuffer.make(count: count * 8) { output in
                data.withUnsafeBytes { raw in
                    let input = UnsafeRawPointer(raw.baseAddress!) + start
                    let doubles = UnsafeMutableRawPointer(output).bindMemory(to: Double.self, capacity: count)
                    scale(stored, input, doubles, count: count, swap: swap, slope: slope, inter: inter)
                }
                return count * 8
            }
            return Tensor(shape: shape, dtype: .float64, bytes: bytes)
        }
        if !swap && start == 0 && data.count == header.dataByteCount {
            return Tensor(shape: shape, dtype: stored, bytes: data)
        }
        let byteCount = header.dataByteCount
        let bytes = LargeBuffer.make(count: byteCount) { output in
            data.withUnsafeBytes { raw in
                let input = raw.baseAddress! + start
                if swap {
                    swapBytes(input, output, count: count, width: stored.size)
                } else {
                    output.update(from: input.assumingMemoryBound(to: UInt8.self), count: byteCount)
                }
            }
            return byteCount
        }
        return Tensor(shape: shape, dtype: stored, bytes: bytes)
    }

    private static func scale(_ stored: DType, _ input: UnsafeRawPointer, _ output: UnsafeMutablePointer<Double>,
                              count: Int, swap: Bool, slope: Double, inter: Double) {
        switch stored {
        case .bool, .uint8: scaleIntegers(UInt8.self, input, output, count, swap, slope, inter)
        case .int8: scaleIntegers(Int8.self, input, output, count, swap, slope, inter)
        case .uint16: scaleIntegers(UInt16.self, input, output, count, swap, slope, inter)
        case .int16: scaleIntegers(Int16.self, input, output, count, swap, slope, inter)
        case .uint32: scaleIntegers(UInt32.self, input, output, count, swap, slope, inter)
        case .int32: scaleIntegers(Int32.self, input, output, count, swap, slope, inter)
        case .uint64: scaleIntegers(UInt64.self, input, output, count, swap, slope, inter)
        case .int64: scaleIntegers(Int64.self, input, output, count, swap, slope, inter)
        case .float32:
            scaleIntegers(UInt32.self, input, output, count, swap, slope, inter) { Double(Float(bitPattern: $0)) }
        case .float64:
            scaleIntegers(UInt64.self, input, output, count, swap, slope, inter) { Double(bitPattern: $0) }
        }
    }

    /// `output[i] = value(input[i]) * slope + inter`, skipping the multiply when slope is 1 and the
    /// add when inter is 0, as nibabel's `apply_read_scaling` does.
    @inline(__always)
    private static func scaleIntegers<T: FixedWidthInteger>(
        _ type: T.Type, _ input: UnsafeRawPointer, _ output: UnsafeMutablePointer<Double>, _ count: Int,
        _ swap: Bool, _ slope: Double, _ inter: Double, value: (T) -> Double = { Double($0) }
    ) {
        let width = MemoryLayout<T>.size
        if slope != 1 && inter != 0 {
            for i in 0..<count {
                let raw = input.loadUnaligned(fromByteOffset: i * width, as: T.self)
                output[i] = value(swap ? raw.byteSwapped : raw) * slope + inter
            }
        } else if slope != 1 {
            for i in 0..<count {
                let raw = input.loadUnaligned(fromByteOffset: i * width, as: T.self)
                output[i] = value(swap ? raw.byteSwapped : raw) * slope
            }
        } else {
            for i in 0..<count {
                let raw = input.loadUnaligned(fromByteOffset: i * width, as: T.self)
                output[i] = value(swap ? raw.byteSwapped : raw) + inter
            }
        }
    }

    private static func swapBytes(_ input: UnsafeRawPointer, _ output: UnsafeMutablePointer<UInt8>, count: Int, width: Int) {
        let target = UnsafeMutableRawPointer(output)
        switch width {
        case 2:
            for i in 0..<count { target.storeBytes(of: input.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self).byteSwapped, toByteOffset: i * 2, as: UInt16.self) }
        case 4:
            for i in 0..<count { target.storeBytes(of: input.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self).byteSwapped, toByteOffset: i * 4, as: UInt32.self) }
        default:
            for i in 0..<count { target.storeBytes(of: input.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self).byteSwapped, toByteOffset: i * 8, as: UInt64.self) }
        }
    }
}
