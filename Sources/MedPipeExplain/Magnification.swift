/// Nearest-neighbour magnification, so that small inputs (28×28 pixels) are drawn at a size people can read.
extension RGBImage {
    /// The smallest whole factor that makes an image of `rows × columns` at least `minimum` pixels on its
    /// shorter side (1 when it already is).
    public static func readableFactor(rows: Int, columns: Int, minimum: Int = 192) -> Int {
        let shorter = min(rows, columns)
        guard shorter > 0, shorter < minimum else { return 1 }
        return (minimum + shorter - 1) / shorter
    }

    /// Each pixel repeated `factor × factor` times (the picture itself when `factor` is 1).
    public func magnified(by factor: Int) -> RGBImage {
        precondition(factor >= 1, "magnification \(factor)")
        guard factor > 1 else { return self }
        let (outRows, outColumns) = (rows * factor, columns * factor)
        var pixels = [UInt8](repeating: 0, count: outRows * outColumns * 3)
        for r in 0..<outRows {
            let source = (r / factor) * columns
            for c in 0..<outColumns {
                let from = (source + c / factor) * 3, to = (r * outColumns + c) * 3
                pixels[to] = self.pixels[from]; pixels[to + 1] = self.pixels[from + 1]; pixels[to + 2] = self.pixels[from + 2]
            }
        }
        return RGBImage(rows: outRows, columns: outColumns, pixels: pixels)
    }
}
