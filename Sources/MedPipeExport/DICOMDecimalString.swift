import Foundation

/// DICOM Decimal String (DS) values: at most 16 characters, as many significant digits as fit.
enum DICOMDecimalString {
    /// `value` in at most 16 characters, with the most significant digits that fit.
    static func format(_ value: Double) -> String {
        if value == 0 { return "0" }
        for digits in stride(from: 16, through: 1, by: -1) {
            var text = String(format: "%.\(digits)g", value)
            if text.contains("e") {
                // "1.5e-05" is valid DS, but drop the exponent's leading zero to save a character.
                text = text.replacingOccurrences(of: "e-0", with: "e-").replacingOccurrences(of: "e+0", with: "e+")
            }
            if text.count <= 16 { return text }
        }
        return String(format: "%.0e", value)
    }

    /// The value a reader sees for `value` once it is written as DS.
    static func recorded(_ value: Double) -> Double { Double(format(value)) ?? value }

    /// Several values joined by `\`.
    static func format(_ values: [Double]) -> String { values.map { format($0) }.joined(separator: "\\") }
}
