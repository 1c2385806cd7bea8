/// Nearest-neighbour magnification, so that small inputs (28×28 pixels) are drawn at a size people can read.
extension RGBImage {
    /// The smallest whole factor that makes an image of `rows × columns` at least `minimum` pixels on its
    /// shorter side (1 when it already is).
    public static func readableFactor(rows: Int, columns: Int, minimum: Int = 192) -> Int {
        let shorter = min(rows, columns)
        guard shorter > 0, shorter < minimum else { return 1 }
        return (minimum + shorter - 1) / shorter
    }

    /// Each pixel repeated `factor × factor` times (the picture itself when `factor` is 1): each source row
    /// is widened once, then copied to the `factor - 1` rows below it.
    public func magnified(by factor: Int) -> RGBImage {
        precondition(factor >= 1, "magnification \(factor)")
        guard factor > 1 else { return self }
        let (outRows, outColumns) = (rows * factor, columns * factor)
        let rowBytes = outColumns * 3
        let pixels = [UInt8](unsafeUninitializedCapacity: outRows * rowBytes) { out, initialized in
            self.pixels.withUnsafeBufferPointer { source in
                for r in 0..<rows {
                    let wide = out.baseAddress! + r * factor * rowBytes
                    var to = wide
                    for c in 0..<columns {
                        let from = source.baseAddress! + (r * columns + c) * 3
                        for _ in 0..<factor {
                            to[0] = from[0]; to[1] = from[1]; to[2] = from[2]
                            to += 3
                        }
                    }
                    for copy in 1..<factor { (wide + copy * rowBytes).initialize(from: wide, count: rowBytes) }
                }
            }
            initialized = outRows * rowBytes
        }
        return RGBImage(rows: outRows, columns: outColumns, pixels: pixels)
    }
}
