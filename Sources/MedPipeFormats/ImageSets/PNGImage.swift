import MedPipeCore

/// A decoded PNG: pixels and the text chunks (tEXt, zTXt, iTXt) in file order.
public struct PNGImage: Sendable {
    /// `(rows, columns)` for gray, `(rows, columns, channels)` otherwise (2 gray+alpha, 3 RGB,
    /// 4 RGBA); uint8 or uint16.
    public var tensor: Tensor
    /// Key/value pairs of the text chunks, in file order.
    public var text: [(key: String, value: String)]
    /// The colour type as stored (0 gray, 2 RGB, 3 palette, 4 gray+alpha, 6 RGBA).
    public var colorType: Int
    /// Bits per sample as stored (1, 2, 4, 8 or 16).
    public var storedBitDepth: Int
    /// Problems that did not stop decoding (damaged chunks after the image).
    public var warnings: [String]

    /// The value of the first text chunk named `key`.
    public func text(_ key: String) -> String? { text.first { $0.key == key }?.value }
}
