import MedPipeCore

/// Column access for table samples.
///
/// A table row is a sample whose tensor is a vector `(columns,)` with NaN for a missing value
/// (`?` or empty in the CSV) and whose metadata `columns` holds the column names (`.strings`);
/// without names, columns are called `"0"`, `"1"`, …. Categorical values are numeric codes.
enum TableColumns {
    static func names(_ sample: Sample) -> [String] {
        if case .strings(let names)? = sample.metadata["columns"], names.count == sample.tensor.count { return names }
        return (0..<sample.tensor.count).map(String.init)
    }

    /// Indices of `wanted` in the sample's columns (all columns when nil).
    static func indices(_ wanted: [String]?, in sample: Sample, stage: String) throws -> [Int] {
        guard sample.tensor.shape.count == 1 else {
            throw MedPipeError.invalidArgument(stage, "\(sample.source): needs a table row (a vector), got shape \(sample.tensor.shape); use the 'rows' stage first")
        }
        let names = Self.names(sample)
        guard let wanted else { return Array(names.indices) }
        return try wanted.map { name in
            guard let i = names.firstIndex(of: name) else {
                throw MedPipeError.invalidArgument(stage, "\(sample.source): no column '\(name)' (columns: \(names.joined(separator: ", ")))")
            }
            return i
        }
    }

    /// A row sample with new values and optionally new column names: float64 when `keepDouble`
    /// and the input is float64 (so fitting after imputation sees exact values), float32 otherwise.
    static func row(_ sample: Sample, _ values: [Double], names: [String]? = nil, keepDouble: Bool = false) -> Sample {
        let tensor = keepDouble && sample.tensor.dtype == .float64
            ? Tensor(shape: [values.count], values: values)
            : Tensor.float32(shape: [values.count]) { out in for i in values.indices { out[i] = Float(values[i]) } }
        var result = sample.replacing(tensor: tensor)
        if let names { result.metadata["columns"] = .strings(names) }
        return result
    }
}
