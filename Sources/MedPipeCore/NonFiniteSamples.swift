/// Samples holding a value that is not a finite number (NaN, an infinity), and the one wording every command uses
/// to refuse or warn about them: one such value makes a model's outputs NaN or, once ReLUs have turned it into
/// zeros, meaningless without a sign.
public struct NonFiniteSamples: Equatable, Sendable {
    /// How many samples hold such a value.
    public let count: Int
    /// Of how many samples.
    public let total: Int
    /// The position (0-based) of the first sample holding one.
    public let first: Int

    /// What a user does about them, said after every refusal and warning.
    public static let remedy = "one NaN voxel through `zscore` makes its whole volume NaN: put a `replace-nonfinite` stage first in the recipe, or leave such sources out"

    /// The samples of `values`, runs of `sampleSize` values one after the other, that hold a value not finite;
    /// nil when every value is finite.
    public init?(in values: [Float], sampleSize: Int) {
        let size = max(sampleSize, 1)
        guard let firstValue = values.firstIndex(where: { !$0.isFinite }) else { return nil }
        let samples = stride(from: firstValue / size * size, to: values.count, by: size)
        let count = samples.count { values[$0..<min($0 + size, values.count)].contains { !$0.isFinite } }
        self.init(count: count, total: (values.count + size - 1) / size, first: firstValue / size)
    }

    /// The samples among `total` for which `holdsOne` is true; nil when there is none.
    public init?(of total: Int, where holdsOne: (Int) -> Bool) {
        let holding = (0..<total).filter(holdsOne)
        guard let first = holding.first else { return nil }
        self.init(count: holding.count, total: total, first: first)
    }

    private init(count: Int, total: Int, first: Int) {
        self.count = count
        self.total = total
        self.first = first
    }

    /// "N of M samples hold NaN or infinite values (the first: FIRST); CONSEQUENCE: REMEDY", where `first` names the
    /// first such sample as the user would find it (an index in an array, a beat of a record).
    public func described(first name: String, consequence: String = "a model's outputs for them mean nothing") -> String {
        "\(count) of \(total) sample\(total == 1 ? "" : "s") hold\(count == 1 ? "s" : "") NaN or infinite values (the first: \(name)); \(consequence): \(Self.remedy)"
    }
}
