import MedPipeCore

/// How a spatial tensor's axes relate to its affine.
///
/// Tensors are `(…, z, y, x)` for volumes or `(…, y, x)` for images (slowest first); the affine's
/// columns are voxel axes `(x, y, z)`. So tensor axis `rank − 1 − v` is voxel axis `v` for the last
/// `spatialRank` axes; leading axes (time, channels) are carried along unchanged.
struct SpatialLayout {
    /// 3 for rank ≥ 3 tensors, 2 for images.
    let spatialRank: Int
    /// Product of the leading (non-spatial) extents.
    let batch: Int
    /// The spatial extents, slowest first (tensor order).
    let spatial: [Int]
    let leading: [Int]

    init(_ shape: [Int], stage: String) throws {
        guard shape.count >= 2 else {
            throw MedPipeError.invalidArgument(stage, "needs an image or volume, got a tensor of shape \(shape)")
        }
        spatialRank = shape.count >= 3 ? 3 : 2
        leading = Array(shape.dropLast(spatialRank))
        spatial = Array(shape.suffix(spatialRank))
        batch = leading.reduce(1, *)
    }

    /// Voxel axis (affine column) of spatial tensor axis `a` (0-based within `spatial`).
    func voxelAxis(ofSpatial a: Int) -> Int { spatialRank - 1 - a }

    /// The shape with new spatial extents.
    func shape(spatial newSpatial: [Int]) -> [Int] { leading + newSpatial }
}

extension Affine {
    /// Column `c` (0...3) as a 3-vector.
    func column(_ c: Int) -> [Double] { (0..<3).map { matrix[$0][c] } }

    /// A copy with column `c` replaced by `v` (3 entries).
    func setting(column c: Int, to v: [Double]) -> Affine {
        var m = matrix
        for r in 0..<3 { m[r][c] = v[r] }
        return Affine(matrix: m)
    }
}

/// One step of a separable linear resampling along one axis.
///
/// Grid: scipy's `ndimage.zoom(order=1, grid_mode=True, mode="nearest")`, i.e. pixel-area
/// alignment (PyTorch `align_corners=False`): output index `o` samples input coordinate
/// `(o + 0.5)·n/m − 0.5`, clamped to `[0, n − 1]` (edge values extend).
struct LinearTaps {
    var lower: [Int]
    var upper: [Int]
    var weight: [Float]

    init(from n: Int, to m: Int) {
        let ratio = Double(n) / Double(m)
        lower = []; upper = []; weight = []
        lower.reserveCapacity(m); upper.reserveCapacity(m); weight.reserveCapacity(m)
        for o in 0..<m {
            let c = min(max((Double(o) + 0.5) * ratio - 0.5, 0), Double(n - 1))
            let i0 = Int(c.rounded(.down))
            lower.append(i0)
            upper.append(min(i0 + 1, n - 1))
            weight.append(Float(c - Double(i0)))
        }
    }

    /// Resamples axis `axis` of a row-major tensor to length `m`, into float32.
    ///
    /// Float32 and 8- or 16-bit integer inputs are read in place and converted element by element
    /// as they are interpolated (exactly as ``Tensor/asFloat32()`` would convert them), so the first
    /// pass over a stored volume needs no float copy of it; other types are converted first.
    /// When `n == m` the input is returned unchanged, in its own dtype.
    static func resample(_ input: Tensor, axis: Int, to m: Int) -> Tensor {
        if input.shape[axis] == m { return input }
        switch input.dtype {
        case .float32: return resample(input, Float.self, axis: axis, to: m)
        case .int16: return resample(input, Int16.self, axis: axis, to: m)
        case .uint16: return resample(input, UInt16.self, axis: axis, to: m)
        case .int8: return resample(input, Int8.self, axis: axis, to: m)
        case .uint8: return resample(input, UInt8.self, axis: axis, to: m)
        default: return resample(input.asFloat32(), axis: axis, to: m)
        }
    }

    /// The interpolation itself, specialized for each element type it reads.
    private static func resample<T: InterpolatedScalar>(_ input: Tensor, _: T.Type, axis: Int, to m: Int) -> Tensor {
        var shape = input.shape
        let n = shape[axis]
        let outer = shape[..<axis].reduce(1, *), inner = shape[(axis + 1)...].reduce(1, *)
        shape[axis] = m
        let taps = LinearTaps(from: n, to: m)
        return Tensor.float32(shape: shape) { out in
            input.withUnsafeBufferPointer(as: T.self) { x in
                taps.lower.withUnsafeBufferPointer { lo in
                taps.upper.withUnsafeBufferPointer { hi in
                taps.weight.withUnsafeBufferPointer { w in
                    let src = x.baseAddress!, dst = out.baseAddress!
                    for o in 0..<outer {
                        let inBase = src + o * n * inner, outBase = dst + o * m * inner
                        if inner == 1 {
                            for j in 0..<m {
                                let a = inBase[lo[j]].float, b = inBase[hi[j]].float
                                outBase[j] = a + w[j] * (b - a)
                            }
                        } else {
                            for j in 0..<m {
                                let a = inBase + lo[j] * inner, b = inBase + hi[j] * inner, t = w[j]
                                let row = outBase + j * inner
                                for q in 0..<inner {
                                    let left = a[q].float
                                    row[q] = left + t * (b[q].float - left)
                                }
                            }
                        }
                    }
                }}}
            }
        }
    }
}

/// An element type that linear resampling reads in place, and its exact conversion to float32.
protocol InterpolatedScalar: TensorScalar {
    var float: Float { get }
}

extension Float: InterpolatedScalar { var float: Float { self } }
extension Int16: InterpolatedScalar { var float: Float { Float(self) } }
extension UInt16: InterpolatedScalar { var float: Float { Float(self) } }
extension Int8: InterpolatedScalar { var float: Float { Float(self) } }
extension UInt8: InterpolatedScalar { var float: Float { Float(self) } }
