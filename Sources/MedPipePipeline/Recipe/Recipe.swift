import Foundation
import MedPipeCore
import MedPipeFormats
import MedPipeStages

/// A declared, reproducible pipeline: sources, stages, split, balancing, de-identification and the cache.
///
/// ```yaml
/// name: heart-disease
/// cache: ../out/heart            # relative to this file
/// sources:
///   - path: ../../shared/data/tabular/processed.cleveland.data
///     format: csv
///     label: { column: num, greater-than: 0 }
/// stages:
///   - impute: { strategy: median }
///   - standardize: {}
/// split: { by: patient, ratios: { train: 0.6, val: 0.2, test: 0.2 }, seed: 7 }
/// balance: class-weights
/// train: { model: heart-mlp, epochs: 60, batch: 32, seed: 7 }
/// ```
public struct Recipe: Sendable {
    /// The recipe file's path.
    public var file: String
    public var name: String
    /// Absolute cache directory.
    public var cache: String
    public var sources: [SourceSpec]
    public var stages: [StageSpec]
    public var split: SplitSpec
    public var balance: BalanceSpec
    /// CSV options (column names for a headerless file, missing-value markers), as written.
    public var table: RecipeNode?
    /// The `table:` section as CSV sources are read with it (parsed once, when the recipe is read).
    var tableOptions: TableOptions
    /// How `medpipe train` trains on the cache when its flags do not say otherwise.
    public var train: TrainSpec
    /// Random transforms for training batches (``AugmentSpec``); `convert` ignores them.
    public var augment: Augmentation?
    /// The recipe's exact text (the cache keeps its hash, and ``textForCache(pseudonymize:)``).
    public var text: String
    /// The text's YAML tree, as parsed.
    var tree: RecipeNode

    /// Loads and validates a recipe: every field known, every source present, every stage named.
    /// - Parameter knownStages: stage names the pipeline can build; any other name is an error.
    public static func load(_ path: String, knownStages: Set<String>) throws -> Recipe {
        try parse(try YAMLLimits.text(of: path, what: "a recipe"), file: path, knownStages: knownStages)
    }

    /// Parses recipe text; relative paths resolve against `file`'s folder.
    public static func parse(_ text: String, file: String, knownStages: Set<String>) throws -> Recipe {
        let base = URL(fileURLWithPath: file).deletingLastPathComponent().standardizedFileURL.path
        let tree = try RecipeNode.parse(text, file: file)
        var root = try RecipeReader(tree, file: file, what: "a recipe")
        let name = try root.string("name") ?? URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        let cacheText = try root.string("cache")
        // An empty cache named the recipe's own folder, which convert then filled with a manifest and shards.
        if cacheText?.isEmpty == true { throw MedPipeError.invalidArgument(root.at(root.node("cache")), "'cache' is empty") }
        let cache = cacheText.map { resolve($0, base) } ?? resolve("cache/" + name, base)

        guard let sourcesNode = root.node("sources") else { throw MedPipeError.invalidArgument(root.at(), "missing required field 'sources'") }
        guard case .list(let sourceNodes, _) = sourcesNode, !sourceNodes.isEmpty else {
            throw MedPipeError.invalidArgument(root.at(sourcesNode), "'sources' must be a non-empty list")
        }
        let sources = try sourceNodes.map { try parseSource($0, file: file, base: base) }

        var stages: [StageSpec] = []
        if let stagesNode = root.node("stages") {
            guard case .list(let items, _) = stagesNode else { throw MedPipeError.invalidArgument(root.at(stagesNode), "'stages' must be a list") }
            stages = try items.map { try parseStage($0, file: file, knownStages: knownStages) }
        }

        var split = SplitSpec.default
        if let splitNode = root.node("split") { split = try parseSplit(splitNode, file: file) }

        var balance = BalanceSpec.none
        if let text = try root.string("balance") {
            guard let value = BalanceSpec(rawValue: text) else {
                throw MedPipeError.invalidArgument(root.at(root.node("balance")), "unknown balance '\(text)' (expected none, oversample, undersample, class-weights or smote)")
            }
            balance = value
        }
        let table = root.node("table")
        // Parsed here, once, before any work, whatever the sources: a misspelt option is not to be found only when a
        // CSV source is read (each CSV rejected in turn), nor ignored when there is none.
        let tableOptions = try TableOptions.parse(table, file: file)
        // A section no source reads is a mistake of the user's (a misplaced source, a format not declared), not to be
        // passed over without a word.
        if let table, !sources.contains(where: { $0.reads(.csv) }) {
            throw MedPipeError.invalidArgument(root.at(table), "'table' applies to CSV sources, and no source of this recipe is a CSV file: remove it, or give the CSV source `format: csv`")
        }
        let train = try root.node("train").map { try TrainSpec.parse($0, file: file) } ?? TrainSpec()
        let augment = try root.node("augment").map { try AugmentSpec.parse($0, file: file) }
        try root.finish()
        return Recipe(file: file, name: name, cache: cache, sources: sources, stages: stages, split: split,
                      balance: balance, table: table, tableOptions: tableOptions, train: train, augment: augment, text: text, tree: tree)
    }

    private static func resolve(_ path: String, _ base: String) -> String {
        let expanded = path.hasPrefix("~/") ? FileManager.default.homeDirectoryForCurrentUser.path + path.dropFirst() : path
        return URL(fileURLWithPath: expanded.hasPrefix("/") ? expanded : base + "/" + expanded).standardizedFileURL.path
    }

    private static func parseSource(_ node: RecipeNode, file: String, base: String) throws -> SourceSpec {
        var reader = try RecipeReader(node, file: file, what: "a source")
        guard let patterns = try reader.strings("path") else { throw MedPipeError.invalidArgument(reader.at(), "a source needs 'path'") }
        var paths: [String] = []
        for pattern in patterns {
            // An empty path named the recipe's own folder, which was then read as a source.
            guard !pattern.isEmpty else { throw MedPipeError.invalidArgument(reader.at(reader.node("path")), "'path' is empty") }
            let found = PathPattern.expand(pattern, relativeTo: base)
            if let name = found.undecodable.first {
                throw MedPipeError.invalidArgument(reader.at(reader.node("path")), "'\(pattern)' matches \(name)\(found.undecodable.count > 1 ? " and \(found.undecodable.count - 1) more" : ""): \(FolderWalk.undecodableName)")
            }
            guard !found.paths.isEmpty else { throw MedPipeError.invalidArgument(reader.at(reader.node("path")), "no file matches '\(pattern)'") }
            paths += found.paths
        }
        var format: FormatKind?
        if let text = try reader.string("format") {
            guard let kind = FormatKind(rawValue: text) else {
                let known = FormatKind.allCases.map(\.rawValue).joined(separator: ", ")
                throw MedPipeError.invalidArgument(reader.at(reader.node("format")), "unknown format '\(text)' (expected one of: \(known))")
            }
            format = kind
        }
        let labelsFile = try reader.string("labels-file").map { resolve($0, base) }
        if let labelsFile, !FileBytes.isRegularFile(labelsFile) {
            throw MedPipeError.invalidArgument(reader.at(reader.node("labels-file")), "labels file '\(labelsFile)' \(Self.notAFile(labelsFile))")
        }
        let label = try reader.node("label").map { try parseLabel($0, file: file, base: base) } ?? .none
        try reader.finish()
        let source = SourceSpec(paths: paths.sorted(), format: format, label: label, labelsFile: labelsFile, line: node.line)
        // Only an idx image file is read with a labels file: on any other source it was ignored without a word.
        if labelsFile != nil, !source.reads(.idx) {
            throw MedPipeError.invalidArgument(reader.at(reader.node("labels-file")), "'labels-file' applies to MNIST idx image sources, and no file of this source is one (\(source.paths[0]) is \(format?.rawValue ?? (try? FormatKind.detect(source.paths[0]).rawValue) ?? "of no format MedPipe reads")): remove it")
        }
        return source
    }

    /// Why `path`, which is not a regular file, cannot be read as one.
    private static func notAFile(_ path: String) -> String {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else { return "does not exist" }
        return isFolder.boolValue ? "is a folder, not a file" : "is not a regular file"
    }

    private static func parseLabel(_ node: RecipeNode, file: String, base: String) throws -> LabelSpec {
        if case .scalar(let text, _) = node {
            switch text {
            case "none": return .none
            case "dataset": return .dataset
            case "folder": return .folder
            case "annotations": return .annotations
            default:
                throw MedPipeError.invalidArgument("\(file):\(node.line)", "unknown label source '\(text)' (expected none, dataset, folder, annotations, or a mapping with column, sidecar or attribute)")
            }
        }
        var reader = try RecipeReader(node, file: file, what: "'label'")
        let label: LabelSpec
        if let column = try reader.string("column") {
            label = .column(column, greaterThan: try reader.double("greater-than"))
        } else if let sidecar = try reader.string("sidecar") {
            let path = resolve(sidecar, base)
            guard FileBytes.isRegularFile(path) else {
                throw MedPipeError.invalidArgument(reader.at(reader.node("sidecar")), "sidecar '\(path)' \(Self.notAFile(path))")
            }
            label = .sidecar(file: path, keyColumn: try reader.requiredString("key"), labelColumn: try reader.requiredString("label"))
        } else if let attribute = try reader.string("attribute") {
            label = .attribute(attribute)
        } else {
            throw MedPipeError.invalidArgument(reader.at(), "'label' needs one of: column, sidecar, attribute")
        }
        try reader.finish()
        return label
    }

    private static func parseStage(_ node: RecipeNode, file: String, knownStages: Set<String>) throws -> StageSpec {
        let name: String, parameters: RecipeNode
        switch node {
        case .scalar(let text, let line):
            name = text
            parameters = .map([], line: line)
        case .map(let pairs, let line) where pairs.count == 1:
            name = pairs[0].key
            parameters = pairs[0].value
            if case .scalar(let value, _) = parameters, !value.isEmpty {
                throw MedPipeError.invalidArgument("\(file):\(line)", "stage '\(name)' takes a mapping of parameters, not '\(value)'")
            }
        default:
            throw MedPipeError.invalidArgument("\(file):\(node.line)", "each stage is one name, optionally with a mapping of parameters (e.g. `- zscore: { over: nonzero }`)")
        }
        guard knownStages.contains(name) else {
            throw MedPipeError.invalidArgument("\(file):\(node.line)", "unknown stage '\(name)' (known: \(knownStages.sorted().joined(separator: ", ")))")
        }
        let normalized: RecipeNode = if case .scalar = parameters { .map([], line: node.line) } else { parameters }
        return StageSpec(name: name, parameters: normalized, line: node.line)
    }

    private static func parseSplit(_ node: RecipeNode, file: String) throws -> SplitSpec {
        var reader = try RecipeReader(node, file: file, what: "'split'")
        var split = SplitSpec.default
        if let by = try reader.string("by") {
            guard let grouping = SplitSpec.Grouping(rawValue: by) else {
                throw MedPipeError.invalidArgument(reader.at(reader.node("by")), "unknown split grouping '\(by)' (expected patient, time-block, given or beat)")
            }
            split.grouping = grouping
        }
        if let ratiosNode = reader.node("ratios") {
            var ratios = try RecipeReader(ratiosNode, file: file, what: "'ratios'")
            var values: [String: Double] = [:]
            for name in ["train", "val", "test"] { values[name] = try ratios.double(name) ?? 0 }
            try ratios.finish()
            // Checked as the split will be: the recipe allowed a sum 1e-6 from 1, the split 1e-9, and a run with ratios
            // between the two failed at its end, after reading every source, naming no file.
            do {
                try GroupedStratifiedSplit.check(train: values["train"] ?? 0, validation: values["val"] ?? 0, test: values["test"] ?? 0)
            } catch let error as MedPipeError {
                throw MedPipeError.invalidArgument(reader.at(ratiosNode), "split \(error.message)")
            }
            split.ratios = values
        }
        if let all = try reader.string("all") {
            guard let name = SplitName(parsing: all) else {
                throw MedPipeError.invalidArgument(reader.at(reader.node("all")), "'all' names one split (train, val or test), not '\(all)'")
            }
            if let other = ["by", "ratios", "blocks"].first(where: { reader.has($0) }) {
                throw MedPipeError.invalidArgument(reader.at(reader.node(other)), "'all: \(all)' puts every sample in one split: '\(other)' does not apply")
            }
            split.all = name
        }
        if let seed = try reader.int("seed") {
            // -1 became 18446744073709551615 without a word (train's seed refuses it).
            guard seed >= 0 else { throw MedPipeError.invalidArgument(reader.at(reader.node("seed")), "'seed' must be ≥ 0, got \(seed)") }
            split.seed = UInt64(seed)
        }
        if let blocks = try reader.int("blocks") {
            guard blocks >= 3 else { throw MedPipeError.invalidArgument(reader.at(reader.node("blocks")), "'blocks' must be at least 3") }
            // Set beside another grouping, it was ignored without a word.
            guard split.grouping == .timeBlock else {
                throw MedPipeError.invalidArgument(reader.at(reader.node("blocks")), "'blocks' applies to a split by time-block, not by \(split.grouping.rawValue)")
            }
            split.blocks = blocks
        }
        if split.grouping == .given, reader.has("ratios") {
            throw MedPipeError.invalidArgument(reader.at(reader.node("ratios")), "'ratios' do not apply to a split given by the data set")
        }
        try reader.finish()
        return split
    }
}
