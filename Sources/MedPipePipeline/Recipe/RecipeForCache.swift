extension Recipe {
    /// The recipe as the cache keeps it (its `recipe` meta value, which `train`, the report and `cache info` read):
    /// written again from its tree, without its comments, each file a source names (`path`, `labels-file`, a
    /// label's `sidecar`) replaced by `pseudonymize(name)`. A folder or file name can name a patient (an archive's
    /// `DOE^JOHN/`), and the cache holds nothing that may; every other value is kept as written.
    public func textForCache(pseudonymize: (String) -> String) -> String {
        guard case .map(let fields, let line) = tree else { return tree.yaml }
        return RecipeNode.map(fields.map { key, value in
            guard key == "sources", case .list(let sources, let at) = value else { return (key, value) }
            return (key, .list(sources.map { Self.withFilesReplaced($0, pseudonymize) }, line: at))
        }, line: line).yaml
    }

    private static func withFilesReplaced(_ source: RecipeNode, _ pseudonymize: (String) -> String) -> RecipeNode {
        func replaced(_ node: RecipeNode) -> RecipeNode {
            switch node {
            case .scalar(let name, let line): .scalar(pseudonymize(name), line: line)
            case .list(let items, let line): .list(items.map(replaced), line: line)
            case .map: node  // not a file name: refused when the recipe was read
            }
        }
        guard case .map(let fields, let line) = source else { return source }
        return .map(fields.map { key, value in
            switch key {
            case "path", "labels-file": return (key, replaced(value))
            case "label":
                guard case .map(let label, let at) = value else { return (key, value) }
                return (key, .map(label.map { $0.key == "sidecar" ? ($0.key, replaced($0.value)) : $0 }, line: at))
            default: return (key, value)
            }
        }, line: line)
    }
}
