import MedPipeCore
import Yams

/// A YAML value of a recipe with the line it came from, so every recipe error can name its line.
public indirect enum RecipeNode: Sendable, Equatable {
    case scalar(String, line: Int)
    case list([RecipeNode], line: Int)
    case map([(key: String, value: RecipeNode)], line: Int)

    public static func == (lhs: RecipeNode, rhs: RecipeNode) -> Bool {
        switch (lhs, rhs) {
        case let (.scalar(a, la), .scalar(b, lb)): a == b && la == lb
        case let (.list(a, la), .list(b, lb)): a == b && la == lb
        case let (.map(a, la), .map(b, lb)): la == lb && a.map(\.key) == b.map(\.key) && a.map(\.value) == b.map(\.value)
        default: false
        }
    }

    /// 1-based line of the value in the recipe file.
    public var line: Int {
        switch self {
        case .scalar(_, let line), .list(_, let line), .map(_, let line): line
        }
    }

    /// Parses YAML text; errors name `file` and the line.
    public static func parse(_ text: String, file: String) throws -> RecipeNode {
        try YAMLLimits.check(text, file: file)
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw MedPipeError.invalidArgument(file, "the recipe is empty")
            }
            return try convert(node, file: file)
        } catch let error as YamlError {
            throw YAMLLimits.error(error, file: file)
        }
    }

    private static func convert(_ node: Node, file: String) throws -> RecipeNode {
        let line = node.mark?.line ?? 0
        switch node {
        case .scalar(let scalar):
            return .scalar(scalar.string, line: line)
        case .sequence(let sequence):
            return .list(try sequence.map { try convert($0, file: file) }, line: line)
        case .mapping(let mapping):
            var pairs: [(key: String, value: RecipeNode)] = []
            for (key, value) in mapping {
                guard let name = key.string else {
                    throw MedPipeError.invalidArgument("\(file):\(key.mark?.line ?? line)", "mapping keys must be plain names")
                }
                pairs.append((name, try convert(value, file: file)))
            }
            return .map(pairs, line: line)
        case .alias:
            // Yams resolves aliases while composing, and ``YAMLLimits`` refuses them before.
            throw MedPipeError.invalidArgument("\(file):\(line)", "YAML aliases are not supported in recipes")
        }
    }
}
