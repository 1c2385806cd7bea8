import Foundation
import MedPipeCore
import MedPipeFormats
import MedPipePipeline
import Testing
import TestSupport

/// `predict` on a raw CSV table: a model carries its recipe's table options and feature columns (``TableInput``), and
/// reads a table's rows as `convert` read its training rows. It refused tables: the rows reached the stages as one
/// table (`standardize: needs a table row`).
@Suite(.enabled(if: SharedData.isAvailable && SharedData.medpipeBinary != nil, "needs ../shared/data and the built medpipe"), .serialized)
struct PredictTableTests {
    /// Runs medpipe, requiring success.
    private func run(_ arguments: [String], in work: String) throws -> (output: String, error: String) {
        let run = try SharedData.runMedpipe(arguments, environment: ["MEDPIPE_KEY": work + "/project.key"])
        try #require(run.status == 0, "\(arguments[0]): \(run.error)")
        return (run.output, run.error)
    }

    /// The rows of `predict --out`'s CSV by their `row N` index: the class probabilities.
    private func predictions(_ csv: String, classes: Int) throws -> [Int: [Double]] {
        let lines = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n").dropFirst()
        var rows: [Int: [Double]] = [:]
        for line in lines {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            try #require(fields.count == 6 + classes && fields[1] == "row", "\(line)")
            rows[try #require(Int(fields[2]))] = fields.suffix(classes).compactMap(Double.init)
        }
        return rows
    }

    /// The UCI heart table (no header, 6 rows with a missing value, which the recipe drops): a random forest and a
    /// network predict every kept row of the raw file, named `row N` as convert names the cache's rows, with the
    /// probabilities that `predict --npy` gives for the cache's prepared arrays of those rows.
    @Test func aTableModelPredictsTheRowsOfARawTableAsItsCacheHoldsThem() throws {
        let work = temporaryDirectory("predict-table")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let cache = work + "/cache", table = SharedData.path("tabular/processed.cleveland.data")
        _ = try run(["convert", SharedData.fixture("recipes/heart.yaml"), "--cache", cache], in: work)
        let data = try CacheDataset(directory: cache)
        #expect(data.table?.features == ["age", "sex", "cp", "trestbps", "chol", "fbs", "restecg", "thalach", "exang", "oldpeak", "slope", "ca", "thal"])
        let unlabelled = try String(contentsOfFile: table, encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",").dropLast().joined(separator: ",") }
        try (unlabelled.joined(separator: "\n") + "\n").write(toFile: work + "/unlabelled.csv", atomically: true, encoding: .utf8)
        let entries = try data.cache.entries()
        try #require(entries.count == 297)
        // The reference: the cache's prepared arrays of every row, by their row number.
        let rowsOfEntries = try entries.map { entry -> Int in
            guard case .int(let row)? = entry.metadata["index"], entry.metadata["part"] == .string("row") else { throw MedPipeError.malformed(cache, "entry \(entry.id) is no row") }
            return row
        }
        try NPYWriter.write(Tensor(shape: [entries.count, 13], values: try entries.flatMap { try data.input($0) }), to: work + "/x.npy")
        for (model, arguments) in [("forest.json", ["--model", "random-forest", "--trees", "20", "--threads", "2"]),
                                   ("mlp.safetensors", ["--model", "heart-mlp", "--epochs", "2"])] {
            let path = work + "/" + model
            _ = try run(["train", "--cache", cache] + arguments + ["--out", path], in: work)
            let predicted = try run(["predict", "--model", path, table, "--out", work + "/p.csv"], in: work)
            #expect(predicted.output.hasPrefix("\(table) [row 0]: "), "\(predicted.output.prefix(300))")
            #expect(predicted.error.contains("\(table): 6 rows hold a missing value (the first: row 87): not predicted"), "\(predicted.error)")
            let rows = try predictions(work + "/p.csv", classes: 2)
            #expect(rows.keys.sorted() == rowsOfEntries.sorted())
            // New patients, without the label column that the recipe's `columns` name last.
            _ = try run(["predict", "--model", path, work + "/unlabelled.csv", "--out", work + "/unlabelled-p.csv"], in: work)
            #expect(try predictions(work + "/unlabelled-p.csv", classes: 2) == rows)

            _ = try run(["predict", "--model", path, "--npy", work + "/x.npy", "--out", work + "/y.npy"], in: work)
            let y = try NPYReader().readTensor(work + "/y.npy").doubleValues()
            try #require(y.count == entries.count * 2)
            var largest = 0.0
            for (i, row) in rowsOfEntries.enumerated() {
                var expected = Array(y[(2 * i)..<(2 * i + 2)])
                if model.hasSuffix(".safetensors") {   // logits
                    let top = expected.max()!, sum = expected.reduce(0) { $0 + exp($1 - top) }
                    expected = expected.map { exp($0 - top) / sum }
                }
                let got = try #require(rows[row])
                largest = max(largest, zip(got, expected).map { abs($0 - $1) }.max()!)
            }
            #expect(largest <= 1e-6, "\(model): probabilities differ from the cache's by \(largest)")
        }
    }

    /// A table with a header: its columns are found by name in any order, the label and other columns ignored; a
    /// missing column is one error line naming the file and the column; a model written before models kept their table
    /// input is refused, saying to convert and retrain.
    @Test func columnsAreFoundByNameAndAMissingOneOrAnOldModelIsRefused() throws {
        let work = temporaryDirectory("predict-table-columns")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let heart = SharedData.path("tabular/heart.csv")
        try """
        name: heart-header
        sources:
          - path: \(heart)
            format: csv
            label: { column: target }
        stages:
          - standardize: {}
        split: { by: patient, ratios: { train: 0.6, val: 0.2, test: 0.2 }, seed: 1 }
        """.write(toFile: work + "/recipe.yaml", atomically: true, encoding: .utf8)
        let model = work + "/forest.json"
        _ = try run(["convert", work + "/recipe.yaml", "--cache", work + "/cache"], in: work)
        _ = try run(["train", "--cache", work + "/cache", "--model", "random-forest", "--trees", "10", "--out", model], in: work)
        _ = try run(["predict", "--model", model, heart, "--out", work + "/all.csv"], in: work)
        let all = try predictions(work + "/all.csv", classes: 2)
        #expect(all.count == 303)

        // The columns reversed, the label left out, a text column added.
        let text = try String(contentsOfFile: heart, encoding: .utf8).replacingOccurrences(of: "\u{FEFF}", with: "")
        let lines = text.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        func write(_ path: String, dropping dropped: Set<String>) throws {
            let keep = lines[0].indices.filter { !dropped.contains(lines[0][$0]) }.reversed()
            let rows = lines.enumerated().map { n, fields in ([n == 0 ? "note" : "row \(n)"] + keep.map { fields[$0] }).joined(separator: ",") }
            try (rows.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        }
        try write(work + "/reordered.csv", dropping: ["target"])
        _ = try run(["predict", "--model", model, work + "/reordered.csv", "--out", work + "/reordered-p.csv"], in: work)
        let reordered = try predictions(work + "/reordered-p.csv", classes: 2)
        #expect(reordered == all)

        try write(work + "/no-chol.csv", dropping: ["target", "chol"])
        let missing = try SharedData.runMedpipe(["predict", "--model", model, work + "/no-chol.csv"])
        #expect(missing.status == 1)
        #expect(missing.error == "medpipe: error: \(work)/no-chol.csv: has no column 'chol', which the model takes (it takes age, sex, cp, trestbps, chol, fbs, restecg, thalach, exang, oldpeak, slope, ca, thal; the label column target is not needed)\n", "\(missing.error)")

        // A feature column holding text, and an input that is no table.
        try text.replacingOccurrences(of: "\n63,1,3,145,233,", with: "\n63,1,3,145,high,").write(toFile: work + "/text.csv", atomically: true, encoding: .utf8)
        let png = SharedData.fixture("demo/images/left/000.png")
        for (input, message) in [(work + "/text.csv", "column 'chol' holds text ('high'), where the model takes numbers"),
                                 (png, "is png data; the model takes the rows of a CSV table")] {
            let refused = try SharedData.runMedpipe(["predict", "--model", model, input])
            #expect(refused.status == 1 && refused.error == "medpipe: error: \(input): \(message)\n", "\(refused.error)")
        }

        // The same model without its table input, as models were written before it was kept.
        let json = try String(contentsOfFile: model, encoding: .utf8)
        let attribute = try #require(json.firstMatch(of: /,?"table":"(?:[^"\\]|\\.)*"/))
        try json.replacingCharacters(in: attribute.range, with: "").write(toFile: work + "/old.json", atomically: true, encoding: .utf8)
        let old = try SharedData.runMedpipe(["predict", "--model", work + "/old.json", heart])
        #expect(old.status == 1)
        #expect(old.error.hasPrefix("medpipe: error: \(heart): is a CSV table, and the model carries no table input") && old.error.contains("convert its recipe again and retrain it")
                && old.error.split(separator: "\n").count == 1, "\(old.error)")
    }

    /// `evaluate` of a table model on a cache of the same table read with its columns named in another order (the
    /// model's statistics taken with --fit-from): every row's values stood under other columns, and it was scored
    /// without a word.
    @Test func aTableModelIsNotJudgedOnRowsOfOtherColumns() throws {
        let work = temporaryDirectory("predict-table-order")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let cache = work + "/cache", model = work + "/forest.json"
        _ = try run(["convert", SharedData.fixture("recipes/heart.yaml"), "--cache", cache], in: work)
        _ = try run(["train", "--cache", cache, "--model", "random-forest", "--trees", "5", "--out", model], in: work)
        try SharedData.fixtureRecipe("heart.yaml").replacingOccurrences(of: "columns: [age, sex,", with: "columns: [sex, age,")
            .write(toFile: work + "/swapped.yaml", atomically: true, encoding: .utf8)
        _ = try run(["convert", work + "/swapped.yaml", "--cache", work + "/swapped", "--fit-from", cache], in: work)
        let evaluated = try SharedData.runMedpipe(["evaluate", "--model", model, "--cache", work + "/swapped"])
        #expect(evaluated.status == 1)
        #expect(evaluated.error == "medpipe: error: \(model): was trained on the table columns age, sex, cp, trestbps, chol, fbs, restecg, thalach, exang, oldpeak, slope, ca, thal; the cache \(work)/swapped holds the columns sex, age, cp, trestbps, chol, fbs, restecg, thalach, exang, oldpeak, slope, ca, thal: convert the data with the recipe of the model's training cache\n", "\(evaluated.error)")
    }
}
