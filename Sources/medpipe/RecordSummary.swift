import Foundation
import MedPipeCore
import MedPipeFormats

/// What `inspect` prints about one record, as text or as one JSON object.
struct RecordSummary {
    let record: Record
    /// The shape and type of the record's array.
    let shape: [Int], dtype: DType

    init(_ record: Record) { (self.record, shape, dtype) = (record, record.tensor.shape, record.tensor.dtype) }

    /// The summary of a record whose array was written as it was read.
    init(_ streamed: StreamedRecord) { (record, shape, dtype) = (streamed.record, streamed.shape, streamed.dtype) }

    /// A few indented lines for a person, their values as read (``printLines(_:)`` shows them).
    func lines() -> [String] {
        var lines = ["\(record.source)", "  format:   \(record.format)",
                     "  shape:    \(shape.map(String.init).joined(separator: " × "))",
                     "  dtype:    \(dtype.rawValue)"]
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
        return lines
    }

    /// One line of JSON with sorted keys; a value that is not a finite number (a NaN pixdim, an
    /// infinite spacing) is written as a string (`"nan"`, `"inf"`), as JSON has no such numbers.
    func json() throws -> String {
        var object: [String: Any] = [
            "source": record.source, "format": record.format,
            "shape": shape, "dtype": dtype.rawValue,
            "metadata": record.metadata.mapValues(jsonValue), "warnings": record.warnings,
        ]
        switch record.geometry {
        case .spatial(let spacing, let affine):
            object["spacing"] = spacing.map(number)
            object["affine"] = affine.matrix.map { $0.map(number) }
            object["axes"] = affine.axisCodes.joined()
        case .temporal(let frequency):
            object["sampling_frequency"] = number(frequency)
        case nil:
            break
        }
        if let label = record.label { object["label"] = label }
        if !record.annotations.isEmpty {
            object["annotation_counts"] = Dictionary(grouping: record.annotations, by: \.symbol).mapValues(\.count)
        }
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }

    private func jsonValue(_ value: MetadataValue) -> Any {
        switch value {
        case .string(let s): s
        case .int(let i): i
        case .double(let d): number(d)
        case .strings(let a): a
        case .doubles(let a): a.map(number)
        }
    }

    /// A JSON number, or the value's text when it is NaN or infinite.
    private func number(_ value: Double) -> Any {
        value.isFinite ? value : String(value)
    }

    private func format(_ value: Double) -> String {
        String(format: "%.6g", value)
    }
}
