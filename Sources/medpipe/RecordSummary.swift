import Foundation
import MedPipeCore

/// What `inspect` prints about one record, as text or as one JSON object.
struct RecordSummary {
    let record: Record

    init(_ record: Record) { self.record = record }

    /// A few indented lines for a person.
    func text() -> String {
        var lines = ["\(record.source)", "  format:   \(record.format)",
                     "  shape:    \(record.tensor.shape.map(String.init).joined(separator: " × "))",
                     "  dtype:    \(record.tensor.dtype.rawValue)"]
        switch record.geometry {
        case .spatial(let spacing, let affine):
            lines.append("  spacing:  " + spacing.map { format($0) }.joined(separator: " × ") + " mm")
            lines.append("  axes:     " + affine.axisCodes.joined())
            for row in affine.matrix.prefix(3) {
                lines.append("  affine:   " + row.map { format($0) }.joined(separator: "  "))
            }
        case .temporal(let frequency):
            lines.append("  sampling: \(format(frequency)) Hz")
        case nil:
            break
        }
        if let label = record.label { lines.append("  label:    \(label)") }
        if !record.annotations.isEmpty {
            let counts = Dictionary(grouping: record.annotations, by: \.symbol).mapValues(\.count)
            lines.append("  annotations: \(record.annotations.count) (" +
                         counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + ")")
        }
        for key in record.metadata.keys.sorted() {
            lines.append("  \(key): \(record.metadata[key]!)")
        }
        for warning in record.warnings { lines.append("  warning:  \(warning)") }
        return lines.joined(separator: "\n")
    }

    /// One line of JSON with sorted keys.
    func json() -> String {
        var object: [String: Any] = [
            "source": record.source, "format": record.format,
            "shape": record.tensor.shape, "dtype": record.tensor.dtype.rawValue,
            "metadata": record.metadata.mapValues(jsonValue), "warnings": record.warnings,
        ]
        switch record.geometry {
        case .spatial(let spacing, let affine):
            object["spacing"] = spacing
            object["affine"] = affine.matrix
            object["axes"] = affine.axisCodes.joined()
        case .temporal(let frequency):
            object["sampling_frequency"] = frequency
        case nil:
            break
        }
        if let label = record.label { object["label"] = label }
        if !record.annotations.isEmpty {
            object["annotation_counts"] = Dictionary(grouping: record.annotations, by: \.symbol).mapValues(\.count)
        }
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }

    private func jsonValue(_ value: MetadataValue) -> Any {
        switch value {
        case .string(let s): s
        case .int(let i): i
        case .double(let d): d.isFinite ? d : String(d)
        case .strings(let a): a
        case .doubles(let a): a.map { $0.isFinite ? $0 as Any : String($0) as Any }
        }
    }

    private func format(_ value: Double) -> String {
        String(format: "%.6g", value)
    }
}
