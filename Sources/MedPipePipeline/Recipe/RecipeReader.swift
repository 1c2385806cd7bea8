import Foundation
import MedPipeCore

/// Reads typed values out of a ``RecipeNode`` map, rejecting unknown keys, with errors that name file and line.
///
/// Every accessor records the key as known; ``finish()`` then fails on the first key nobody asked for,
/// so a misspelt field is an error before any work rather than a silently ignored setting.
public struct RecipeReader {
    public let file: String
    public let line: Int
    private let pairs: [(key: String, value: RecipeNode)]
    private var known: Set<String> = []

    /// Wraps a node that must be a map; `what` names it in the error otherwise.
    public init(_ node: RecipeNode, file: String, what: String) throws {
        guard case .map(let pairs, let line) = node else {
            throw MedPipeError.invalidArgument("\(file):\(node.line)", "\(what) must be a mapping of names to values")
        }
        self.file = file
        self.line = line
        self.pairs = pairs
    }

    /// The error subject `file:line` for `node` (or for this map).
    public func at(_ node: RecipeNode? = nil) -> String { "\(file):\(node?.line ?? line)" }

    /// Whether `key` is present (without marking it as read).
    public func has(_ key: String) -> Bool { pairs.contains { $0.key == key } }

    /// The raw node under `key`, if present.
    public mutating func node(_ key: String) -> RecipeNode? {
        known.insert(key)
        return pairs.first { $0.key == key }?.value
    }

    public mutating func string(_ key: String) throws -> String? {
        guard let node = node(key) else { return nil }
        guard case .scalar(let text, _) = node else { throw MedPipeError.invalidArgument(at(node), "'\(key)' must be a single value") }
        return text
    }

    public mutating func requiredString(_ key: String) throws -> String {
        guard let value = try string(key) else { throw MedPipeError.invalidArgument(at(), "missing required field '\(key)'") }
        return value
    }

    public mutating func double(_ key: String) throws -> Double? {
        guard let text = try string(key) else { return nil }
        guard let value = Double(text), value.isFinite else {
            throw MedPipeError.invalidArgument(at(node(key)), "'\(key)' must be a number, got '\(text)'")
        }
        return value
    }

    /// A finite number within `range` (and, with `excludingLowerBound`, above its lower bound), for `owner` (a stage's
    /// or a transform's name): the one check of a number a recipe sets, whose error names the line, `owner` and `key`.
    public mutating func double(_ key: String, of owner: String, in range: ClosedRange<Double>, excludingLowerBound: Bool = false) throws -> Double? {
        guard let value = try double(key) else { return nil }
        guard range.contains(value), !excludingLowerBound || value > range.lowerBound else {
            let low = excludingLowerBound ? "greater than \(Self.format(range.lowerBound)) and at most" : "from \(Self.format(range.lowerBound)) to"
            throw MedPipeError.invalidArgument(at(node(key)), "\(owner) '\(key)' must be \(low) \(Self.format(range.upperBound)), got \(Self.format(value))")
        }
        return value
    }

    /// A number as error messages write it (`%g`: `0.5`, `1e+06`).
    static func format(_ value: Double) -> String { String(format: "%g", value) }

    public mutating func int(_ key: String) throws -> Int? {
        guard let text = try string(key) else { return nil }
        guard let value = Int(text) else { throw MedPipeError.invalidArgument(at(node(key)), "'\(key)' must be a whole number, got '\(text)'") }
        return value
    }

    public mutating func bool(_ key: String) throws -> Bool? {
        guard let text = try string(key) else { return nil }
        switch text.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw MedPipeError.invalidArgument(at(node(key)), "'\(key)' must be true or false, got '\(text)'")
        }
    }

    /// A list of scalars; a single scalar counts as a list of one.
    public mutating func strings(_ key: String) throws -> [String]? {
        guard let node = node(key) else { return nil }
        switch node {
        case .scalar(let text, _): return [text]
        case .list(let items, _):
            return try items.map { item in
                guard case .scalar(let text, _) = item else { throw MedPipeError.invalidArgument(at(item), "'\(key)' must list plain values") }
                return text
            }
        case .map: throw MedPipeError.invalidArgument(at(node), "'\(key)' must be a value or a list of values")
        }
    }

    /// A list of finite numbers.
    public mutating func doubles(_ key: String) throws -> [Double]? {
        guard let texts = try strings(key) else { return nil }
        return try texts.map { text in
            guard let value = Double(text), value.isFinite else {
                throw MedPipeError.invalidArgument(at(node(key)), "'\(key)' must list numbers, got '\(text)'")
            }
            return value
        }
    }

    /// A list of finite numbers, each within `range`, for `owner`; the error names the line, `owner` and `key`.
    public mutating func doubles(_ key: String, of owner: String, in range: ClosedRange<Double>) throws -> [Double]? {
        guard let values = try doubles(key) else { return nil }
        if let value = values.first(where: { !range.contains($0) }) {
            throw MedPipeError.invalidArgument(at(node(key)), "\(owner) '\(key)' must list numbers from \(Self.format(range.lowerBound)) to \(Self.format(range.upperBound)), got \(Self.format(value))")
        }
        return values
    }

    /// A list of whole numbers (`28` or `28.0`).
    public mutating func ints(_ key: String) throws -> [Int]? {
        guard let texts = try strings(key) else { return nil }
        return try texts.map { text in
            guard let value = Int(text) ?? Double(text).flatMap({ Int(exactly: $0) }) else {
                throw MedPipeError.invalidArgument(at(node(key)), "'\(key)' must list whole numbers, got '\(text)'")
            }
            return value
        }
    }

    /// Fails on the first key that no accessor asked for.
    public func finish() throws {
        if let unknown = pairs.first(where: { !known.contains($0.key) }) {
            let allowed = known.sorted().joined(separator: ", ")
            throw MedPipeError.invalidArgument(at(unknown.value), "unknown field '\(unknown.key)' (expected one of: \(allowed))")
        }
    }
}
