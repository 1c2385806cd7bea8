import Foundation
import MedPipeCore
import MedPipeExplain
import MedPipeFormats

/// Pictures inline in the page: PNG data URLs written by MedPipe's own PNG writer.
enum Picture {
    /// The smallest side, in pixels, of a picture the report shows: a 28-pixel image is drawn at 7× (196 pixels).
    static let readableSide = 192

    /// An `<img>` of `image` as a PNG data URL, drawn at its own size in CSS pixels.
    static func img(_ image: RGBImage, alt: String, title: String? = nil) throws -> String {
        let png = try PNGWriter().encode(Tensor(shape: [image.rows, image.columns, 3], dtype: .uint8, bytes: image.pixels))
        let titleAttribute = title.map { " title=\"\(HTML.escape($0))\"" } ?? ""
        return "<img src=\"data:image/png;base64,\(Data(png).base64EncodedString())\" width=\"\(image.columns)\" height=\"\(image.rows)\" alt=\"\(HTML.escape(alt))\"\(titleAttribute)>"
    }

    /// An `<img>` of a PNG file's bytes (checked to be a PNG), at its own size.
    static func img(pngFile path: String, alt: String) throws -> String {
        let bytes = try FileBytes.read(path)
        let image = try PNGReader().decode(bytes, source: path)
        guard image.tensor.shape.count >= 2 else { throw MedPipeError.malformed(path, "is not a picture") }
        return "<img src=\"data:image/png;base64,\(Data(bytes).base64EncodedString())\" width=\"\(image.tensor.shape[1])\" height=\"\(image.tensor.shape[0])\" alt=\"\(HTML.escape(alt))\">"
    }

    /// A channels-first input (`[C, rows, columns]` or `[1, slices, rows, columns]`) in grayscale (RGB for three
    /// channels), scaled to its own minimum and maximum, magnified to at least `side` pixels; volumes as three
    /// orthogonal slices through their centre, windowed to the 1st–99th percentile of the volume's values (a
    /// few bright voxels would otherwise leave the rest dark).
    static func sample(_ values: [Float], shape: [Int], side: Int = readableSide) -> RGBImage? {
        let spatial = Array(shape.dropFirst())
        let picture: RGBImage
        switch spatial.count {
        case 2:
            picture = Overlay.image(values, channels: shape[0], rows: spatial[0], columns: spatial[1],
                                    heat: [Float](repeating: 0, count: spatial[0] * spatial[1]), colormap: .jet, alpha: 0)
        case 3:
            let volume = window(Array(values[0..<spatial.reduce(1, *)]), percentiles: (0.01, 0.99))
            picture = Overlay.montage(volume, shape: spatial, heat: [Float](repeating: 0, count: volume.count), colormap: .jet, alpha: 0,
                                      center: (spatial[0] / 2, spatial[1] / 2, spatial[2] / 2))
        default:
            return nil
        }
        return picture.magnified(by: RGBImage.readableFactor(rows: picture.rows, columns: picture.columns, minimum: side))
    }

    /// `values` clamped to the given percentiles of their finite values (estimated on at most 100 000 of them).
    static func window(_ values: [Float], percentiles: (Double, Double)) -> [Float] {
        let step = max(1, values.count / 100_000)
        let sample = stride(from: 0, to: values.count, by: step).map { values[$0] }.filter(\.isFinite).sorted()
        guard let first = sample.first else { return values }
        func at(_ p: Double) -> Float { sample[min(sample.count - 1, Int(p * Double(sample.count - 1)))] }
        let (low, high) = (at(percentiles.0), at(percentiles.1))
        guard high > low else { return values.map { $0.isFinite ? $0 : first } }
        return values.map { $0.isFinite ? min(max($0, low), high) : low }
    }

    /// A horizontal colour bar of `colormap` from low (left) to high (right), with its scale under it.
    static func colorBar(_ colormap: Colormap, label: String) throws -> String {
        let width = 240, height = 14
        var bar = RGBImage(rows: height, columns: width)
        for c in 0..<width {
            let color = colormap.rgb(Float(c) / Float(width - 1))
            for r in 0..<height { bar.set(r, c, color) }
        }
        return "<figure class=\"colorbar\">" + (try img(bar, alt: "colour bar of the \(colormap.rawValue) colormap"))
            + "<div class=\"ticks\"><span>0</span><span>0.5</span><span>1</span></div>"
            + "<figcaption>\(HTML.escape(label))</figcaption></figure>"
    }
}
