import MedPipeCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Crops or pads the spatial axes to a fixed extent, centred: cropping an axis from `n` to `m`
/// keeps indices `⌊(n−m)/2⌋ ..< ⌊(n−m)/2⌋ + m`; padding puts `⌊(m−n)/2⌋` pad values before and
/// the rest after. The dtype is kept; the affine is shifted so kept voxels keep their world position.
public struct CropOrPad: Stage {
    public static let name = "crop-or-pad"

    /// Target extents of the last 2 or 3 axes, tensor order (`rows, columns` or `slices, rows, columns`).
    public var shape: [Int]
    /// Value written into padded voxels (must be representable in the sample's dtype).
    public var padValue: Double

    public init(shape: [Int], padValue: Double = 0) throws {
        guard (2...3).contains(shape.count), shape.allSatisfy({ $0 > 0 }) else {
            throw MedPipeError.invalidArgument(Self.name, "shape must be 2 or 3 positive extents, got \(shape)")
        }
        self.shape = shape
        self.padValue = padValue
    }

    /// Decodes through the checking initializer: a stored pipeline (a checkpoint's, a cache's) skipped its checks.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(shape: c.decode([Int].self, forKey: .shape), padValue: c.decode(Double.self, forKey: .padValue))
    }

    public var canonicalParameters: String {
        var p = CanonicalParameters()
        p.add("shape", shape)
        p.add("pad", padValue)
        return p.text
    }

    public func run(_ sample: Sample) throws -> StageOutput {
        let input = sample.tensor
        guard input.shape.count >= shape.count else {
            throw MedPipeError.invalidArgument(Self.name, "\(sample.source): target \(shape) has more axes than the tensor \(input.shape)")
        }
        guard let fill = input.dtype.bytes(of: padValue) else {
            throw MedPipeError.invalidArgument(Self.name, "\(sample.source): pad value \(padValue) is not representable in \(input.dtype)")
        }
        let lead = input.shape.count - shape.count
        let outShape = Array(input.shape.prefix(lead)) + shape
        try OutputLimit.check(outShape.map(Double.init), stage: Self.name, source: sample.source, "cropping or padding \(input.shape) to \(shape)")
        // Per axis: first source index, first destination index, overlap length.
        var srcStart = [Int](repeating: 0, count: outShape.count), dstStart = srcStart
        var overlap = input.shape
        for a in lead..<outShape.count {
            let n = input.shape[a], m = outShape[a]
            if n >= m { srcStart[a] = (n - m) / 2; overlap[a] = m } else { dstStart[a] = (m - n) / 2; overlap[a] = n }
        }
        let size = input.dtype.size, count = outShape.reduce(1, *)
        let inStrides = StridedGather.strides(of: input.shape), outStrides = StridedGather.strides(of: outShape)
        let bytes = [UInt8](unsafeUninitializedCapacity: count * size) { buffer, initialized in
            let out = buffer.baseAddress!
            if fill.allSatisfy({ $0 == 0 }) { memset(out, 0, count * size) } else {
                for e in 0..<count { for b in 0..<size { out[e * size + b] = fill[b] } }
            }
            input.bytes.withUnsafeBytes { raw in
                let src = raw.baseAddress!.assumingMemoryBound(to: UInt8.self)
                let rank = outShape.count
                let rowLength = overlap[rank - 1] * size
                let rows = overlap.dropLast().reduce(1, *)
                guard rowLength > 0, rows > 0 else { return }
                var index = [Int](repeating: 0, count: rank - 1)
                for _ in 0..<rows {
                    var s = srcStart[rank - 1], d = dstStart[rank - 1]
                    for a in 0..<(rank - 1) {
                        s += (srcStart[a] + index[a]) * inStrides[a]
                        d += (dstStart[a] + index[a]) * outStrides[a]
                    }
                    memcpy(out + d * size, src + s * size, rowLength)
                    var a = rank - 2
                    while a >= 0 { index[a] += 1; if index[a] < overlap[a] { break }; index[a] = 0; a -= 1 }
                }
            }
            initialized = count * size
        }
        var geometry = sample.geometry
        if case .spatial(let spacing, var affine) = geometry {
            // Output index i maps to input index i + srcStart − dstStart along each axis.
            let t = affine.column(3)
            var shifted = t
            for a in lead..<outShape.count {
                let v = outShape.count - 1 - a
                guard v < 3 else { continue }
                let offset = Double(srcStart[a] - dstStart[a])
                let column = affine.column(v)
                for r in 0..<3 { shifted[r] += column[r] * offset }
            }
            affine = affine.setting(column: 3, to: shifted)
            geometry = .spatial(spacing: spacing, affine: affine)
        }
        return StageOutput([sample.replacing(tensor: Tensor(shape: outShape, dtype: input.dtype, bytes: bytes), geometry: geometry)])
    }
}
