import ArgumentParser
import Foundation

/// A size in bytes given as a number with an optional binary unit: `300M`, `2G`, `512K`, `1048576`.
struct MemorySize: ExpressibleByArgument, CustomStringConvertible {
    let bytes: Int

    init(bytes: Int) { self.bytes = bytes }

    init?(argument: String) {
        let units: [Character: Int] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40]
        var text = Substring(argument.uppercased())
        if text.hasSuffix("IB") || (text.count > 1 && text.hasSuffix("B") && units[text.dropLast().last ?? " "] != nil) {
            text = text.dropLast(text.hasSuffix("IB") ? 2 : 1)
        }
        var scale = 1
        if let last = text.last, let unit = units[last] { scale = unit; text = text.dropLast() }
        guard let number = Int(text), number > 0 else { return nil }
        let (bytes, overflow) = number.multipliedReportingOverflow(by: scale)
        guard !overflow else { return nil }
        self.bytes = bytes
    }

    /// The size in the largest unit that divides it, e.g. `300M`.
    var description: String {
        for (unit, scale) in [("T", 1 << 40), ("G", 1 << 30), ("M", 1 << 20), ("K", 1 << 10)] where bytes % scale == 0 {
            return "\(bytes / scale)\(unit)"
        }
        return "\(bytes)"
    }

    /// `bytes` in MiB with one decimal, e.g. `52.4 MiB`.
    static func mebibytes(_ bytes: Int) -> String { String(format: "%.1f MiB", Double(bytes) / Double(1 << 20)) }

    static var defaultValueDescription: String { "300M" }
}
