import Foundation
import MedPipePipeline
import Testing
import TestSupport

/// Tables of one recipe must have the same columns in the same order: each row becomes its numeric columns' values in
/// its file's order, so a second table whose header names them in another order gave rows whose values stood for
/// other features (age read as cholesterol), without a word.
@Suite(.enabled(if: SharedData.isAvailable && SharedData.medpipeBinary != nil, "needs ../shared/data and the built medpipe"))
struct TableColumnsTests {
    private static let columns = ["age", "sex", "cp", "trestbps", "chol", "fbs", "restecg", "thalach", "exang", "oldpeak", "slope", "ca", "thal", "num"]

    /// Writes the UCI heart rows split in two tables with headers, the second's columns as `second` names them (values
    /// moved with their column), and a recipe of both; returns the recipe's path.
    private func recipe(in work: String, second: [String]) throws -> String {
        let rows = try String(contentsOfFile: SharedData.path("tabular/processed.cleveland.data"), encoding: .utf8)
            .split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        func table(_ rows: ArraySlice<[String]>, _ header: [String]) -> String {
            ([header.joined(separator: ",")] + rows.map { row in
                header.map { name in Self.columns.firstIndex(of: name).map { row[$0] } ?? "1" }.joined(separator: ",")
            }).joined(separator: "\n") + "\n"
        }
        try table(rows[..<150], Self.columns).write(toFile: work + "/a.csv", atomically: true, encoding: .utf8)
        try table(rows[150...], second).write(toFile: work + "/b.csv", atomically: true, encoding: .utf8)
        let recipe = """
            name: two-tables
            cache: \(work)/cache
            sources:
              - { path: \(work)/a.csv, label: { column: num, greater-than: 0 } }
              - { path: \(work)/b.csv, label: { column: num, greater-than: 0 } }
            table: { missing: ["?"], drop-incomplete-rows: true }
            stages: [ { standardize: {} } ]
            split: { by: patient, ratios: { train: 0.6, val: 0.2, test: 0.2 }, seed: 42 }
            """
        try recipe.write(toFile: work + "/recipe.yaml", atomically: true, encoding: .utf8)
        return work + "/recipe.yaml"
    }

    /// Converts `recipe`: the exit status and the error lines (progress aside).
    private func convert(_ recipe: String, in work: String) throws -> (status: Int32, error: String) {
        let run = try SharedData.runMedpipe(["convert", recipe], environment: ["MEDPIPE_KEY": work + "/project.key"])
        return (run.status, run.error.split(separator: "\n").filter { $0.hasPrefix("medpipe: error:") }.joined(separator: "\n"))
    }

    @Test func tablesOfTheSameColumnsMakeOneCache() throws {
        let work = temporaryDirectory("table-columns-same")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let run = try convert(try recipe(in: work, second: Self.columns), in: work)
        #expect(run.status == 0, "\(run.error)")
        #expect(try CacheDataset(directory: work + "/cache").table?.features == Array(Self.columns.dropLast()))
    }

    @Test func tablesOfColumnsInAnotherOrderAreRefused() throws {
        let work = temporaryDirectory("table-columns-order")
        defer { try? FileManager.default.removeItem(atPath: work) }
        var swapped = Self.columns
        swapped.swapAt(0, 4)
        let run = try convert(try recipe(in: work, second: swapped), in: work)
        #expect(run.status == 1)
        #expect(run.error.hasPrefix("medpipe: error: \(work)/recipe.yaml: its tables' columns differ: \(work)/a.csv has age, sex, cp, trestbps, chol,"), "\(run.error)")
        #expect(run.error.contains("\(work)/b.csv has chol, sex, cp, trestbps, age,") && run.error.contains("(the same columns in another order)"), "\(run.error)")
        #expect(run.error.split(separator: "\n").count == 1, "\(run.error)")
    }

    @Test func tablesOfOtherColumnsAreRefused() throws {
        let work = temporaryDirectory("table-columns-other")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let other = Self.columns.filter { $0 != "fbs" } + ["bmi"]
        let run = try convert(try recipe(in: work, second: other), in: work)
        #expect(run.status == 1)
        #expect(run.error.contains("(missing: fbs extra: bmi)"), "\(run.error)")
    }
}
