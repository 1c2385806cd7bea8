import MedPipeCore

/// Trilinear resampling of the last three axes of a `(…, z, y, x)` tensor in one pass over its slices.
///
/// The arithmetic is exactly that of three ``LinearTaps`` passes (along x, then y, then z), so
/// the result is bit-for-bit the same, but the full-size intermediates of the first two passes are
/// never made: each input slice is resampled in-plane once, when an output slice first needs it,
/// and the two input slices around each output slice are blended straight into the output.
enum VolumeResampling {
    /// `input` resampled to `extents` (z, y, x), as float32.
    static func resample(_ input: Tensor, to extents: [Int]) -> Tensor {
        switch input.dtype {
        case .float32: return resample(input, Float.self, to: extents)
        case .int16: return resample(input, Int16.self, to: extents)
        case .uint16: return resample(input, UInt16.self, to: extents)
        case .int8: return resample(input, Int8.self, to: extents)
        case .uint8: return resample(input, UInt8.self, to: extents)
        default: return resample(input.asFloat32(), to: extents)
        }
    }

    private static func resample<T: InterpolatedScalar>(_ input: Tensor, _: T.Type, to extents: [Int]) -> Tensor {
        let rank = input.shape.count
        let (nz, ny, nx) = (input.shape[rank - 3], input.shape[rank - 2], input.shape[rank - 1])
        let (mz, my, mx) = (extents[0], extents[1], extents[2])
        let batch = input.shape.dropLast(3).reduce(1, *)
        let (tz, ty, tx) = (LinearTaps(from: nz, to: mz), LinearTaps(from: ny, to: my), LinearTaps(from: nx, to: mx))
        let inSlice = ny * nx, outSlice = my * mx
        // Scratch: one slice resampled along x, and two in-plane resampled slices (the pair an output slice blends).
        let rows = UnsafeMutablePointer<Float>.allocate(capacity: ny * mx)
        let planes = [UnsafeMutablePointer<Float>.allocate(capacity: outSlice), .allocate(capacity: outSlice)]
        defer { rows.deallocate(); planes.forEach { $0.deallocate() } }

        return Tensor.float32(shape: Array(input.shape.dropLast(3)) + extents) { out in
            input.withUnsafeBufferPointer(as: T.self) { x in
                for b in 0..<batch {
                    let volume = x.baseAddress! + b * nz * inSlice
                    var held = [-1, -1]  // input slice index in each plane
                    /// The plane holding input slice `z` resampled in-plane, computing it into a plane `keep` does not use.
                    func plane(_ z: Int, keep: Int) -> UnsafeMutablePointer<Float> {
                        if let slot = held.firstIndex(of: z) { return planes[slot] }
                        let slot = held[0] == keep ? 1 : 0
                        resampleSlice(volume + z * inSlice, ny: ny, nx: nx, ty: ty, tx: tx, rows: rows, into: planes[slot])
                        held[slot] = z
                        return planes[slot]
                    }
                    let target = out.baseAddress! + b * mz * outSlice
                    for k in 0..<mz {
                        let row = target + k * outSlice
                        if nz == mz {
                            row.update(from: plane(k, keep: -1), count: outSlice)
                            continue
                        }
                        let lower = plane(tz.lower[k], keep: -1), upper = plane(tz.upper[k], keep: tz.lower[k])
                        let t = tz.weight[k]
                        for q in 0..<outSlice { row[q] = lower[q] + t * (upper[q] - lower[q]) }
                    }
                }
            }
        }
    }

    /// One `(ny, nx)` slice resampled along x into `rows`, then along y into `plane` (each pass an
    /// exact copy, converted to float, when its extent does not change).
    private static func resampleSlice<T: InterpolatedScalar>(_ slice: UnsafePointer<T>, ny: Int, nx: Int, ty: LinearTaps, tx: LinearTaps,
                                                             rows: UnsafeMutablePointer<Float>, into plane: UnsafeMutablePointer<Float>) {
        let my = ty.lower.count, mx = tx.lower.count
        tx.lower.withUnsafeBufferPointer { lo in
        tx.upper.withUnsafeBufferPointer { hi in
        tx.weight.withUnsafeBufferPointer { w in
            for y in 0..<ny {
                let source = slice + y * nx, target = rows + y * mx
                if nx == mx {
                    for j in 0..<mx { target[j] = source[j].float }
                } else {
                    for j in 0..<mx {
                        let a = source[lo[j]].float, b = source[hi[j]].float
                        target[j] = a + w[j] * (b - a)
                    }
                }
            }
        }}}
        if ny == my {
            plane.update(from: rows, count: my * mx)
            return
        }
        for j in 0..<my {
            let a = rows + ty.lower[j] * mx, b = rows + ty.upper[j] * mx, t = ty.weight[j]
            let target = plane + j * mx
            for q in 0..<mx { target[q] = a[q] + t * (b[q] - a[q]) }
        }
    }
}
