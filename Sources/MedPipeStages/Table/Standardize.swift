import MedPipeCore

/// Standardizes numeric columns of table rows as scikit-learn's `StandardScaler`: minus the
/// training mean, divided by the training population standard deviation (ddof = 0); a constant
/// column is divided by 1. Missing values are ignored when fitting and stay missing. Float32 out.
public struct Standardize: FittedStage {
    public static let name = "standardize"

    public struct Statistics: Codable, Sendable, Equatable {
        public var mean: [String: Double]
        public var scale: [String: Double]
    }

    /// Columns to standardize (all when nil).
    public var columns: [String]?

    public init(columns: [String]? = nil) { self.columns = columns }

    public var canonicalParameters: String {
        var p = CanonicalParameters()
        p.add("columns", columns ?? [])
        return p.text
    }

    public func fit(_ trainSamples: [Sample]) throws -> Statistics {
        guard let first = trainSamples.first else { throw MedPipeError.invalidArgument(Self.name, "no training rows to fit on") }
        let indices = try TableColumns.indices(columns, in: first, stage: Self.name)
        let names = TableColumns.names(first)
        var sums = [Double](repeating: 0, count: indices.count), counts = [Int](repeating: 0, count: indices.count)
        let rows = trainSamples.map { $0.tensor.doubleValues() }
        for row in rows { for (k, i) in indices.enumerated() where !row[i].isNaN { sums[k] += row[i]; counts[k] += 1 } }
        let means = zip(sums, counts).map { $1 > 0 ? $0 / Double($1) : 0 }
        var squares = [Double](repeating: 0, count: indices.count)
        for row in rows { for (k, i) in indices.enumerated() where !row[i].isNaN { let d = row[i] - means[k]; squares[k] += d * d } }
        var mean: [String: Double] = [:], scale: [String: Double] = [:]
        for (k, i) in indices.enumerated() {
            let std = counts[k] > 0 ? (squares[k] / Double(counts[k])).squareRoot() : 0
            mean[names[i]] = means[k]
            scale[names[i]] = std > 0 ? std : 1
        }
        return Statistics(mean: mean, scale: scale)
    }

    public func apply(_ sample: Sample, fitted: Statistics) throws -> Sample {
        _ = try TableColumns.indices(nil, in: sample, stage: Self.name)
        var row = sample.tensor.doubleValues()
        for (i, name) in TableColumns.names(sample).enumerated() {
            if let m = fitted.mean[name], let s = fitted.scale[name] { row[i] = (row[i] - m) / s }
        }
        return TableColumns.row(sample, row)
    }
}
