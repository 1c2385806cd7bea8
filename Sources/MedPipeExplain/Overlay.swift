import MedPipeCore

/// An RGB picture: `rows × columns × 3` bytes, row-major.
public struct RGBImage: Sendable, Equatable {
    public var rows: Int
    public var columns: Int
    public var pixels: [UInt8]

    public init(rows: Int, columns: Int, pixels: [UInt8]? = nil) {
        self.rows = rows
        self.columns = columns
        self.pixels = pixels ?? [UInt8](repeating: 255, count: rows * columns * 3)
    }

    public mutating func set(_ row: Int, _ column: Int, _ color: (UInt8, UInt8, UInt8)) {
        guard (0..<rows).contains(row), (0..<columns).contains(column) else { return }
        let i = (row * columns + column) * 3
        pixels[i] = color.0; pixels[i + 1] = color.1; pixels[i + 2] = color.2
    }
}

/// Draws heatmaps over inputs: images under a colormap, ECG traces coloured by heat, volume montages.
public enum Overlay {
    /// The picture of a channels-first input (`[C, samples]`, `[C, rows, columns]` or `[C, slices, rows, columns]`)
    /// under `heat` (normalized, one value per spatial position): the trace coloured by heat, the image,
    /// or three orthogonal slices through the heat's maximum. `alpha` 0 draws the input alone, 1 the heat alone.
    /// - Parameter scale: pixels per input pixel, nearest neighbour (nil: the smallest that makes the
    ///   picture at least 192 pixels on its shorter side); for traces, pixels per sample (nil: 2).
    public static func draw(_ input: [Float], shape: [Int], heat: [Float], colormap: Colormap, alpha: Float,
                            scale: Int? = nil) throws -> RGBImage {
        let spatial = Array(shape.dropFirst())
        let picture: RGBImage
        switch spatial.count {
        case 1:
            return trace(Array(input[0..<spatial[0]]), heat: heat, colormap: colormap, scale: scale ?? 2)
        case 2:
            picture = image(input, channels: shape[0], rows: spatial[0], columns: spatial[1], heat: heat, colormap: colormap, alpha: alpha)
        case 3:
            picture = montage(Array(input[0..<spatial.reduce(1, *)]), shape: spatial, heat: heat, colormap: colormap, alpha: alpha)
        default:
            throw MedPipeError.unsupported("Grad-CAM", "overlays are drawn for 1D, 2D and 3D inputs, not \(shape)")
        }
        return picture.magnified(by: scale ?? RGBImage.readableFactor(rows: picture.rows, columns: picture.columns))
    }

    /// Scales `values` to [0, 1] by their minimum and maximum (all zeros when constant).
    public static func normalized(_ values: [Float]) -> [Float] {
        guard let low = values.min(), let high = values.max(), high > low else { return [Float](repeating: 0, count: values.count) }
        return values.map { ($0 - low) / (high - low) }
    }

    /// A 2D input (`channels × rows × columns`, 1 = grayscale, 3 = RGB) under the heat (`rows × columns`, in [0, 1]).
    public static func image(_ input: [Float], channels: Int, rows: Int, columns: Int, heat: [Float],
                             colormap: Colormap, alpha: Float) -> RGBImage {
        let plane = rows * columns
        let base = channels == 3 ? (0..<3).map { normalized(Array(input[($0 * plane)..<(($0 + 1) * plane)])) }
                                 : [normalized(Array(input[0..<plane]))]
        var image = RGBImage(rows: rows, columns: columns)
        for p in 0..<plane {
            let hot = colormap.rgb(heat[p])
            let under = channels == 3 ? (base[0][p], base[1][p], base[2][p]) : (base[0][p], base[0][p], base[0][p])
            func blend(_ u: Float, _ h: UInt8) -> UInt8 { UInt8(min(255, max(0, ((1 - alpha) * u + alpha * Float(h) / 255) * 255)).rounded()) }
            image.pixels[p * 3] = blend(under.0, hot.0)
            image.pixels[p * 3 + 1] = blend(under.1, hot.1)
            image.pixels[p * 3 + 2] = blend(under.2, hot.2)
        }
        return image
    }

    /// An ECG beat drawn as a line on white, each segment coloured by the heat at that sample,
    /// with a heat strip along the bottom.
    public static func trace(_ signal: [Float], heat: [Float], colormap: Colormap, height: Int = 200, scale: Int = 2) -> RGBImage {
        let width = signal.count * scale
        var image = RGBImage(rows: height, columns: width)
        let strip = max(8, height / 12)
        let plot = height - strip - 4
        let values = normalized(signal)
        func y(_ i: Int) -> Int { 2 + Int(Float(plot - 1) * (1 - values[i])) }
        for i in 0..<signal.count {
            let color = colormap.rgb(heat[i])
            for dx in 0..<scale {
                for r in (height - strip)..<height { image.set(r, i * scale + dx, color) }
            }
            guard i + 1 < signal.count else { continue }
            let (y0, y1) = (y(i), y(i + 1))
            for r in min(y0, y1)...max(y0, y1) {
                for dx in 0..<scale {
                    image.set(r, i * scale + dx, color)
                    image.set(r + 1, i * scale + dx, color)
                }
            }
        }
        return image
    }

    /// Three orthogonal slices of a volume (`depth × rows × columns`) side by side, one across each axis,
    /// crossing at `center` (slice, row, column), by default the heat's maximum.
    public static func montage(_ volume: [Float], shape: [Int], heat: [Float], colormap: Colormap, alpha: Float,
                               center: (Int, Int, Int)? = nil) -> RGBImage {
        let (d, h, w) = (shape[0], shape[1], shape[2])
        let peak = heat.indices.max { heat[$0] < heat[$1] } ?? 0
        let (pz, py, px) = center ?? (peak / (h * w), (peak / w) % h, peak % w)
        func slice(_ rows: Int, _ cols: Int, _ index: (Int, Int) -> Int) -> ([Float], [Float]) {
            var v = [Float](), m = [Float]()
            for r in 0..<rows { for c in 0..<cols { let i = index(r, c); v.append(volume[i]); m.append(heat[i]) } }
            return (v, m)
        }
        let views = [
            (h, w, slice(h, w) { pz * h * w + $0 * w + $1 }),
            (d, w, slice(d, w) { $0 * h * w + py * w + $1 }),
            (d, h, slice(d, h) { $0 * h * w + $1 * w + px }),
        ]
        let rows = views.map(\.0).max()!, gap = 4
        var out = RGBImage(rows: rows, columns: views.map(\.1).reduce(0, +) + gap * 2)
        var left = 0
        for (r, c, (values, heatSlice)) in views {
            let picture = image(values, channels: 1, rows: r, columns: c, heat: heatSlice, colormap: colormap, alpha: alpha)
            for y in 0..<r { for x in 0..<c {
                let i = (y * c + x) * 3
                out.set(y, left + x, (picture.pixels[i], picture.pixels[i + 1], picture.pixels[i + 2]))
            } }
            left += c + gap
        }
        return out
    }
}
