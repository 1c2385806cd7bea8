/// Colormaps for heatmaps: value in [0, 1] → RGB bytes, high = hot.
public enum Colormap: String, Sendable, CaseIterable {
    case jet, viridis, inferno

    /// RGB for `value` (clamped to [0, 1]).
    public func rgb(_ value: Float) -> (UInt8, UInt8, UInt8) {
        let v = min(max(value.isNaN ? 0 : value, 0), 1)
        switch self {
        case .jet:
            // Matplotlib's jet: piecewise-linear ramps of red, green and blue.
            func ramp(_ x: Float) -> Float { min(max(x, 0), 1) }
            let r = ramp(min(4 * v - 1.5, -4 * v + 4.5))
            let g = ramp(min(4 * v - 0.5, -4 * v + 3.5))
            let b = ramp(min(4 * v + 0.5, -4 * v + 2.5))
            return (byte(r), byte(g), byte(b))
        case .viridis: return interpolate(Self.viridisStops, v)
        case .inferno: return interpolate(Self.infernoStops, v)
        }
    }

    private func byte(_ x: Float) -> UInt8 { UInt8((x * 255).rounded()) }

    private func interpolate(_ stops: [(Float, Float, Float)], _ v: Float) -> (UInt8, UInt8, UInt8) {
        let position = v * Float(stops.count - 1)
        let i = min(Int(position), stops.count - 2)
        let t = position - Float(i)
        let a = stops[i], b = stops[i + 1]
        return (byte(a.0 + (b.0 - a.0) * t), byte(a.1 + (b.1 - a.1) * t), byte(a.2 + (b.2 - a.2) * t))
    }

    /// Matplotlib's viridis sampled at 11 evenly spaced points.
    private static let viridisStops: [(Float, Float, Float)] = [
        (0.267004, 0.004874, 0.329415), (0.282623, 0.140926, 0.457517), (0.253935, 0.265254, 0.529983),
        (0.206756, 0.371758, 0.553117), (0.163625, 0.471133, 0.558148), (0.127568, 0.566949, 0.550556),
        (0.134692, 0.658636, 0.517649), (0.266941, 0.748751, 0.440573), (0.477504, 0.821444, 0.318195),
        (0.741388, 0.873449, 0.149561), (0.993248, 0.906157, 0.143936),
    ]

    /// Matplotlib's inferno sampled at 11 evenly spaced points.
    private static let infernoStops: [(Float, Float, Float)] = [
        (0.001462, 0.000466, 0.013866), (0.087411, 0.044556, 0.224813), (0.258234, 0.038571, 0.406485),
        (0.416331, 0.090203, 0.432943), (0.578304, 0.148039, 0.404411), (0.735683, 0.215906, 0.330245),
        (0.865006, 0.316822, 0.226055), (0.954506, 0.468744, 0.099874), (0.987622, 0.645320, 0.039886),
        (0.964394, 0.843848, 0.273391), (0.988362, 0.998364, 0.644924),
    ]
}
