import Foundation

/// Gaussian smoothing over every spatial axis of a channels-first sample (MONAI `RandGaussianSmooth`,
/// `scipy.ndimage.gaussian_filter` with `mode="nearest"`, `truncate=4`): separable, the kernel truncated at
/// 4 σ and normalized to sum 1, border values repeated outwards.
enum GaussianBlur {
    /// Smooths `x` of `shape` in place with standard deviation `sigma` (in samples) along each spatial axis;
    /// `sigma` 0 leaves it unchanged. `scratch` holds at least `x.count` values.
    static func apply(_ x: UnsafeMutableBufferPointer<Float>, shape: [Int], sigma: Double, scratch: UnsafeMutableBufferPointer<Float>) {
        guard sigma > 0 else { return }
        let kernel = Self.kernel(sigma: sigma)
        let radius = kernel.count / 2
        for axis in 1..<shape.count {
            let size = shape[axis], inner = shape[(axis + 1)...].reduce(1, *), outer = shape[..<axis].reduce(1, *)
            for o in 0..<outer {
                for k in 0..<inner {
                    let base = o * size * inner + k
                    for i in 0..<size {
                        var sum: Float = 0
                        for (offset, weight) in kernel.enumerated() {
                            let source = min(max(i + offset - radius, 0), size - 1)
                            sum += weight * x[base + source * inner]
                        }
                        scratch[base + i * inner] = sum
                    }
                }
            }
            for i in x.indices { x[i] = scratch[i] }
        }
    }

    /// The normalized Gaussian weights at offsets −r ... r, r = ⌊4 σ + 0.5⌋ (scipy's truncation).
    static func kernel(sigma: Double) -> [Float] {
        let radius = Int(4 * sigma + 0.5)
        let weights = (-radius...radius).map { exp(-0.5 * Double($0 * $0) / (sigma * sigma)) }
        let total = weights.reduce(0, +)
        return weights.map { Float($0 / total) }
    }
}
