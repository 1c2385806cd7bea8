/// A rectangle of pixels (`x`, `y` from the top-left corner, in columns and rows).
public struct PixelRectangle: Sendable, Hashable, Codable, CustomStringConvertible {
    public var x: Int, y: Int, width: Int, height: Int

    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }

    /// Parses `x,y,w,h` (non-negative integers).
    public init?(_ text: String) {
        let parts = text.split(separator: ",").map { Int($0.trimmingSpaces) }
        guard parts.count == 4, let x = parts[0], let y = parts[1], let w = parts[2], let h = parts[3],
              x >= 0, y >= 0, w > 0, h > 0 else { return nil }
        self.init(x: x, y: y, width: w, height: h)
    }

    public var description: String { "\(x),\(y),\(width),\(height)" }
}

/// What to do about images that may carry text burned into their pixels (``DICOMBurnedInText``): withhold them,
/// or with `allow` write them anyway, after blanking `rectangles` in every frame.
public struct BurnedInTextPolicy: Sendable, Hashable {
    public var allow: Bool
    public var rectangles: [PixelRectangle]

    public init(allow: Bool = false, rectangles: [PixelRectangle] = []) {
        self.allow = allow
        self.rectangles = rectangles
    }
}
