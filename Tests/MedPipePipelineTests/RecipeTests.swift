import Foundation
import Testing
import MedPipeCore
import MedPipeFormats
import MedPipeStages
import TestSupport
@testable import MedPipePipeline

/// Writes `text` as a recipe in a fresh folder holding an empty `data.csv`; returns the recipe path.
private func recipeFile(_ text: String) throws -> String {
    let dir = NSTemporaryDirectory() + "medpipe-recipe-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: dir + "/images/a", withIntermediateDirectories: true)
    try FileManager.default.createDirectory(atPath: dir + "/images/b", withIntermediateDirectories: true)
    _ = FileManager.default.createFile(atPath: dir + "/data.csv", contents: Data("x,num\n1,0\n".utf8))
    let path = dir + "/recipe.yaml"
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}

private let stages: Set<String> = ["zscore", "impute", "standardize"]

@Suite struct RecipeTests {
    @Test func parsesAFullRecipe() throws {
        let path = try recipeFile("""
            name: heart
            cache: out/heart
            sources:
              - path: data.csv
                format: csv
                label: { column: num, greater-than: 0 }
              - path: images/*
                label: folder
            stages:
              - impute: { strategy: median }
              - standardize
            split: { by: patient, ratios: { train: 0.6, val: 0.2, test: 0.2 }, seed: 7 }
            balance: class-weights
            """)
        let recipe = try Recipe.load(path, knownStages: stages)
        let dir = URL(fileURLWithPath: path).deletingLastPathComponent().standardizedFileURL.path
        #expect(recipe.name == "heart")
        #expect(recipe.cache == dir + "/out/heart")
        #expect(recipe.sources.count == 2)
        #expect(recipe.sources[0].format == .csv)
        #expect(recipe.sources[0].label == .column("num", greaterThan: 0))
        #expect(recipe.sources[1].paths == [dir + "/images/a", dir + "/images/b"])
        #expect(recipe.stages.map(\.name) == ["impute", "standardize"])
        #expect(recipe.stages[0].line == 10)
        #expect(recipe.split.ratios == ["train": 0.6, "val": 0.2, "test": 0.2])
        #expect(recipe.split.seed == 7)
        #expect(recipe.balance == .classWeights)
    }

    @Test func unknownStageNamesItsLine() throws {
        let path = try recipeFile("""
            sources:
              - path: data.csv
            stages:
              - zscor: {}
            """)
        #expect(throws: MedPipeError.invalidArgument(path + ":4", "unknown stage 'zscor' (known: impute, standardize, zscore)")) {
            _ = try Recipe.load(path, knownStages: stages)
        }
    }

    @Test func misspeltFieldIsRejected() throws {
        let path = try recipeFile("""
            sources:
              - path: data.csv
                lable: folder
            """)
        #expect {
            _ = try Recipe.load(path, knownStages: stages)
        } throws: { error in
            guard let error = error as? MedPipeError else { return false }
            return error.subject == path + ":3" && error.message.hasPrefix("unknown field 'lable'")
        }
    }

    /// `table:` is checked when the recipe is read: a misspelt option was found only when a CSV source was read
    /// (every CSV rejected with it, the rest converted), and was ignored without a word in a recipe without one.
    @Test func misspeltTableOptionIsRejectedOnLoad() throws {
        for source in ["data.csv", "images/*"] {
            let path = try recipeFile("sources:\n  - path: \(source)\ntable:\n  missing: [\"?\"]\n  delimeter: \";\"\n")
            #expect {
                _ = try Recipe.load(path, knownStages: stages)
            } throws: { error in
                guard let error = error as? MedPipeError else { return false }
                return error.subject == path + ":5" && error.message.hasPrefix("unknown field 'delimeter' (expected one of: columns, delimiter,")
            }
        }
    }

    /// An empty path or cache (which named the recipe's own folder, then read as a source or filled with a manifest and
    /// shards) and a sidecar or labels file that is a folder (which failed in the middle of the run, naming no recipe
    /// line) are refused when the recipe is read.
    @Test func emptyPathsAndFoldersForFilesAreRefused() throws {
        let empty = try recipeFile("cache: \"\"\nsources:\n  - path: data.csv\n")
        #expect(throws: MedPipeError.invalidArgument(empty + ":1", "'cache' is empty")) { _ = try Recipe.load(empty, knownStages: stages) }
        let cases = [("  - path: \"\"\n", ":2", "'path' is empty"),
                     ("  - path: data.csv\n    labels-file: images\n", ":3", "labels file '"),
                     ("  - path: data.csv\n    label: { sidecar: images, key: file, label: x }\n", ":3", "sidecar '")]
        for (source, line, message) in cases {
            let path = try recipeFile("sources:\n" + source)
            #expect {
                _ = try Recipe.load(path, knownStages: stages)
            } throws: { error in
                guard let error = error as? MedPipeError else { return false }
                return error.subject == path + line && error.message.hasPrefix(message) && (message.hasPrefix("'path'") || error.message.hasSuffix("images' is a folder, not a file"))
            }
        }
    }

    /// A `table:` section when no source is a CSV file, and a `labels-file` on a source that is not an idx image file, were
    /// ignored without a word; they are refused naming the recipe's line. Where a source uses them, they are accepted.
    @Test func sectionsAndFieldsNoSourceUsesAreRefused() throws {
        let unusedTable = try recipeFile("sources:\n  - path: images\ntable: { missing: [\"?\"] }\n")
        #expect(throws: MedPipeError.invalidArgument(unusedTable + ":3", "'table' applies to CSV sources, and no source of this recipe is a CSV file: remove it, or give the CSV source `format: csv`")) {
            _ = try Recipe.load(unusedTable, knownStages: stages)
        }
        let unusedLabels = try recipeFile("sources:\n  - path: data.csv\n    labels-file: data.csv\n")
        let folder = (unusedLabels as NSString).deletingLastPathComponent
        #expect(throws: MedPipeError.invalidArgument(unusedLabels + ":3", "'labels-file' applies to MNIST idx image sources, and no file of this source is one (\(folder)/data.csv is csv): remove it")) {
            _ = try Recipe.load(unusedLabels, knownStages: stages)
        }
        let used = try recipeFile("sources:\n  - path: images\n  - path: data.csv\n  - path: images.idx\n    labels-file: data.csv\ntable: { missing: [\"?\"] }\n")
        try Data([0, 0, 8, 3, 0, 0, 0, 0]).write(to: URL(fileURLWithPath: (used as NSString).deletingLastPathComponent + "/images.idx"))
        let recipe = try Recipe.load(used, knownStages: stages)
        #expect(recipe.table != nil && recipe.sources[2].labelsFile != nil)
    }

    @Test func missingSourceFileFailsBeforeAnyWork() throws {
        let path = try recipeFile("""
            sources:
              - path: nowhere/*.dcm
            """)
        #expect(throws: MedPipeError.invalidArgument(path + ":2", "no file matches 'nowhere/*.dcm'")) {
            _ = try Recipe.load(path, knownStages: stages)
        }
    }

    /// A glob never skips a file silently: a match whose name is not UTF-8 (no Swift path can open it) fails the
    /// recipe, naming the file; a FIFO that matches is left out (reading it would wait forever).
    @Test func globMatchesThatCannotBeReadAreNamedOrLeftOut() throws {
        let path = try recipeFile("""
            sources:
              - path: images/a/*.csv
            """)
        let folder = (path as NSString).deletingLastPathComponent + "/images/a"
        _ = FileManager.default.createFile(atPath: folder + "/good.csv", contents: Data("x,num\n1,0\n".utf8))
        #expect(mkfifo(folder + "/pipe.csv", 0o600) == 0)
        #expect(try Recipe.load(path, knownStages: stages).sources.first?.paths == [folder + "/good.csv"])
        #expect(createFile(in: folder, rawName: Array("M".utf8) + [0xFC] + Array("ller.csv".utf8)))
        #expect(throws: MedPipeError.invalidArgument(path + ":2", "'images/a/*.csv' matches \(folder)/M\u{FFFD}ller.csv: " + FolderWalk.undecodableName)) {
            _ = try Recipe.load(path, knownStages: stages)
        }
    }

    @Test("aliases, deep nesting and huge documents fail before Yams builds anything (billion laughs)")
    func yamlBombsAreRefused() throws {
        var laughs = "sources:\n  - path: data.csv\na: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
        for (name, previous) in zip("bcdefghij", "abcdefghi") {
            laughs += "\(name): &\(name) [" + Array(repeating: "*\(previous)", count: 9).joined(separator: ", ") + "]\n"
        }
        let path = try recipeFile(laughs)
        #expect(throws: MedPipeError.invalidArgument(path + ":4", "YAML aliases (*name) are not supported")) {
            _ = try Recipe.load(path, knownStages: stages)
        }
        let deep = try recipeFile("sources: " + String(repeating: "[", count: 65) + String(repeating: "]", count: 65))
        #expect(throws: MedPipeError.invalidArgument(deep + ":1", "YAML nested more than 64 levels deep")) {
            _ = try Recipe.load(deep, knownStages: stages)
        }
        // Past libyaml's own limit of 1,000 levels: "not valid YAML: 1:1: error: parser: while parsing in line 1, column 1".
        let deeper = try recipeFile("sources: " + String(repeating: "[", count: 2000) + String(repeating: "]", count: 2000))
        #expect(throws: MedPipeError.invalidArgument(deeper + ":1", "YAML nested more than 64 levels deep")) {
            _ = try Recipe.load(deeper, knownStages: stages)
        }
        let wide = try recipeFile("sources: [" + Array(repeating: "x", count: 100_001).joined(separator: ", ") + "]")
        #expect(throws: MedPipeError.invalidArgument(wide + ":1", "YAML with more than 100000 values")) {
            _ = try Recipe.load(wide, knownStages: stages)
        }
        // A model file goes through the same check.
        #expect(throws: MedPipeError.invalidArgument(path + ":4", "YAML aliases (*name) are not supported")) {
            _ = try ModelFile.layers(path) { mapping, _ in mapping }
        }
    }

    /// A key given twice was refused as Yams words it, "not valid YAML: Parser: expected all keys to be unique but found the
    /// following duplicated key(s): 'name'.", naming no line (and, for a model file, with the whole text after it).
    @Test func aKeyGivenTwiceNamesItsLines() throws {
        let path = try recipeFile("name: a\nsources:\n  - path: data.csv\nstages:\n  - ct-window: { center: 40,\n               center: 50, width: 80 }\nname: b\n")
        #expect(throws: MedPipeError.invalidArgument(path + ":6", "'center' is given twice in one mapping (first on line 5)")) {
            _ = try Recipe.load(path, knownStages: StageFactory.names)
        }
        try "name: a\nsources:\n  - path: data.csv\nname: b\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: MedPipeError.invalidArgument(path + ":4", "'name' is given twice in one mapping (first on line 1)")) {
            _ = try Recipe.load(path, knownStages: StageFactory.names)
        }
        // The same key in two mappings, or as a value, is no repetition.
        try "name: name\nsources:\n  - path: data.csv\n    label: { column: name }\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try Recipe.load(path, knownStages: StageFactory.names).name == "name")
        // A model file goes through the same check.
        try "- { type: Linear, in_features: 2, out_features: 2 }\n- type: ReLU\n  type: Flatten\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: MedPipeError.invalidArgument(path + ":3", "'type' is given twice in one mapping (first on line 2)")) {
            _ = try ModelFile.layers(path) { mapping, _ in mapping }
        }
    }

    /// A YAML syntax error was told by Yams's first line, "not valid YAML: 3:1: error: composer: expected a single document in
    /// the stream in line 1, column 1", without its problem (on the next line), and a model file's by all of Yams's text,
    /// a snippet of the file and a caret on lines of their own.
    @Test func yamlSyntaxErrorsAreOneLineNamingTheLineAndTheProblem() throws {
        let path = try recipeFile("sources:\n  - path: data.csv\n---\nsources:\n  - path: data.csv\n")
        #expect(throws: MedPipeError.invalidArgument(path + ":3", "not valid YAML: but found another document (expected a single document in the stream on line 1)")) {
            _ = try Recipe.load(path, knownStages: stages)
        }
        try "sources:\n  - path: data.csv\nstages: [ {a: 1}\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: MedPipeError.invalidArgument(path + ":4", "not valid YAML: did not find expected ',' or ']' (while parsing a flow sequence on line 3)")) {
            _ = try Recipe.load(path, knownStages: stages)
        }
        // A character YAML does not allow: "not valid YAML: 3:1: error: reader: control characters are not allowed:", naming no line.
        try "sources:\n  - path: data.csv\n\u{1}\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: MedPipeError.invalidArgument(path + ":3", "not valid YAML: control characters are not allowed (U+0001)")) {
            _ = try Recipe.load(path, knownStages: stages)
        }
        try "- { type: Linear, in_features: 1, out_features: 2\n- [\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: MedPipeError.invalidArgument(path + ":2", "not valid YAML: did not find expected ',' or '}' (while parsing a flow mapping on line 1)")) {
            _ = try ModelFile.layers(path) { mapping, _ in mapping }
        }
    }

    /// A recipe saved with a UTF-8 byte-order mark (as Windows editors write) was refused: "did not find expected <document start>".
    @Test func aByteOrderMarkIsSkipped() throws {
        let path = try recipeFile("\u{FEFF}name: heart\r\nsources:\r\n  - path: data.csv\r\n")
        let recipe = try Recipe.load(path, knownStages: stages)
        #expect(recipe.name == "heart" && recipe.sources.count == 1)
        #expect(throws: Never.self) { try TrainSpec.of(recipeText: recipe.text, file: path) }
    }

    /// A recipe of 200 MB (one long name, or comments) took 90 s and 1.7 GB to read, and was converted.
    @Test func aYAMLFileLargerThanAnyWrittenByHandIsRefusedUnread() throws {
        let text = "sources:\n  - path: data.csv\n# " + String(repeating: "x", count: (16 << 20) - 30) + "\n"
        let path = try recipeFile(text)
        #expect(text.utf8.count == (16 << 20) + 1)
        #expect(throws: MedPipeError.unsupported(path, "holds 16777217 bytes, more than a recipe may (16777216 bytes)")) {
            _ = try Recipe.load(path, knownStages: stages)
        }
        #expect(throws: MedPipeError.unsupported(path, "holds 16777217 bytes, more than a model file may (16777216 bytes)")) {
            _ = try ModelFile.layers(path) { mapping, _ in mapping }
        }
        #expect(throws: MedPipeError.unsupported(path, "holds 16777217 bytes, more than an augmentation file may (16777216 bytes)")) {
            _ = try AugmentSpec.load(path)
        }
        try String(text.dropLast(2) + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try Recipe.load(path, knownStages: stages).sources.count == 1)
    }

    @Test("whole-number lists refuse NaN, infinite and fractional values instead of trapping")
    func wholeNumbers() throws {
        for shape in ["[nan, 2]", "[1e300, 2]", "[2.5, 2]", "[inf, 2]"] {
            let path = try recipeFile("sources:\n  - path: data.csv\nstages:\n  - crop-or-pad: { shape: \(shape) }\n")
            #expect {
                _ = try Converter(recipe: try Recipe.load(path, knownStages: StageFactory.names), pseudonyms: testPseudonyms)
            } throws: { error in
                (error as? MedPipeError)?.message.hasPrefix("'shape' must list whole numbers") == true
            }
        }
        let path = try recipeFile("sources:\n  - path: data.csv\nstages:\n  - crop-or-pad: { shape: [28.0, 28] }\n")
        let converter = try Converter(recipe: try Recipe.load(path, knownStages: StageFactory.names), pseudonyms: testPseudonyms)
        #expect(converter.pipeline.stages.count == 1)
    }

    /// Every number a stage takes from a recipe is refused at load, naming the line, the stage and the parameter, when
    /// it is not finite, out of the stage's range, or overflows: a CT window of centre or width 1e308 was accepted (every
    /// value the same grey), and so were cutoffs, targets and spacings of 1e308 or 1e-300 and filter orders past 32,
    /// which every sample then failed on, one by one.
    @Test func stageNumbersOutOfRangeAreRefused() throws {
        let cases = [
            ("ct-window: { center: 1e308, width: 80 }", "ct-window 'center' must be from -1e+06 to 1e+06, got 1e+308"),
            ("ct-window: { center: -1e308, width: 80 }", "ct-window 'center' must be from -1e+06 to 1e+06, got -1e+308"),
            ("ct-window: { center: 40, width: 1e308 }", "ct-window 'width' must be greater than 0 and at most 2e+06, got 1e+308"),
            ("ct-window: { center: 1e6, width: 2e6 }", nil),
            ("ct-window: { center: 40, width: 0 }", "ct-window 'width' must be greater than 0 and at most 2e+06, got 0"),
            ("ct-window: { center: 40, width: -80 }", "ct-window 'width' must be greater than 0"),
            ("ct-window: { center: nan, width: 80 }", "'center' must be a number, got 'nan'"),
            ("ct-window: { center: 40, width: .inf }", "'width' must be a number, got '.inf'"),
            ("ct-window: { center: 40, width: 1e309 }", "'width' must be a number, got '1e309'"),
            ("percentile-clip: { lower: -1 }", "percentile-clip 'lower' must be from 0 to 100, got -1"),
            ("percentile-clip: { upper: 1e308 }", "percentile-clip 'upper' must be from 0 to 100, got 1e+308"),
            ("resample-spacing: { spacing: [1, 1, 1e308] }", "resample-spacing 'spacing' must list numbers from 0.0001 to 10000, got 1e+308"),
            ("resample-spacing: { spacing: [1e-300, 1] }", "resample-spacing 'spacing' must list numbers from 0.0001 to 10000, got 1e-300"),
            ("resample-spacing: { spacing: [0, 1] }", "resample-spacing 'spacing' must list numbers from 0.0001 to 10000, got 0"),
            ("bandpass: { low: 0, high: 40 }", "bandpass 'low' must be from 0.001 to 1e+06, got 0"),
            ("bandpass: { low: 0.5, high: 1e308 }", "bandpass 'high' must be from 0.001 to 1e+06, got 1e+308"),
            ("bandpass: { low: 0.5, high: 40, order: 1000 }", "bandpass: needs 0 < low < high and an order from 1 to 32"),
            ("highpass: { cutoff: -0.5 }", "highpass 'cutoff' must be from 0.001 to 1e+06, got -0.5"),
            ("highpass: { cutoff: 0.5, order: 33 }", "highpass: needs cutoff > 0 and an order from 1 to 32"),
            ("lowpass: { cutoff: 1e-300 }", "lowpass 'cutoff' must be from 0.001 to 1e+06, got 1e-300"),
            ("resample-signal: { frequency: 1e308 }", "resample-signal 'frequency' must be from 0.001 to 1e+06, got 1e+308"),
            ("resample-signal: { frequency: -360 }", "resample-signal 'frequency' must be from 0.001 to 1e+06, got -360"),
            // In a float32 sample, 1e308 put infinities in place of the values it replaces.
            ("replace-nonfinite: { value: 1e308 }", "replace-nonfinite: value must be a finite number within float32's range"),
            ("replace-nonfinite: { value: -3e38 }", nil),
        ]
        for (stage, message) in cases {
            let path = try recipeFile("sources:\n  - path: data.csv\nstages:\n  - \(stage)\n")
            let make = { _ = try Converter(recipe: try Recipe.load(path, knownStages: StageFactory.names), pseudonyms: testPseudonyms) }
            guard let message else {
                #expect(throws: Never.self, "\(stage)") { try make() }
                continue
            }
            #expect("\(stage)") { try make() } throws: { error in
                guard let error = error as? MedPipeError else { return false }
                return error.subject == path + ":4" && error.message.hasPrefix(message)
            }
        }
    }

    /// Numbers a run cannot use, and split settings of another grouping, are refused naming the line: a negative split
    /// seed became 2^64 − 1 and the settings were ignored, without a word, and a learning rate or weight decay past
    /// Float's range became infinite and diverged the first epoch; so did a class-weight power of 1e300 (NaN at epoch 0).
    @Test func unusableSeedsAndRatesAreRefused() throws {
        let cases = [("split: { seed: -1 }", "'seed' must be ≥ 0, got -1"),
                     // Settings of another grouping were ignored without a word.
                     ("split: { by: patient, blocks: 10 }", "'blocks' applies to a split by time-block, not by patient"),
                     ("split: { by: given, ratios: { train: 0.5, val: 0.5 } }", "'ratios' do not apply to a split given by the data set"),
                     ("train: { lr: 1e300 }", "'lr' must be positive and at most"),
                     ("train: { weight-decay: 1e39 }", "'weight-decay' must be ≥ 0 and at most"),
                     ("train: { class-weight-power: 1e300 }", "'class-weight-power' must be from 0 to 4, got 1e+300"),
                     ("train: { class-weight-power: 4.5 }", "'class-weight-power' must be from 0 to 4, got 4.5"),
                     // Accepted, then refused by `train` as "--ensemble: must be from 1 to 1024 networks", a flag not given.
                     ("train: { ensemble: 1025 }", "'ensemble' must be from 1 to 1024 networks, got 1025")]
        for (line, message) in cases {
            let path = try recipeFile("sources:\n  - path: data.csv\n" + line + "\n")
            #expect {
                _ = try Recipe.load(path, knownStages: stages)
            } throws: { error in
                guard let error = error as? MedPipeError else { return false }
                return error.subject == path + ":3" && error.message.hasPrefix(message)
            }
        }
    }

    @Test func ratiosMustSumToOne() throws {
        let path = try recipeFile("""
            sources:
              - path: data.csv
            split: { ratios: { train: 0.6, val: 0.6, test: 0.2 } }
            """)
        #expect(throws: MedPipeError.self) { _ = try Recipe.load(path, knownStages: stages) }
        // The recipe allowed a sum 1e-6 from 1, the split 1e-9: ratios between the two failed at the run's end, after
        // every source was read ("split: ratios must be non-negative and sum to 1", naming no file).
        for (ratios, accepted) in [("train: 0.9999995, val: 0, test: 0", true), ("train: 0.99999, val: 0, test: 0", false)] {
            let path = try recipeFile("sources:\n  - path: data.csv\nsplit: { ratios: { \(ratios) } }\n")
            if accepted {
                let split = try Recipe.load(path, knownStages: stages).split
                #expect(throws: Never.self) {
                    try GroupedStratifiedSplit(train: split.ratios["train"] ?? 0, validation: split.ratios["val"] ?? 0,
                                               test: split.ratios["test"] ?? 0, seed: split.seed)
                }
            } else {
                #expect(throws: MedPipeError.invalidArgument(path + ":3", "split ratios must be non-negative and sum to 1 (train 0.99999, val 0.0, test 0.0 sum to 0.99999)")) {
                    _ = try Recipe.load(path, knownStages: stages)
                }
            }
        }
    }
}
