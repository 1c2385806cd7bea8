import Foundation
import MedPipeCore

/// One random change to a training sample (data augmentation), applied with probability `prob`, as
/// MONAI's `Rand*` and TorchIO's `Random*` transforms do. Samples are channels first, as the network takes
/// them: images `[C, H, W]`, signals `[leads, samples]`; every channel gets the same draw.
public enum RandomTransform: Sendable, Equatable {
    /// Mirrors along each spatial axis of `axes` (0: rows, i.e. upside down; 1: columns, left–right),
    /// each with probability `prob` (MONAI `RandFlip(spatial_axis)`, TorchIO `RandomFlip(axes)`).
    case flip(axes: [Int], prob: Double)
    /// An affine warp about the image or volume centre: rotation by U(−degrees, degrees) (for volumes about
    /// each of the three axes, MONAI's `rotate_range` per axis), isotropic zoom by U(scales), shear by an angle
    /// of U(−shear, shear) degrees (columns move by tan(angle) × the row's offset from the centre), shift by
    /// U(−t, t) × size along each spatial axis (`translate`: [rows, columns] for images, [depth, rows, columns]
    /// for volumes, as fractions; all zero for no shift); bilinear (trilinear for volumes), border values repeated outwards (MONAI `RandAffine` with `padding_mode="border"`,
    /// TorchIO `RandomAffine(scales, degrees, translation)`; TorchIO's `shear` is in degrees too, MONAI's
    /// `shear_range` is the coefficient tan(angle)). `rotate` is this with only `degrees`.
    case affine(degrees: Double, scales: [Double], shear: Double = 0, translate: [Double], prob: Double)
    /// Elastic deformation of images and volumes (MONAI `Rand2DElastic`/`Rand3DElastic(spacing, magnitude_range)`):
    /// control points every `spacing` pixels displaced by U(magnitude) × N(0, 1) pixels along each axis, a cubic
    /// B-spline between them, bilinear (trilinear) resampling with the border repeated.
    case elastic(spacing: Double, magnitude: [Double], prob: Double)
    /// Gaussian smoothing over every spatial axis with one σ drawn from U(sigma) samples, truncated at 4 σ,
    /// border repeated (MONAI `RandGaussianSmooth`, isotropic).
    case blur(sigma: [Double], prob: Double)
    /// Pads each spatial side of an image or volume by `padding` and crops back to the original size at a
    /// random offset (torchvision `RandomCrop(size, padding, padding_mode)`): an integer shift of
    /// −padding…padding along each spatial axis, the gap filled by `mode`.
    case cropPad(padding: Int, mode: PaddingMode, prob: Double)
    /// Adds Gaussian noise N(mean, std²) to every value (MONAI `RandGaussianNoise`).
    case gaussianNoise(mean: Double, std: Double, prob: Double)
    /// Multiplies every value by 1 + U(−factors, factors) (MONAI `RandScaleIntensity`).
    case scaleIntensity(factors: Double, prob: Double)
    /// Adds U(−offsets, offsets) to every value (MONAI `RandShiftIntensity`).
    case shiftIntensity(offsets: Double, prob: Double)
    /// Contrast: values mapped to [0, 1] by the sample's minimum and maximum, raised to a power drawn
    /// from U(gamma), mapped back (MONAI `RandAdjustContrast(gamma)`).
    case gamma(range: [Double], prob: Double)
    /// Shifts a signal in time by a whole number of samples drawn from −maxShift…maxShift, repeating the
    /// edge sample into the gap.
    case timeShift(maxShift: Int, prob: Double)
    /// Multiplies a signal by a factor drawn from U(scales).
    case amplitudeScale(scales: [Double], prob: Double)
    /// Adds a slow sinusoid to a signal: amplitude U(0, amplitude), period U(period) in samples, random phase.
    case baselineWander(amplitude: Double, period: [Double], prob: Double)

    /// The recipe name of the transform.
    public var name: String {
        switch self {
        case .flip: "flip"
        case .affine: "affine"
        case .elastic: "elastic"
        case .blur: "blur"
        case .cropPad: "crop-pad"
        case .gaussianNoise: "gaussian-noise"
        case .scaleIntensity: "scale-intensity"
        case .shiftIntensity: "shift-intensity"
        case .gamma: "gamma"
        case .timeShift: "time-shift"
        case .amplitudeScale: "amplitude-scale"
        case .baselineWander: "baseline-wander"
        }
    }

    /// Checks the transform fits samples of channels-first `shape`; `subject` names it in errors.
    public func validate(for shape: [Int], subject: String) throws {
        let spatial = shape.count - 1
        func need(_ ok: Bool, _ what: String) throws {
            if !ok { throw MedPipeError.invalidArgument(subject, "\(name): \(what)") }
        }
        switch self {
        case let .flip(axes, _):
            try need(spatial >= 1 && axes.allSatisfy { (0..<spatial).contains($0) },
                     "axes \(axes) must be spatial axes 0..<\(spatial) of samples \(shape) (after the channel axis)")
        case let .affine(_, _, _, translate, _):
            try need(spatial == 2 || spatial == 3, "warps images [C, H, W] or volumes [C, D, H, W], not samples \(shape)")
            try need(translate.count == spatial || translate.allSatisfy { $0 == 0 },
                     "translate \(translate) needs one share per spatial axis of samples \(shape): [rows, columns] for images, [depth, rows, columns] for volumes")
        case .elastic:
            try need(spatial == 2 || spatial == 3, "warps images [C, H, W] or volumes [C, D, H, W], not samples \(shape)")
        case .cropPad:
            try need(spatial >= 2, "shifts images [C, H, W] or volumes [C, D, H, W], not samples \(shape)")
        case .blur:
            try need(spatial >= 1, "smooths the spatial axes after the channel axis, and samples \(shape) have none")
        case .timeShift, .baselineWander:
            try need(spatial == 1, "changes signals [leads, samples], not samples \(shape)")
        case .gaussianNoise, .scaleIntensity, .shiftIntensity, .gamma, .amplitudeScale:
            break
        }
    }

    /// Applies the transform to one sample in place with randomness from `rng` (nothing when the draw
    /// against `prob` says no). `scratch` is a buffer at least as large as the sample.
    func apply(_ x: UnsafeMutableBufferPointer<Float>, shape: [Int], scratch: UnsafeMutableBufferPointer<Float>,
               rng: inout SeededGenerator) {
        switch self {
        case let .flip(axes, prob):
            for axis in axes where rng.unit() < prob { Self.flip(x, shape: shape, axis: axis + 1) }
        case let .affine(degrees, scales, shear, translate, prob):
            guard rng.unit() < prob else { return }
            if shape.count == 4 {
                Self.affineVolume(x, shape: shape, degrees: degrees, scales: scales, shear: shear, translate: translate, scratch: scratch, rng: &rng)
                return
            }
            let angle = rng.uniform(-degrees, degrees) * .pi / 180
            let zoom = rng.uniform(scales[0], scales[1])
            let dy = rng.uniform(-translate[0], translate[0]) * Double(shape[1])
            let dx = rng.uniform(-translate[1], translate[1]) * Double(shape[2])
            // Drawn last, and only when asked for, so recipes without shear keep their variants.
            let shearAngle = shear > 0 ? rng.uniform(-shear, shear) * .pi / 180 : 0
            AffineWarp.apply(x, shape: shape, angle: angle, zoom: zoom, shear: shearAngle, shift: (dy, dx), scratch: scratch)
        case let .elastic(spacing, magnitude, prob):
            guard rng.unit() < prob else { return }
            let size = rng.uniform(magnitude[0], magnitude[1])
            if shape.count == 4 {
                ElasticWarp.applyVolume(x, shape: shape, spacing: spacing, magnitude: size, scratch: scratch, rng: &rng)
            } else {
                ElasticWarp.apply(x, shape: shape, spacing: spacing, magnitude: size, scratch: scratch, rng: &rng)
            }
        case let .blur(sigma, prob):
            guard rng.unit() < prob else { return }
            GaussianBlur.apply(x, shape: shape, sigma: rng.uniform(sigma[0], sigma[1]), scratch: scratch)
        case let .cropPad(padding, mode, prob):
            guard rng.unit() < prob else { return }
            for axis in 1..<shape.count {
                let shift = rng.below(2 * padding + 1) - padding
                Self.shift(x, shape: shape, axis: axis, by: shift, mode: mode, scratch: scratch)
            }
        case let .gaussianNoise(mean, std, prob):
            guard rng.unit() < prob else { return }
            var i = 0
            while i < x.count {
                let (a, b) = rng.normalPair()
                x[i] += Float(mean + std * a)
                if i + 1 < x.count { x[i + 1] += Float(mean + std * b) }
                i += 2
            }
        case let .scaleIntensity(factors, prob):
            guard rng.unit() < prob else { return }
            Self.scale(x, by: Float(1 + rng.uniform(-factors, factors)))
        case let .shiftIntensity(offsets, prob):
            guard rng.unit() < prob else { return }
            let offset = Float(rng.uniform(-offsets, offsets))
            for i in x.indices { x[i] += offset }
        case let .gamma(range, prob):
            guard rng.unit() < prob, let low = x.min(), let high = x.max(), high > low else { return }
            let power = Float(rng.uniform(range[0], range[1]))
            let span = high - low
            for i in x.indices { x[i] = powf((x[i] - low) / span, power) * span + low }
        case let .timeShift(maxShift, prob):
            guard rng.unit() < prob else { return }
            let shift = rng.below(2 * maxShift + 1) - maxShift
            Self.shift(x, shape: shape, axis: 1, by: shift, mode: .edge, scratch: scratch)
        case let .amplitudeScale(scales, prob):
            guard rng.unit() < prob else { return }
            Self.scale(x, by: Float(rng.uniform(scales[0], scales[1])))
        case let .baselineWander(amplitude, period, prob):
            guard rng.unit() < prob else { return }
            let a = rng.uniform(0, amplitude), p = rng.uniform(period[0], period[1]), phase = rng.uniform(0, 2 * .pi)
            let length = shape[1]
            for t in 0..<length {
                let wander = Float(a * sin(2 * .pi * Double(t) / p + phase))
                for lead in 0..<shape[0] { x[lead * length + t] += wander }
            }
        }
    }

    /// Draws and applies the affine warp of a volume `[C, D, H, W]`: an angle about each axis, the zoom, a
    /// shift along each spatial axis (none when `translate` is all zero), then the shear when asked for.
    private static func affineVolume(_ x: UnsafeMutableBufferPointer<Float>, shape: [Int], degrees: Double, scales: [Double], shear: Double,
                                     translate: [Double], scratch: UnsafeMutableBufferPointer<Float>, rng: inout SeededGenerator) {
        let angles = (0..<3).map { _ in rng.uniform(-degrees, degrees) * .pi / 180 }
        let zoom = rng.uniform(scales[0], scales[1])
        let shifts = (0..<3).map { (axis: Int) -> Double in
            translate.count == 3 ? rng.uniform(-translate[axis], translate[axis]) * Double(shape[axis + 1]) : 0
        }
        let shearAngle = shear > 0 ? rng.uniform(-shear, shear) * .pi / 180 : 0
        VolumeWarp.affine(x, shape: shape, angles: (angles[0], angles[1], angles[2]), zoom: zoom, shear: shearAngle,
                          shift: (shifts[0], shifts[1], shifts[2]), scratch: scratch)
    }

    private static func scale(_ x: UnsafeMutableBufferPointer<Float>, by factor: Float) {
        for i in x.indices { x[i] *= factor }
    }

    /// Reverses `axis` of a row-major tensor of `shape`.
    private static func flip(_ x: UnsafeMutableBufferPointer<Float>, shape: [Int], axis: Int) {
        let inner = shape[(axis + 1)...].reduce(1, *), size = shape[axis]
        let outer = shape[..<axis].reduce(1, *)
        for o in 0..<outer {
            let base = o * size * inner
            for i in 0..<(size / 2) {
                let a = base + i * inner, b = base + (size - 1 - i) * inner
                for k in 0..<inner { x.swapAt(a + k, b + k) }
            }
        }
    }

    /// Moves `axis` of a row-major tensor of `shape` by `shift` places (towards higher indices when
    /// positive), the gap filled as `mode` says.
    private static func shift(_ x: UnsafeMutableBufferPointer<Float>, shape: [Int], axis: Int, by shift: Int,
                              mode: PaddingMode, scratch: UnsafeMutableBufferPointer<Float>) {
        guard shift != 0 else { return }
        let size = shape[axis], inner = shape[(axis + 1)...].reduce(1, *), outer = shape[..<axis].reduce(1, *)
        for o in 0..<outer {
            let base = o * size * inner
            for i in 0..<size {
                let source = i - shift
                for k in 0..<inner {
                    scratch[base + i * inner + k] = switch mode {
                    case .edge: x[base + min(max(source, 0), size - 1) * inner + k]
                    case .constant: (0..<size).contains(source) ? x[base + source * inner + k] : 0
                    }
                }
            }
        }
        for i in x.indices { x[i] = scratch[i] }
    }
}

/// How a shift fills the places it uncovers (torchvision's `padding_mode` names).
public enum PaddingMode: String, Sendable, Equatable, CaseIterable {
    /// With zeros.
    case constant
    /// With the nearest edge value.
    case edge
}

extension SeededGenerator {
    /// A uniform double in [low, high).
    mutating func uniform(_ low: Double, _ high: Double) -> Double { low + (high - low) * unit() }

    /// Two independent standard normal values (Box–Muller).
    mutating func normalPair() -> (Double, Double) {
        let u = max(unit(), .leastNonzeroMagnitude), v = unit()
        let r = (-2 * log(u)).squareRoot()
        return (r * cos(2 * .pi * v), r * sin(2 * .pi * v))
    }
}
