import Foundation
import MedPipeCore
@testable import MedPipeStages
import Testing

@Suite("Patient-level stratified splits")
struct SplitTests {
    /// A balance report (dictionaries keyed by split) encodes as objects under the split names, sorted: it encoded as
    /// arrays of keys and values in each process's dictionary order, so two runs of one convert wrote other bytes.
    @Test func aReportKeyedBySplitEncodesTheSameEveryTime() throws {
        let counts = ClassCounts(counts: ["a": 2, "b": 1])
        let report = BalanceReport(before: [.test: counts, .train: counts, .validation: counts], after: [.validation: counts, .train: counts])
        let text = String(decoding: try JSONCoding.encoder().encode(report), as: UTF8.self)
        let one = #"{"counts":{"a":2,"b":1}}"#
        #expect(text == #"{"after":{"train":\#(one),"val":\#(one)},"before":{"test":\#(one),"train":\#(one),"val":\#(one)}}"#, "\(text)")
        #expect(try JSONCoding.decoder().decode(BalanceReport.self, from: Data(text.utf8)) == report)
    }

    @Test("50 patients: no leak, ratios within 5 points, stratification as close as sklearn's StratifiedGroupKFold")
    func synthetic() throws {
        let reference = try Reference.load("stages_split.json")
        let groups = reference["groups"] as! [String], labels = reference["labels"] as! [String]
        let overall = (reference["overall"] as! [String: Any]).mapValues { ($0 as! NSNumber).doubleValue }
        let sklearnDeviation = Reference.double(reference["sklearn_sgkf5_max_deviation"])
        let splitter = try GroupedStratifiedSplit(train: 0.6, validation: 0.2, test: 0.2, seed: 11)
        let assignment = try splitter.assign(labels: labels, groups: groups)
        #expect(LeakCheck.leaks(groups: groups, splits: assignment.splits).isEmpty)
        #expect(assignment.issues.isEmpty, "\(assignment.issues)")
        let fractions = assignment.fractions
        #expect(abs(fractions[.train]! - 0.6) < 0.05 && abs(fractions[.validation]! - 0.2) < 0.05 && abs(fractions[.test]! - 0.2) < 0.05)
        var deviation = 0.0
        for split in SplitName.allCases {
            let members = assignment.indices(of: split)
            for (label, p) in overall {
                deviation = max(deviation, abs(Double(members.filter { labels[$0] == label }.count) / Double(members.count) - p))
            }
        }
        #expect(deviation <= max(sklearnDeviation, 0.05), "label deviation \(deviation), sklearn \(sklearnDeviation)")
        // Deterministic for a seed, different for another.
        #expect(try splitter.assign(labels: labels, groups: groups) == assignment)
        let other = try GroupedStratifiedSplit(train: 0.6, validation: 0.2, test: 0.2, seed: 12).assign(labels: labels, groups: groups)
        #expect(other.splits != assignment.splits)
    }

    /// An archive that grows keeps its patients in their splits: the groups an earlier run placed stay, even where a
    /// fresh plan over all groups puts them elsewhere, and count towards their splits before the new groups are placed.
    @Test("kept groups stay in their splits; new groups are placed towards the ratios")
    func keptGroups() throws {
        let reference = try Reference.load("stages_split.json")
        let groups = reference["groups"] as! [String], labels = reference["labels"] as! [String]
        let splitter = try GroupedStratifiedSplit(train: 0.6, validation: 0.2, test: 0.2, seed: 11)
        let names = Array(Set(groups)).sorted()
        let earlier = Set(names.prefix(30))
        let first = groups.indices.filter { earlier.contains(groups[$0]) }
        let before = try splitter.assign(labels: first.map { labels[$0] }, groups: first.map { groups[$0] })
        var kept: [String: SplitName] = [:]
        for (i, sample) in first.enumerated() { kept[groups[sample]] = before.splits[i] }

        let fresh = try splitter.assign(labels: labels, groups: groups)
        let grown = try splitter.assign(labels: labels, groups: groups, kept: kept)
        #expect(grown.keptGroups == 30 && grown.placedGroups == names.count - 30 && fresh.keptGroups == 0 && fresh.placedGroups == names.count)
        for i in groups.indices { if let split = kept[groups[i]] { #expect(grown.splits[i] == split, "\(groups[i]) moved") } }
        let moved = groups.indices.filter { kept[groups[$0]] != nil && fresh.splits[$0] != kept[groups[$0]] }
        #expect(!moved.isEmpty, "a fresh plan moves some of the earlier groups: what keeping them prevents")
        #expect(LeakCheck.leaks(groups: groups, splits: grown.splits).isEmpty)
        let fractions = grown.fractions
        #expect(abs(fractions[.train]! - 0.6) < 0.05 && abs(fractions[.validation]! - 0.2) < 0.05 && abs(fractions[.test]! - 0.2) < 0.05, "\(fractions)")

        // Every group kept: the earlier assignment, whatever the seed; a kept split without a ratio is placed again.
        let all = Dictionary(groups.indices.map { (groups[$0], fresh.splits[$0]) }, uniquingKeysWith: { a, _ in a })
        let other = try GroupedStratifiedSplit(train: 0.6, validation: 0.2, test: 0.2, seed: 99)
        #expect(try other.assign(labels: labels, groups: groups, kept: all).splits == fresh.splits)
        let noTest = try GroupedStratifiedSplit(train: 0.8, validation: 0.2, test: 0, seed: 11).assign(labels: labels, groups: groups, kept: all)
        #expect(noTest.splits.allSatisfy { $0 != .test } && noTest.keptGroups == all.values.filter { $0 != .test }.count)
    }

    /// Placed by the ratios alone, patients of 34, 29 and 15 samples went to train, train and val, the test split empty;
    /// the last patients now go to the splits still empty.
    @Test("every split with a ratio gets a patient when there are patients enough")
    func noSplitLeftEmpty() throws {
        let sizes = [("p1", 31, 3), ("p2", 7, 8), ("p3", 11, 18)]
        let groups = sizes.flatMap { [String](repeating: $0.0, count: $0.1 + $0.2) }
        let labels = sizes.flatMap { [String?](repeating: "a", count: $0.1) + [String?](repeating: "b", count: $0.2) }
        for seed: UInt64 in [0, 1, 2] {
            let assignment = try GroupedStratifiedSplit(train: 0.6, validation: 0.2, test: 0.2, seed: seed).assign(labels: labels, groups: groups)
            #expect(Set(assignment.splits) == Set(SplitName.allCases) && assignment.issues.allSatisfy { !$0.contains("is empty") }, "\(assignment)")
            #expect(assignment.splits[0] == .train, "the largest patient placed by the ratios")
        }
    }

    @Test("the leak check names a patient found in two splits")
    func leakCheck() {
        let leaks = LeakCheck.leaks(groups: ["a", "a", "b", "c", "c"], splits: [.train, .test, .train, .validation, .validation])
        #expect(leaks.count == 1 && leaks[0].group == "a" && leaks[0].counts == [.train: 1, .test: 1])
        #expect(leaks[0].description == "group 'a' is in train (1) and test (1)")
    }

    @Test("MIT-BIH 100: one patient with thousands of beats cannot be split by patient; time blocks can")
    func singlePatient() throws {
        let (record, _) = try BeatTests.record100()
        let beats = try BeatSegmentation().apply(record)
        let splitter = try GroupedStratifiedSplit(train: 0.7, validation: 0.15, test: 0.15, seed: 0)
        do {
            _ = try splitter.assign(labels: beats.map(\.label), groups: beats.map(\.group))
            Issue.record("a one-patient split should be refused")
        } catch let error as MedPipeError {
            #expect(error.kind == .invalidArgument)
            #expect(error.message.contains("1 group (patient-100)") && error.message.contains("time blocks"))
        }
        let blocks = TimeBlocks.groups(beats, blocks: 20)
        #expect(Set(blocks).count == 20)
        // A recipe's `blocks` of any size: position × blocks overflowed and trapped; more blocks than beats make
        // one block per beat.
        #expect(Set(TimeBlocks.groups(beats, blocks: .max)).count == beats.count)
        let assignment = try splitter.assign(labels: beats.map(\.label), groups: blocks)
        #expect(LeakCheck.leaks(groups: blocks, splits: assignment.splits).isEmpty)
        #expect(abs(assignment.fractions[.train]! - 0.7) < 0.05)
        // Neighbouring beats stay together: a split changes at most at block boundaries.
        let changes = zip(assignment.splits, assignment.splits.dropFirst()).filter { $0 != $1 }.count
        #expect(changes <= 19)
    }

    @Test("a given split (MedMNIST's own, a column) is taken as is; unknown names are errors")
    func given() throws {
        let assignment = try GivenSplit.assign(["train", "val", "test", "validation", "Train"])
        #expect(assignment.splits == [.train, .validation, .test, .validation, .train])
        #expect(throws: MedPipeError.self) { try GivenSplit.assign(["train", "holdout"]) }
        let samples = ["test", "train"].map {
            Sample(tensor: Tensor(shape: [1], values: [Float(0)]), source: SourceReference(record: "m"), metadata: ["split": .string($0)])
        }
        #expect(try GivenSplit.assign(samples).splits == [.test, .train])
    }

    @Test("class counts before and after oversampling the training split")
    func report() throws {
        let labels: [String?] = ["N", "N", "N", "V", "N", "V", "N", "S"]
        let assignment = SplitAssignment(splits: [.train, .train, .train, .train, .test, .test, .validation, .train])
        let trainLabels = assignment.indices(of: .train).map { labels[$0]! }
        let plan = RandomOversampling(seed: 0).plan(labels: trainLabels)
        let report = BalanceReport(labels: labels, assignment: assignment, trainPlan: plan)
        #expect(report.before[.train]!.counts == ["N": 3, "V": 1, "S": 1])
        #expect(report.after[.train]!.counts == ["N": 3, "V": 3, "S": 3])
        #expect(report.after[.test] == report.before[.test])
        #expect(report.description.contains("train: N 3, S 1, V 1 → N 3, S 3, V 3"))
    }

    /// An empty split and samples without a label read as such in the summary, not as an empty line or `(none)`.
    @Test func emptySplitsAndUnlabeledSamplesAreNamed() {
        let report = BalanceReport(labels: [nil, nil, "a"], assignment: SplitAssignment(splits: [.train, .train, .train]), trainPlan: .identity(count: 3))
        #expect(report.description.split(separator: "\n") == ["train: a 1, unlabeled 2", "val: 0 samples", "test: 0 samples"])
    }
}
