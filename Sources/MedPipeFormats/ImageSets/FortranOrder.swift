/// Rearranges column-major (Fortran-order) element bytes into row-major order.
enum FortranOrder {
    /// Writes the row-major form of the column-major array `source` of `shape` into `output`.
    static func transpose(_ source: UnsafeRawBufferPointer, into output: UnsafeMutableRawPointer, shape: [Int], elementSize: Int) {
        switch elementSize {
        case 1: transpose(source, into: output, shape: shape, as: UInt8.self)
        case 2: transpose(source, into: output, shape: shape, as: UInt16.self)
        case 4: transpose(source, into: output, shape: shape, as: UInt32.self)
        default: transpose(source, into: output, shape: shape, as: UInt64.self)
        }
    }

    /// Walks the output in row-major order; the last output axis is the slowest-varying input axis,
    /// so the inner loop gathers with stride `product(shape.dropLast())`.
    private static func transpose<T: FixedWidthInteger>(_ source: UnsafeRawBufferPointer, into output: UnsafeMutableRawPointer, shape: [Int], as: T.Type) {
        let count = shape.reduce(1, *)
        guard count > 0, let input = source.baseAddress else { return }
        let size = MemoryLayout<T>.size
        let target = output.assumingMemoryBound(to: T.self)
        let rank = shape.count
        // Column-major strides, in elements.
        var strides = [Int](repeating: 1, count: rank)
        for axis in 1..<rank { strides[axis] = strides[axis - 1] * shape[axis - 1] }
        let inner = shape[rank - 1], innerStride = strides[rank - 1]
        var index = [Int](repeating: 0, count: rank)
        var offset = 0
        var written = 0
        while written < count {
            for i in 0..<inner { target[written + i] = input.loadUnaligned(fromByteOffset: (offset + i * innerStride) * size, as: T.self) }
            written += inner
            // Advance the odometer over the outer axes.
            var axis = rank - 2
            while axis >= 0 {
                index[axis] += 1
                offset += strides[axis]
                if index[axis] < shape[axis] { break }
                offset -= strides[axis] * shape[axis]
                index[axis] = 0
                axis -= 1
            }
        }
    }
}
