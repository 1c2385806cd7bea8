import Foundation
import MedPipeCore
@testable import MedPipeStages
import TestSupport
import Testing

@Suite("Table stages and rebalancing against scikit-learn / imbalanced-learn")
struct TableStageTests {
    let reference: [String: Any]

    init() throws { reference = try Reference.load("stages_table.json") }

    /// processed.cleveland.data as one table sample (NaN for `?`), read here with a minimal parser.
    static func cleveland(columns: [String]) throws -> Sample {
        let text = try String(contentsOfFile: SharedData.path("tabular/processed.cleveland.data"), encoding: .utf8)
        let rows = text.split(whereSeparator: \.isNewline).map { line in
            line.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) ?? .nan }
        }
        return Sample(tensor: Tensor(shape: [rows.count, rows[0].count], values: rows.flatMap { $0 }),
                      source: SourceReference(record: "cleveland"), metadata: ["columns": .strings(columns + ["num"])])
    }

    @Test("impute (median, mode), standardize and one-hot fitted on train equal scikit-learn",
          .enabled(if: SharedData.isAvailable))
    func tablePipeline() throws {
        let columns = reference["columns"] as! [String]
        let numeric = reference["numeric"] as! [String], categorical = reference["categorical"] as! [String]
        let rows = try TableRows(labelColumn: "num", labelGreaterThan: 0).run(try Self.cleveland(columns: columns)).samples
        #expect(rows.count == 303 && rows[0].tensor.shape == [13])
        let train = Reference.ints(reference["train"]).map { rows[$0] }
        let testRows = Reference.ints(reference["test_rows"]).map { rows[$0] }

        let pipeline = StagePipeline([
            .impute(Impute(strategy: .median, columns: numeric + ["sex", "fbs", "exang"])),
            .impute(Impute(strategy: .mode, columns: categorical)),
            .standardize(Standardize(columns: numeric)),
            .oneHot(try OneHot(columns: categorical)),
        ])
        let fitted = try pipeline.fit(train)
        guard case .impute(let median)? = fitted.statistics(forStage: 0), case .impute(let mode)? = fitted.statistics(forStage: 1),
              case .standardize(let scaler)? = fitted.statistics(forStage: 2), case .oneHot(let onehot)? = fitted.statistics(forStage: 3)
        else { Issue.record("statistics missing"); return }
        let wantMedian = (reference["median"] as! [String: Any]).mapValues { ($0 as! NSNumber).doubleValue }
        let wantMode = (reference["mode"] as! [String: Any]).mapValues { ($0 as! NSNumber).doubleValue }
        for c in numeric { #expect(median.values[c] == wantMedian[c], "median \(c)") }
        for c in categorical { #expect(mode.values[c] == wantMode[c], "mode \(c)") }
        #expect(relativeError(numeric.map { scaler.mean[$0]! }, Reference.doubles(reference["scaler_mean"])) < 1e-12)
        #expect(relativeError(numeric.map { scaler.scale[$0]! }, Reference.doubles(reference["scaler_scale"])) < 1e-12)
        let categories = reference["categories"] as! [String: Any]
        for c in categorical { #expect(onehot.categories[c] == Reference.doubles(categories[c]), "categories \(c)") }

        // Applying the fitted pipeline to test rows equals sklearn's transform.
        let out = try pipeline.run(testRows, fitted: fitted).samples
        let names = try #require({ if case .strings(let n)? = out[0].metadata["columns"] { n } else { nil } }())
        let standardized = out.flatMap { row in numeric.map { Double(row.tensor.floatValues()[names.firstIndex(of: $0)!]) } }
        #expect(relativeError(standardized, Reference.doubles(reference["standardized_test"])) < 1e-6)
        let onehotNames = categorical.flatMap { c in onehot.categories[c]!.map { "\(c)=\(CanonicalParameters.format($0))" } }
        let encoded = out.flatMap { row in onehotNames.map { Double(row.tensor.floatValues()[names.firstIndex(of: $0)!]) } }
        #expect(encoded == Reference.doubles(reference["onehot_test"]))
        #expect(out.allSatisfy { $0.tensor.floatValues().allSatisfy { !$0.isNaN } })

        // Fitted statistics survive the cache's JSON round trip.
        let decoded = try JSONDecoder().decode(FittedPipeline.self, from: JSONEncoder().encode(fitted))
        #expect(decoded == fitted)
    }

    @Test("an unknown category encodes as all zeros")
    func unknownCategory() throws {
        let make = { (v: Double) in Sample(tensor: Tensor(shape: [2], values: [v, 1.0]), source: SourceReference(record: "t"),
                                           metadata: ["columns": .strings(["cp", "x"])]) }
        let stage = try OneHot(columns: ["cp"])
        let fitted = try stage.fit([make(1), make(3)])
        #expect(try stage.apply(make(2), fitted: fitted).tensor.floatValues() == [0, 0, 1])
        #expect(try stage.apply(make(3), fitted: fitted).tensor.floatValues() == [0, 1, 1])
    }

    @Test("balanced class weights equal sklearn's compute_class_weight")
    func classWeights() throws {
        let counts = Reference.ints(reference["train_label_counts"])
        let labels = [String](repeating: "0", count: counts[0]) + [String](repeating: "1", count: counts[1])
        let weights = ClassWeights.balanced(labels: labels)
        #expect(relativeError([weights["0"]!, weights["1"]!], Reference.doubles(reference["class_weights"])) < 1e-15)
    }

    @Test("SMOTE: imbalanced-learn's counts, sklearn's neighbours, every synthetic row on a neighbour segment")
    func smote() throws {
        let entry = reference["smote"] as! [String: Any]
        let flat = Reference.doubles(entry["X"])
        let labels = Reference.ints(entry["y"]).map(String.init)
        let width = flat.count / labels.count
        let rows = (0..<labels.count).map { Array(flat[($0 * width)..<(($0 + 1) * width)]) }
        let k = (entry["k"] as! NSNumber).intValue
        let smote = try SMOTE(neighbors: k, seed: 3)
        let neighbors = entry["neighbors"] as! [String: Any]
        for (label, lists) in neighbors {
            let members = labels.indices.filter { labels[$0] == label }
            let ours = smote.nearestNeighbors(rows, members: members)
            let theirs = (lists as! [Any]).map { Reference.ints($0) }
            #expect(ours.map(Set.init) == theirs.map(Set.init), "neighbours of class \(label)")
        }
        let result = try smote.resample(rows: rows, labels: labels)
        let counts = ClassCounts(labels: labels + result.labels).counts
        let want = (entry["resampled_counts"] as! [String: Any]).mapValues { ($0 as! NSNumber).intValue }
        #expect(counts == want)
        #expect(result.plan.indices == Array(0..<(rows.count + result.rows.count)))
        for (row, origin) in zip(result.rows, result.origins) {
            let members = labels.indices.filter { labels[$0] == labels[origin.base] }
            let position = members.firstIndex(of: origin.base)!
            #expect(smote.nearestNeighbors(rows, members: members)[position].contains(origin.neighbor))
            #expect(labels[origin.neighbor] == labels[origin.base] && (0..<1).contains(origin.gap))
            let expected = (0..<width).map { rows[origin.base][$0] + origin.gap * (rows[origin.neighbor][$0] - rows[origin.base][$0]) }
            #expect(expected == row)
        }
        #expect(try smote.resample(rows: rows, labels: labels) == result)  // seeded
        #expect(throws: MedPipeError.self) { try SMOTE(neighbors: 5, seed: 0).resample(rows: Array(rows.prefix(8)), labels: ["a", "a", "a", "b", "b", "b", "b", "b"]) }
    }

    @Test("random over- and undersampling give imbalanced-learn's counts as index plans")
    func randomSampling() throws {
        let entry = reference["smote"] as! [String: Any]
        let labels = Reference.ints(entry["y"]).map(String.init)
        let over = RandomOversampling(seed: 1).plan(labels: labels)
        let under = RandomUndersampling(seed: 1).plan(labels: labels)
        func counts(_ plan: SamplingPlan) -> [String: Int] { ClassCounts(labels: plan.indices.map { labels[$0] }).counts }
        let wantOver = (reference["oversample_counts"] as! [String: Any]).mapValues { ($0 as! NSNumber).intValue }
        let wantUnder = (reference["undersample_counts"] as! [String: Any]).mapValues { ($0 as! NSNumber).intValue }
        #expect(counts(over) == wantOver && counts(under) == wantUnder)
        #expect(Array(over.indices.prefix(labels.count)) == Array(labels.indices))
        #expect(Set(under.indices).count == under.indices.count)
        #expect(RandomOversampling(seed: 1).plan(labels: labels) == over && RandomOversampling(seed: 2).plan(labels: labels) != over)
    }
}
