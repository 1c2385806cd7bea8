import MedPipeCore

/// Attribute values fetched together from a ``DICOMFile`` (one pass over the dataset), with typed accessors.
public struct DICOMValues: Sendable {
    /// The file the values came from (used in errors).
    public let path: String
    /// Raw text per present tag, padding included; empty for empty attributes and sequences.
    let raw: [DICOMTag: String]

    /// True when the attribute is present, even empty.
    public func has(_ tag: DICOMTag) -> Bool { raw[tag] != nil }

    /// The value with surrounding spaces and NULs removed (multiple values joined by `\`), nil when absent or empty.
    public func string(_ tag: DICOMTag) -> String? {
        guard let text = raw[tag]?.trimmingDICOMPadding(), !text.isEmpty else { return nil }
        return text
    }

    /// The values of a multi-valued attribute, each trimmed.
    public func strings(_ tag: DICOMTag) -> [String]? {
        string(tag)?.split(separator: "\\", omittingEmptySubsequences: false).map { String($0).trimmingDICOMPadding() }
    }

    /// The numeric values of a DS, IS or binary numeric attribute, parsed as Python parses them.
    /// - Throws: `.malformed` naming the file and attribute when a value is not a number.
    public func doubles(_ tag: DICOMTag) throws -> [Double]? {
        guard let values = strings(tag) else { return nil }
        return try values.map { text in
            guard let value = Double(text) else {
                throw MedPipeError.malformed(path, "attribute \(tag) holds '\(text)', expected a number")
            }
            return value
        }
    }

    /// The first numeric value.
    public func double(_ tag: DICOMTag) throws -> Double? { try doubles(tag)?.first }

    /// The first value of an integer attribute (IS, US, SS, ...).
    public func int(_ tag: DICOMTag) throws -> Int? {
        guard let text = strings(tag)?.first else { return nil }
        guard let value = Int(text) ?? Double(text).flatMap({ $0.rounded() == $0 ? Int(exactly: $0) : nil }) else {
            throw MedPipeError.malformed(path, "attribute \(tag) holds '\(text)', expected an integer")
        }
        return value
    }
}

extension String {
    /// The string without leading/trailing spaces and trailing NULs (DICOM value padding).
    func trimmingDICOMPadding() -> String {
        var scalars = Substring(self)
        while let last = scalars.last, last == " " || last == "\0" { scalars = scalars.dropLast() }
        while let first = scalars.first, first == " " { scalars = scalars.dropFirst() }
        return String(scalars)
    }
}
