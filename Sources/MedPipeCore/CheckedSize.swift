/// Sizes, counts and offsets computed from values a file states, where an overflow or an implausible
/// result is a ``MedPipeError`` `.malformed` naming the file instead of a Swift trap.
public enum CheckedSize {
    /// The product of `factors`.
    /// - Parameters:
    ///   - limit: the largest product accepted (what any real file of the kind can need).
    ///   - source: the file named in the error.
    ///   - what: what is being computed, e.g. "frames × samples per frame".
    /// - Throws: `.malformed` when a factor is negative, the product overflows `Int` or exceeds `limit`.
    public static func product(_ factors: [Int], limit: Int = .max, source: String, _ what: @autoclosure () -> String) throws -> Int {
        var total = 1
        for factor in factors {
            guard factor >= 0 else { throw failure(factors, "×", source, what()) }
            let (next, overflow) = total.multipliedReportingOverflow(by: factor)
            guard !overflow else { throw failure(factors, "×", source, what()) }
            total = next
        }
        guard total <= limit else { throw failure(factors, "×", source, what(), limit: limit) }
        return total
    }

    /// The sum of `terms`.
    /// - Throws: `.malformed` when a term is negative, the sum overflows `Int` or exceeds `limit`.
    public static func sum(_ terms: [Int], limit: Int = .max, source: String, _ what: @autoclosure () -> String) throws -> Int {
        var total = 0
        for term in terms {
            guard term >= 0 else { throw failure(terms, "+", source, what()) }
            let (next, overflow) = total.addingReportingOverflow(term)
            guard !overflow else { throw failure(terms, "+", source, what()) }
            total = next
        }
        guard total <= limit else { throw failure(terms, "+", source, what(), limit: limit) }
        return total
    }

    private static func failure(_ values: [Int], _ operation: String, _ source: String, _ what: String, limit: Int? = nil) -> MedPipeError {
        let shown = values.count > 8 ? values.prefix(8).map(String.init) + ["…"] : values.map(String.init)
        let expression = shown.joined(separator: " \(operation) ")
        if values.contains(where: { $0 < 0 }) {
            return .malformed(source, "\(what) (\(expression)) has a negative term")
        }
        guard let limit else { return .malformed(source, "\(what) (\(expression)) overflows a 64-bit integer") }
        return .malformed(source, "\(what) (\(expression)) exceeds \(limit), more than any real file holds")
    }
}
