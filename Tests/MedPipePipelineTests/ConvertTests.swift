import Foundation
import Testing
import MedPipeCache
import MedPipeCore
import MedPipeFormats
import MedPipeStages
import TestSupport
@testable import MedPipePipeline

/// Deterministic stand-in pseudonyms for tests (the CLI uses the HMAC project key).
let testPseudonyms = Pseudonyms(fingerprint: "test") { "P-" + ContentHash.of(Array(("test:" + $0).utf8)).prefix(12) }


@Suite(.enabled(if: SharedData.isAvailable, "needs ../shared/data"))
struct HeartConvertTests {
    let recipe = try! Recipe.load(SharedData.fixture("recipes/heart.yaml"), knownStages: StageFactory.names)

    @Test func heartTableBecomesStandardizedPatientLevelSplits() async throws {
        let cache = temporaryDirectory("heart")
        defer { try? FileManager.default.removeItem(atPath: cache) }
        let summary = try await Converter(recipe: recipe, pseudonyms: testPseudonyms).run(ConvertOptions(cache: cache))
        // 303 rows, 6 with a missing cell (ca 4, thal 2) dropped.
        #expect(summary.entries == 297)
        #expect(summary.rejected.isEmpty)
        let reader = try DatasetCache(directory: cache)
        let entries = try reader.entries()
        #expect(Set(entries.map(\.label)) == ["0", "1"])
        #expect(entries.filter { $0.label == "1" }.count == 137)
        let train = entries.filter { $0.split == "train" }, val = entries.filter { $0.split == "val" }, test = entries.filter { $0.split == "test" }
        let trainFraction: Double = Double(train.count) / 297, valFraction: Double = Double(val.count) / 297
        #expect(abs(trainFraction - 0.6) < 0.03)
        #expect(abs(valFraction - 0.2) < 0.03)
        #expect(train.count + val.count + test.count == 297)
        // Each row is its own patient; no group in two splits.
        let groups = Dictionary(grouping: entries, by: \.group).mapValues { Set($0.map(\.split)) }
        #expect(groups.count == 297)
        #expect(groups.values.allSatisfy { $0.count == 1 })
        // The raw table never entered the cache: each entry is one row of 13 features.
        #expect(entries.allSatisfy { $0.shape == [13] })
        // Statistics were fitted on the training split only: recompute the training mean of `age`.
        let fitted = try JSONDecoder().decode(FittedPipeline.self, from: Data(try #require(try reader.meta("fitted")).utf8))
        guard case .standardize(let statistics)? = fitted.statistics(forStage: 0) else {
            Issue.record("no standardize statistics stored")
            return
        }
        let trainAges = try train.map { try reader.tensor(for: $0).doubleValues()[0] }
        let mean = trainAges.reduce(0, +) / Double(trainAges.count)
        let allMean = try entries.map { try reader.tensor(for: $0).doubleValues()[0] }.reduce(0, +) / Double(entries.count)
        #expect(abs(try #require(statistics.mean["age"]) - mean) < 1e-9)
        #expect(abs(mean - allMean) > 1e-6, "train-only and all-data means should differ, or the check proves nothing")
        #expect(try reader.meta("class_weights") != nil)
        #expect(try reader.verify().isSound)
    }

    /// A label or group column that the table lacks was reported by the table stage, after the file's path, as
    /// "rows: P-…: no column 'x'": the stage's name and the source's pseudonym, and not which column of the recipe it
    /// was. The table's reader now says so, naming the file.
    @Test func aLabelOrGroupColumnTheTableLacksIsNamedWithItsRole() throws {
        let path = recipe.sources[0].paths[0]
        var noLabel = recipe
        noLabel.sources[0].label = .column("stage", greaterThan: 1)
        var noGroup = recipe
        noGroup.tableOptions.groupColumn = "patient"
        for (changed, column, role) in [(noLabel, "stage", "label"), (noGroup, "patient", "group")] {
            let error = try #require(throws: MedPipeError.self) {
                try SourceLoader(recipe: changed, pseudonyms: testPseudonyms).load(path, spec: changed.sources[0])
            }
            #expect(error.description == "\(path): has no column '\(column)', which the recipe names as its \(role) column (its columns: age, sex, cp, trestbps, chol, fbs, restecg, thalach, exang, oldpeak, slope, ca, thal, num)")
        }
        // Columns that exist still label and group the rows.
        var grouped = recipe
        grouped.tableOptions.groupColumn = "sex"
        let rows = try SourceLoader(recipe: grouped, pseudonyms: testPseudonyms).load(path, spec: grouped.sources[0]).samples
        #expect(rows.count == 297)
        #expect(Set(rows.compactMap(\.group)).count == 2)
        #expect(Set(rows.compactMap(\.label)) == ["0", "1"])
    }

    @Test func rerunDoesNoWorkAndAChangedStageRecomputes() async throws {
        let cache = temporaryDirectory("heart-rerun")
        defer { try? FileManager.default.removeItem(atPath: cache) }
        let first = try await Converter(recipe: recipe, pseudonyms: testPseudonyms).run(ConvertOptions(cache: cache))
        #expect(first.computed == 1)
        let firstEntries = try DatasetCache(directory: cache).entries()
        let again = try await Converter(recipe: recipe, pseudonyms: testPseudonyms).run(ConvertOptions(cache: cache))
        #expect(again.reused == 1 && again.computed == 0)
        // The second run left every entry as it was: same rows, same order, same bytes, same splits.
        let againEntries = try DatasetCache(directory: cache).entries()
        #expect(againEntries.count == 297)
        #expect(againEntries.map(\.sha256) == firstEntries.map(\.sha256))
        #expect(againEntries.map(\.split) == firstEntries.map(\.split))

        var changed = recipe
        changed.stages.insert(StageSpec(name: "zscore", parameters: .map([], line: 1), line: 1), at: 0)
        let recomputed = try await Converter(recipe: changed, pseudonyms: testPseudonyms).run(ConvertOptions(cache: cache))
        #expect(recomputed.computed == 1 && recomputed.reused == 0)
        #expect(recomputed.removed == 1)
    }

    @Test func anotherPseudonymKeyGivesUnlinkableGroups() async throws {
        let a = temporaryDirectory("heart-a"), b = temporaryDirectory("heart-b")
        defer { try? FileManager.default.removeItem(atPath: a); try? FileManager.default.removeItem(atPath: b) }
        _ = try await Converter(recipe: recipe, pseudonyms: testPseudonyms).run(ConvertOptions(cache: a))
        let other = Pseudonyms(fingerprint: "other") { "P-" + ContentHash.of(Array(("other:" + $0).utf8)).prefix(12) }
        _ = try await Converter(recipe: recipe, pseudonyms: other).run(ConvertOptions(cache: b))
        let groupsA = Set(try DatasetCache(directory: a).entries().map(\.group))
        let groupsB = Set(try DatasetCache(directory: b).entries().map(\.group))
        #expect(groupsA.isDisjoint(with: groupsB))
    }

    /// A recipe's `table: { delimiter: "|" }` names a separator detection would not choose; a separator that is not
    /// one character is refused with the recipe's name.
    @Test func aRecipeNamesTheTableSeparator() async throws {
        let work = temporaryDirectory("csv-pipes")
        defer { try? FileManager.default.removeItem(atPath: work) }
        try "age|chol|num\n63|233|0\n67|286|1\n41|204|0\n".write(toFile: work + "/visits.csv", atomically: true, encoding: .utf8)
        func recipe(_ delimiter: String) throws -> Recipe {
            try """
            name: pipes
            sources:
              - path: visits.csv
                format: csv
                label: { column: num, greater-than: 0 }
            table: { delimiter: "\(delimiter)" }
            stages: []
            split: { by: patient, ratios: { train: 1.0, val: 0.0, test: 0.0 }, seed: 1 }
            """.write(toFile: work + "/recipe.yaml", atomically: true, encoding: .utf8)
            return try Recipe.load(work + "/recipe.yaml", knownStages: StageFactory.names)
        }
        let summary = try await Converter(recipe: try recipe("|"), pseudonyms: testPseudonyms).run(ConvertOptions(cache: work + "/cache"))
        #expect(summary.entries == 3 && summary.rejected.isEmpty)
        #expect(try DatasetCache(directory: work + "/cache").entries().map(\.shape) == [[2], [2], [2]], "age and chol")
        let error = await #expect(throws: MedPipeError.self) {
            try await Converter(recipe: try recipe("||"), pseudonyms: testPseudonyms).run(ConvertOptions(cache: work + "/bad"))
        }
        #expect(error?.message.contains("delimiter must be one ASCII character") == true, "\(String(describing: error))")
    }
}

@Suite(.enabled(if: SharedData.isAvailable, "needs ../shared/data"))
struct MRSeriesConvertTests {
    @Test func seriesBecomesOneResampledZScoredVolumeWithoutIdentifiers() async throws {
        let recipe = try Recipe.load(SharedData.fixture("recipes/mr-series.yaml"), knownStages: StageFactory.names)
        let cache = temporaryDirectory("mr")
        defer { try? FileManager.default.removeItem(atPath: cache) }
        let summary = try await Converter(recipe: recipe, pseudonyms: testPseudonyms).run(ConvertOptions(cache: cache))
        #expect(summary.entries == 1)
        let reader = try DatasetCache(directory: cache)
        let entry = try #require(try reader.entries().first)
        #expect(entry.split == "train")
        // 196 × 1.2 mm slices, 256 × 1.0547 mm pixels → about 118 × 135 × 135 voxels of 2 mm.
        #expect(entry.shape.count == 3)
        guard case .spatial(let spacing, let affine)? = entry.geometry else {
            Issue.record("no spatial geometry")
            return
        }
        #expect(spacing.prefix(3).allSatisfy { abs($0 - 2) < 0.01 }, "spacing \(spacing) shape \(entry.shape) affine \(affine.matrix)")
        #expect(affine.axisCodes == ["R", "A", "S"])
        let values = try reader.tensor(for: entry).doubleValues()
        let nonZero = values.filter { $0 != 0 }
        let mean = nonZero.reduce(0, +) / Double(nonZero.count)
        let variance = nonZero.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(nonZero.count)
        #expect(abs(mean) < 1e-3)
        #expect(abs(variance - 1) < 1e-2)
        // Nothing identifying entered the cache: the series' patient name and ID (both FRUIT), study date,
        // institution name and UIDs (read once with pydicom) appear in no byte of the manifest.
        let manifest = try String(decoding: Data(contentsOf: URL(fileURLWithPath: cache + "/manifest.sqlite")), as: UTF8.self)
        for identifier in ["FRUIT", "20240425", "1177879318455840", "1.2.840.113713.20.280023911736152577783328064041893667800",
                           "1.2.840.113713.20.159720262676693100123054613456403525435", "1.2.840.113713"] {
            #expect(!manifest.contains(identifier), "\(identifier) leaked into the manifest")
        }
        #expect(entry.metadata.keys.allSatisfy { ["Modality", "PhotometricInterpretation", "part", "index"].contains($0) })
    }
}

@Suite(.enabled(if: SharedData.isAvailable, "needs ../shared/data"))
struct SMOTEBalanceTests {
    /// `balance: smote` keeps only real rows in the cache and adds interpolated minority rows when training.
    @Test func smoteBalancesTheTrainingRowsInMemory() async throws {
        let cache = temporaryDirectory("heart-smote")
        defer { try? FileManager.default.removeItem(atPath: cache) }
        var recipe = try Recipe.load(SharedData.fixture("recipes/heart.yaml"), knownStages: StageFactory.names)
        recipe.balance = .smote
        _ = try await Converter(recipe: recipe, pseudonyms: testPseudonyms).run(ConvertOptions(cache: cache))
        let dataset = try CacheDataset(directory: cache)
        let train = try dataset.cache.entries(split: "train")
        let counts = Dictionary(grouping: train, by: { $0.label ?? "" }).mapValues(\.count)
        #expect(try dataset.cache.entries().count == 297, "the cache holds real rows only")
        let source = try dataset.batchSource()
        #expect(source.sampleCount(.train) == 2 * counts.values.max()!)
        #expect(source.sampleCount(.test) == (try dataset.cache.entries(split: "test").count))
    }
}

/// A change to one format's reader converts only that format's sources again: the DICOM reader's version (2, for the
/// enhanced images' functional groups) is in the unit keys of DICOM files and series alone, and a WFDB record's, a
/// PNG's or a table's keys keep the reader version they had before it (5), so their caches are reused as they are.
@Suite struct ReaderVersionTests {
    @Test func aFormatsReaderVersionIsInItsOwnSourcesKeysOnly() {
        #expect(Converter.readerVersions(of: .dicom) == ["medpipe-formats 5", "dicom 2"])
        #expect(Converter.readerVersions(of: .dicomSeries) == ["medpipe-formats 5", "dicom 2"])
        for kind in FormatKind.allCases where kind != .dicom && kind != .dicomSeries {
            #expect(Converter.readerVersions(of: kind) == ["medpipe-formats 5"], "\(kind)")
        }
        #expect(Converter.readerVersions(of: nil) == ["medpipe-formats 5"])
    }
}
