/// One metadata value carried by a ``Record`` (header fields, DICOM attributes, column names).
public enum MetadataValue: Sendable, Equatable, Codable, CustomStringConvertible {
    case string(String)
    case int(Int)
    case double(Double)
    case strings([String])
    case doubles([Double])

    public var description: String {
        switch self {
        case .string(let s): s
        case .int(let i): String(i)
        case .double(let d): String(d)
        case .strings(let a): a.joined(separator: ", ")
        case .doubles(let a): "[" + a.map { String($0) }.joined(separator: ", ") + "]"
        }
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let i = try? c.decode(Int.self) { self = .int(i) }
        else if let d = try? c.decode(Double.self) { self = .double(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([Double].self) { self = .doubles(a) }
        else { self = .strings(try c.decode([String].self)) }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .string(let s): try c.encode(s)
        case .int(let i): try c.encode(i)
        case .double(let d): try c.encode(d)
        case .strings(let a): try c.encode(a)
        case .doubles(let a): try c.encode(a)
        }
    }
}
