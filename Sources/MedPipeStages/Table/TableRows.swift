import MedPipeCore

/// Turns a table `(rows, columns)` into one sample per row (a vector with NaN for missing values),
/// optionally taking the label (and removing it from the features) from a column — as its value,
/// or as `1`/`0` for "value > threshold" (UCI heart disease: `num > 0`) — and the group key from
/// another column. Rows with a missing label are dropped and counted.
public struct TableRows: Stage {
    public static let name = "rows"

    public var labelColumn: String?
    /// When set, the label is `1` if the column's value is greater than this, else `0`.
    public var labelGreaterThan: Double?
    public var groupColumn: String?

    public init(labelColumn: String? = nil, labelGreaterThan: Double? = nil, groupColumn: String? = nil) {
        self.labelColumn = labelColumn
        self.labelGreaterThan = labelGreaterThan
        self.groupColumn = groupColumn
    }

    public var canonicalParameters: String {
        var p = CanonicalParameters()
        p.add("label", labelColumn ?? "")
        p.add("greater_than", labelGreaterThan)
        p.add("group", groupColumn ?? "")
        return p.text
    }

    public func run(_ sample: Sample) throws -> StageOutput {
        let shape = sample.tensor.shape
        guard shape.count == 2 else {
            throw MedPipeError.invalidArgument(Self.name, "\(sample.source): needs a table (rows, columns), got shape \(shape)")
        }
        let rows = shape[0], columns = shape[1]
        var names = (0..<columns).map(String.init)
        if case .strings(let given)? = sample.metadata["columns"], given.count == columns { names = given }
        func index(_ name: String?) throws -> Int? {
            guard let name else { return nil }
            guard let i = names.firstIndex(of: name) else {
                throw MedPipeError.invalidArgument(Self.name, "\(sample.source): no column '\(name)' (columns: \(names.joined(separator: ", ")))")
            }
            return i
        }
        let labelIndex = try index(labelColumn), groupIndex = try index(groupColumn)
        let features = (0..<columns).filter { $0 != labelIndex && $0 != groupIndex }
        var metadata = sample.metadata
        metadata["columns"] = .strings(features.map { names[$0] })
        var missingLabels = 0
        let rowShape = [features.count]
        // The values as they are when float64 (a CSV table's), not a copy of the whole table.
        func split(_ values: UnsafeBufferPointer<Double>) -> [Sample] {
            var out: [Sample] = []
            out.reserveCapacity(rows)
            for r in 0..<rows {
                let row = values[(r * columns)..<((r + 1) * columns)]
                var label = sample.label
                if let labelIndex {
                    let v = row[r * columns + labelIndex]
                    guard !v.isNaN else { missingLabels += 1; continue }
                    label = labelGreaterThan.map { v > $0 ? "1" : "0" } ?? CanonicalParameters.format(v)
                }
                var group = sample.group
                if let groupIndex { group = CanonicalParameters.format(row[r * columns + groupIndex]) }
                let tensor = Tensor(shape: rowShape, values: features.map { row[r * columns + $0] })
                out.append(Sample(tensor: tensor, label: label, group: group,
                                  source: sample.source.narrowed(to: "row", index: r), metadata: metadata))
            }
            return out
        }
        let out = sample.tensor.dtype == .float64 ? sample.tensor.withUnsafeBufferPointer(as: Double.self, split)
                                                  : sample.tensor.doubleValues().withUnsafeBufferPointer(split)
        return StageOutput(out, dropped: missingLabels > 0 ? ["missing label": missingLabels] : [:])
    }
}
