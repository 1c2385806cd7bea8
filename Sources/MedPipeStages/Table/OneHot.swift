import MedPipeCore

/// One-hot encodes categorical columns of table rows: each listed column is replaced, in place, by
/// one column per category seen in training (sorted, named `column=value`); a category not seen in
/// training, or a missing value, encodes as all zeros (scikit-learn's
/// `OneHotEncoder(handle_unknown="ignore")`). float64 rows stay float64; others become float32.
public struct OneHot: FittedStage {
    public static let name = "one-hot"

    public struct Statistics: Codable, Sendable, Equatable {
        /// Sorted categories by column name.
        public var categories: [String: [Double]]
    }

    public var columns: [String]

    public init(columns: [String]) throws {
        guard !columns.isEmpty else { throw MedPipeError.invalidArgument(Self.name, "name at least one categorical column") }
        self.columns = columns
    }

    /// Decodes through the checking initializer: a stored pipeline (a checkpoint's, a cache's) skipped its checks.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(columns: c.decode([String].self, forKey: .columns))
    }

    public var canonicalParameters: String {
        var p = CanonicalParameters()
        p.add("columns", columns)
        return p.text
    }

    public func fit(_ trainSamples: [Sample]) throws -> Statistics {
        guard let first = trainSamples.first else { throw MedPipeError.invalidArgument(Self.name, "no training rows to fit on") }
        let indices = try TableColumns.indices(columns, in: first, stage: Self.name)
        var seen = [Set<Double>](repeating: [], count: indices.count)
        for sample in trainSamples {
            let row = sample.tensor.doubleValues()
            for (k, i) in indices.enumerated() where !row[i].isNaN { seen[k].insert(row[i]) }
        }
        var categories: [String: [Double]] = [:]
        for (k, name) in columns.enumerated() { categories[name] = seen[k].sorted() }
        return Statistics(categories: categories)
    }

    public func apply(_ sample: Sample, fitted: Statistics) throws -> Sample {
        _ = try TableColumns.indices(columns, in: sample, stage: Self.name)
        let row = sample.tensor.doubleValues()
        var values: [Double] = [], names: [String] = []
        for (i, name) in TableColumns.names(sample).enumerated() {
            guard let categories = fitted.categories[name] else {
                values.append(row[i]); names.append(name)
                continue
            }
            for category in categories {
                values.append(row[i] == category ? 1 : 0)
                names.append("\(name)=\(CanonicalParameters.format(category))")
            }
        }
        return TableColumns.row(sample, values, names: names, keepDouble: true)
    }
}
