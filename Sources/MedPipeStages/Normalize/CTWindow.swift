import MedPipeCore

/// Maps Hounsfield units through a CT window to [0, 1]: values at or below `center − width/2`
/// become 0, at or above `center + width/2` become 1, linear in between. Output is float32.
///
/// Standard presets (center, width) in HU: brain (40, 80), subdural (75, 215), stroke (40, 40),
/// lung (−600, 1500), mediastinum (50, 350), abdomen (40, 400), liver (60, 160), bone (400, 1800).
public struct CTWindow: Stage {
    public static let name = "ct-window"

    /// Named windows (center, width) in HU.
    public enum Preset: String, Sendable, Codable, CaseIterable {
        case brain, subdural, stroke, lung, mediastinum, abdomen, liver, bone

        public var window: (center: Double, width: Double) {
            switch self {
            case .brain: (40, 80)
            case .subdural: (75, 215)
            case .stroke: (40, 40)
            case .lung: (-600, 1500)
            case .mediastinum: (50, 350)
            case .abdomen: (40, 400)
            case .liver: (60, 160)
            case .bone: (400, 1800)
            }
        }
    }

    public var center: Double
    public var width: Double

    /// - Throws: `.invalidArgument` when the width is not positive.
    public init(center: Double, width: Double) throws {
        guard width > 0, width.isFinite, center.isFinite else {
            throw MedPipeError.invalidArgument(Self.name, "window width must be positive and finite (got center \(center), width \(width))")
        }
        self.center = center
        self.width = width
    }

    /// Decodes through the checking initializer: a stored pipeline (a checkpoint's, a cache's) skipped its checks.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(center: c.decode(Double.self, forKey: .center), width: c.decode(Double.self, forKey: .width))
    }

    public init(preset: Preset) {
        center = preset.window.center
        width = preset.window.width
    }

    public var canonicalParameters: String {
        var p = CanonicalParameters()
        p.add("center", center)
        p.add("width", width)
        return p.text
    }

    public func run(_ sample: Sample) throws -> StageOutput {
        let input = sample.tensor.asFloat32()
        let lower = center - width / 2, scale = 1 / width
        let output = Tensor.float32(shape: input.shape) { out in
            input.withUnsafeBufferPointer(as: Float.self) { source in
                for i in 0..<source.count {
                    let v = (Double(source[i]) - lower) * scale
                    out[i] = Float(min(max(v, 0), 1))
                }
            }
        }
        return StageOutput([sample.replacing(normalized: output)])
    }
}
