import MedPipeCore

/// Fills missing values (NaN) of table rows with a per-column value fitted on the training rows:
/// the median of the present values (NumPy's `nanmedian`), their mean, or the most frequent value
/// (ties to the smallest, as scikit-learn's `SimpleImputer(strategy="most_frequent")`).
/// Columns default to all; a column with no value in training cannot be imputed (an error).
/// float64 rows stay float64 (later fits see exact values); others become float32.
public struct Impute: FittedStage {
    public static let name = "impute"

    public enum Strategy: String, Sendable, Codable { case median, mean, mode }

    public struct Statistics: Codable, Sendable, Equatable {
        /// Fill value by column name.
        public var values: [String: Double]
    }

    public var strategy: Strategy
    public var columns: [String]?

    public init(strategy: Strategy = .median, columns: [String]? = nil) {
        self.strategy = strategy
        self.columns = columns
    }

    public var canonicalParameters: String {
        var p = CanonicalParameters()
        p.add("strategy", strategy.rawValue)
        p.add("columns", columns ?? [])
        return p.text
    }

    public func fit(_ trainSamples: [Sample]) throws -> Statistics {
        guard let first = trainSamples.first else { throw MedPipeError.invalidArgument(Self.name, "no training rows to fit on") }
        let indices = try TableColumns.indices(columns, in: first, stage: Self.name)
        let names = TableColumns.names(first)
        var present = [[Double]](repeating: [], count: indices.count)
        for sample in trainSamples {
            let row = sample.tensor.doubleValues()
            for (k, i) in indices.enumerated() where i < row.count && !row[i].isNaN { present[k].append(row[i]) }
        }
        var values: [String: Double] = [:]
        for (k, i) in indices.enumerated() {
            let v = present[k].sorted()
            guard !v.isEmpty else {
                throw MedPipeError.invalidArgument(Self.name, "column '\(names[i])' has no value in the training rows to impute from")
            }
            switch strategy {
            case .median:
                values[names[i]] = v.count % 2 == 1 ? v[v.count / 2] : (v[v.count / 2 - 1] + v[v.count / 2]) / 2
            case .mean:
                values[names[i]] = v.reduce(0, +) / Double(v.count)
            case .mode:
                var best = v[0], bestCount = 0, run = 0
                for (j, x) in v.enumerated() {
                    run = j > 0 && v[j - 1] == x ? run + 1 : 1
                    if run > bestCount { best = x; bestCount = run }  // strict: ties keep the smaller value
                }
                values[names[i]] = best
            }
        }
        return Statistics(values: values)
    }

    public func apply(_ sample: Sample, fitted: Statistics) throws -> Sample {
        let names = TableColumns.names(sample)
        _ = try TableColumns.indices(nil, in: sample, stage: Self.name)
        var row = sample.tensor.doubleValues()
        for (i, name) in names.enumerated() where row[i].isNaN {
            if let fill = fitted.values[name] { row[i] = fill }
        }
        return TableColumns.row(sample, row, keepDouble: true)
    }
}
