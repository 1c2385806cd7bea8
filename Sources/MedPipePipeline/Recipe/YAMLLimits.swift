import CYaml
import MedPipeCore
import Yams

/// Checks YAML text event by event (libyaml's parser, no recursion, nothing built) before Yams
/// composes it, so that a hostile file fails with an error instead of exhausting memory or the stack.
///
/// Recipes and model files never need aliases, and aliases of aliases expand exponentially when the
/// document is walked (the "billion laughs"): an alias is refused. Nesting is limited to
/// ``maximumDepth`` levels (Yams composes recursively) and a document to ``maximumNodes`` nodes.
/// A key given twice in one mapping is refused naming both lines (Yams's own error names neither, and
/// carries the whole text). Syntax errors are left for Yams to find; ``error(_:file:)`` tells them in one line.
enum YAMLLimits {
    /// The largest YAML file read: a recipe, model or augmentation file is written by hand (100,000 values of 160
    /// bytes each), and one of 200 MB took 90 s and 1.7 GB to read, and was then converted.
    static let maximumBytes = 16 << 20

    /// The text of the YAML file at `path`, without a leading byte-order mark, `what` it is (`a recipe`) naming it in the
    /// errors. A recipe saved with a BOM (as Windows editors write UTF-8) was refused, "did not find expected <document
    /// start>": Yams reads the mark as text; PyYAML skips it.
    /// - Throws: `.unsupported` for a file larger than ``maximumBytes`` (before it is read), `.invalidArgument` for one
    ///   that is not UTF-8 text, and as ``FileBytes/read(_:)``.
    static func text(of path: String, what: String) throws -> String {
        guard let text = String(validating: try FileBytes.read(path, atMost: maximumBytes, what: what), as: UTF8.self) else {
            throw MedPipeError.invalidArgument(path, "\(what) is not UTF-8 text")
        }
        return text.unicodeScalars.first == "\u{FEFF}" ? String(text.unicodeScalars.dropFirst()) : text
    }

    static let maximumDepth = 64
    static let maximumNodes = 100_000

    /// A collection open while the events are walked: the keys of a mapping so far, with their lines
    /// (nil for a sequence), and whether the mapping's next node is a key.
    private struct OpenCollection {
        var keys: [String: Int]?
        var nextIsKey = true
    }

    /// A Yams error as one line naming the file and the line: the problem, and the construct it was found in. Yams's
    /// own text spans lines (a snippet of the file and a caret), and its first line holds the construct without the problem.
    static func error(_ error: YamlError, file: String) -> MedPipeError {
        switch error {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _), let .composer(context, problem, mark, _):
            let within = context.map { " (\($0.text) on line \($0.mark.line))" } ?? ""
            return .invalidArgument("\(file):\(mark.line)", "not valid YAML: \(problem)\(within)")
        case let .reader(problem, offset, value, yaml):
            // A character YAML does not allow, at `offset` characters into the text.
            let line = offset.map { ":\(yaml.prefix($0).filter(\.isNewline).count + 1)" } ?? ""
            let character = value >= 0 ? String(format: " (U+%04X)", value) : ""
            return .invalidArgument(file + line, "not valid YAML: \(problem)\(character)")
        default:
            return .invalidArgument(file, "not valid YAML: \(String(describing: error).split(separator: "\n").first ?? "")")
        }
    }

    /// Walks `text` event by event, refusing aliases, nesting and sizes past the limits, and keys given twice.
    /// - Throws: `.invalidArgument` naming `file` and the line of the alias, of the level too deep, of the
    ///   node past the limit, or of the key given twice.
    static func check(_ text: String, file: String) throws {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { throw MedPipeError.io(file, "libyaml cannot allocate a parser") }
        defer { yaml_parser_delete(&parser) }
        var bytes = Array(text.utf8)
        try bytes.withUnsafeMutableBufferPointer { buffer in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            var open: [OpenCollection] = [], nodes = 0
            while true {
                var event = yaml_event_t()
                guard yaml_parser_parse(&parser, &event) == 1 else {
                    // Nested past libyaml's own limit (1,000 levels), which the scanner meets before any event: Yams
                    // would say only "while parsing in line 1, column 1".
                    if let problem = parser.problem, String(cString: problem).hasPrefix("Maximum nesting level") {
                        throw MedPipeError.invalidArgument("\(file):\(Int(parser.problem_mark.line) + 1)", "YAML nested more than \(maximumDepth) levels deep")
                    }
                    return  // a syntax error: Yams parses the text again and reports it
                }
                defer { yaml_event_delete(&event) }
                let line = Int(event.start_mark.line) + 1
                if [YAML_SCALAR_EVENT, YAML_ALIAS_EVENT, YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT].contains(event.type),
                   let parent = open.indices.last, open[parent].keys != nil {
                    if open[parent].nextIsKey, event.type == YAML_SCALAR_EVENT {
                        let scalar = event.data.scalar
                        let key = String(decoding: UnsafeBufferPointer(start: scalar.value, count: scalar.length), as: UTF8.self)
                        if let first = open[parent].keys?[key] {
                            throw MedPipeError.invalidArgument("\(file):\(line)", "'\(key)' is given twice in one mapping (first on line \(first))")
                        }
                        open[parent].keys?[key] = line
                    }
                    open[parent].nextIsKey.toggle()
                }
                switch event.type {
                case YAML_STREAM_END_EVENT:
                    return
                case YAML_ALIAS_EVENT:
                    throw MedPipeError.invalidArgument("\(file):\(line)", "YAML aliases (*name) are not supported")
                case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
                    open.append(OpenCollection(keys: event.type == YAML_MAPPING_START_EVENT ? [:] : nil))
                    nodes += 1
                    guard open.count <= maximumDepth else {
                        throw MedPipeError.invalidArgument("\(file):\(line)", "YAML nested more than \(maximumDepth) levels deep")
                    }
                case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                    open.removeLast()
                case YAML_SCALAR_EVENT:
                    nodes += 1
                default:
                    break
                }
                guard nodes <= maximumNodes else {
                    throw MedPipeError.invalidArgument("\(file):\(line)", "YAML with more than \(maximumNodes) values")
                }
            }
        }
    }
}
