import MedPipeCore
import MedPipeStages

/// A recipe's `augment:` section: the random transforms `medpipe train` applies to training batches, in
/// order, each with its probability `prob` (default 0.5; a flip's applies to each axis). Never cached:
/// `convert` ignores it, and changing it needs no new cache.
///
/// ```yaml
/// augment:
///   - flip: { axes: [1], prob: 0.5 }                  # spatial axes: 0 rows (upside down), 1 columns (left-right)
///   - rotate: { degrees: 15, prob: 0.5 }
///   - affine: { degrees: 10, scales: [0.9, 1.1], shear: 5, translate: [0.1, 0.1], prob: 0.5 }   # shear: degrees; translate: share of the size ([depth, rows, columns] for volumes)
///   - elastic: { spacing: 10, magnitude-range: [0, 2], prob: 0.3 }   # control points every 10 pixels, displacements in pixels
///   - blur: { sigma: [0.5, 1.5], prob: 0.2 }          # Gaussian σ in pixels, over every spatial axis
///   - crop-pad: { padding: 4, padding-mode: constant, prob: 0.5 }   # or edge: shift by −4…4 pixels per axis
///   - gaussian-noise: { mean: 0, std: 0.1, prob: 0.2 }
///   - scale-intensity: { factors: 0.1, prob: 0.5 }    # × (1 + U(−0.1, 0.1))
///   - shift-intensity: { offsets: 0.1, prob: 0.5 }    # + U(−0.1, 0.1)
///   - gamma: { gamma: [0.7, 1.5], prob: 0.3 }
///   - time-shift: { max-shift: 20, prob: 0.5 }        # signals: samples
///   - amplitude-scale: { scales: [0.8, 1.2], prob: 0.5 }
///   - baseline-wander: { amplitude: 0.1, period: [200, 1000], prob: 0.3 }   # period in samples
/// ```
public enum AugmentSpec {
    /// The transform names a recipe may use.
    public static let names = ["flip", "rotate", "affine", "elastic", "blur", "crop-pad", "gaussian-noise", "scale-intensity", "shift-intensity", "gamma",
                               "time-shift", "amplitude-scale", "baseline-wander"]

    /// The `augment:` section of a recipe's text (as a cache stores it), or nil when it has none.
    public static func of(recipeText text: String, file: String) throws -> Augmentation? {
        var root = try RecipeReader(RecipeNode.parse(text, file: file), file: file, what: "a recipe")
        return try root.node("augment").map { try parse($0, file: file) }
    }

    /// Reads a YAML file holding either a list of transforms or a mapping with an `augment:` list.
    public static func load(_ path: String) throws -> Augmentation {
        let text = try YAMLLimits.text(of: path, what: "an augmentation file")
        let node = try RecipeNode.parse(text, file: path)
        if case .map = node, let augmentation = try of(recipeText: text, file: path) { return augmentation }
        return try parse(node, file: path)
    }

    /// Parses the list of transforms; unknown names, fields and out-of-range values are errors naming the line.
    public static func parse(_ node: RecipeNode, file: String) throws -> Augmentation {
        guard case .list(let items, _) = node else {
            throw MedPipeError.invalidArgument("\(file):\(node.line)", "'augment' must be a list of transforms, e.g. - flip: { axes: [1], prob: 0.5 }")
        }
        return Augmentation(try items.map { try transform($0, file: file) })
    }

    private static func transform(_ node: RecipeNode, file: String) throws -> RandomTransform {
        guard case .map(let pairs, let line) = node, pairs.count == 1 else {
            throw MedPipeError.invalidArgument("\(file):\(node.line)", "a transform is one name with its parameters, e.g. - rotate: { degrees: 15, prob: 0.5 }")
        }
        let name = pairs[0].key
        let parameters: RecipeNode = if case .scalar("", _) = pairs[0].value { .map([], line: line) } else { pairs[0].value }
        var r = try RecipeReader(parameters, file: file, what: "transform '\(name)'")
        func number(_ key: String, _ fallback: Double, _ range: ClosedRange<Double>) throws -> Double {
            try r.double(key, of: name, in: range) ?? fallback
        }
        func interval(_ key: String, _ fallback: [Double], _ range: ClosedRange<Double>) throws -> [Double] {
            let value = try r.doubles(key) ?? fallback
            guard value.count == 2, value[0] <= value[1], range.contains(value[0]), range.contains(value[1]) else {
                throw MedPipeError.invalidArgument(r.at(r.node(key)), "\(name) '\(key)' must be [low, high] within \(range.lowerBound)...\(range.upperBound), got \(value)")
            }
            return value
        }
        func perAxis(_ key: String, _ range: ClosedRange<Double>) throws -> [Double] {
            let value = try r.doubles(key) ?? [0, 0]
            guard value.count == 2 || value.count == 3, value.allSatisfy(range.contains) else {
                throw MedPipeError.invalidArgument(r.at(r.node(key)), "\(name) '\(key)' must be [rows, columns] (images) or [depth, rows, columns] (volumes) within \(range.lowerBound)...\(range.upperBound), got \(value)")
            }
            return value
        }
        let prob = try number("prob", 0.5, 0...1)
        let result: RandomTransform
        switch name {
        case "flip":
            let axes = try r.doubles("axes") ?? [1]
            let whole = axes.compactMap { Int(exactly: $0) }.filter { $0 >= 0 }
            guard !axes.isEmpty, whole.count == axes.count else {
                throw MedPipeError.invalidArgument(r.at(r.node("axes")), "flip 'axes' must list spatial axes (0, 1, ...)")
            }
            result = .flip(axes: whole, prob: prob)
        case "rotate":
            result = .affine(degrees: try number("degrees", 15, 0...180), scales: [1, 1], translate: [0, 0], prob: prob)
        case "affine":
            result = .affine(degrees: try number("degrees", 0, 0...180), scales: try interval("scales", [1, 1], 0.1...10),
                             shear: try number("shear", 0, 0...60), translate: try perAxis("translate", 0...1), prob: prob)
        case "elastic":
            result = .elastic(spacing: try number("spacing", 10, 1...1e4), magnitude: try interval("magnitude-range", [0, 2], 0...1e4), prob: prob)
        case "blur":
            result = .blur(sigma: try interval("sigma", [0.5, 1.5], 0...100), prob: prob)
        case "crop-pad":
            let padding = try number("padding", 4, 0...1e4)
            guard padding == padding.rounded() else { throw MedPipeError.invalidArgument(r.at(r.node("padding")), "crop-pad 'padding' is a whole number of pixels") }
            let modeName = try r.string("padding-mode") ?? "constant"
            guard let mode = PaddingMode(rawValue: modeName) else {
                throw MedPipeError.invalidArgument(r.at(r.node("padding-mode")), "crop-pad 'padding-mode' must be constant (zeros) or edge, got '\(modeName)'")
            }
            result = .cropPad(padding: Int(padding), mode: mode, prob: prob)
        case "gaussian-noise":
            result = .gaussianNoise(mean: try number("mean", 0, -1e6...1e6), std: try number("std", 0.1, 0...1e6), prob: prob)
        case "scale-intensity":
            result = .scaleIntensity(factors: try number("factors", 0.1, 0...1), prob: prob)
        case "shift-intensity":
            result = .shiftIntensity(offsets: try number("offsets", 0.1, 0...1e6), prob: prob)
        case "gamma":
            result = .gamma(range: try interval("gamma", [0.7, 1.5], 0.01...100), prob: prob)
        case "time-shift":
            let shift = try number("max-shift", 10, 0...1e6)
            guard shift == shift.rounded() else { throw MedPipeError.invalidArgument(r.at(r.node("max-shift")), "time-shift 'max-shift' is a whole number of samples") }
            result = .timeShift(maxShift: Int(shift), prob: prob)
        case "amplitude-scale":
            result = .amplitudeScale(scales: try interval("scales", [0.8, 1.2], 0...100), prob: prob)
        case "baseline-wander":
            result = .baselineWander(amplitude: try number("amplitude", 0.1, 0...1e6), period: try interval("period", [200, 1000], 1...1e9), prob: prob)
        default:
            throw MedPipeError.invalidArgument("\(file):\(line)", "unknown transform '\(name)' (expected one of: \(names.joined(separator: ", ")))")
        }
        try r.finish()
        return result
    }
}
