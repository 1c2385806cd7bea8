import MedPipeCore

/// Train/validation/test by ratios, grouped (no group — patient — in two splits) and stratified by
/// label, seeded and deterministic.
///
/// Algorithm (in the spirit of scikit-learn's `StratifiedGroupKFold`): collect each group's label
/// counts; shuffle the groups with the seed (``SeededGenerator``), then order them by size,
/// largest first (stable, so the shuffle breaks ties); put each group in turn into the split where
/// it leaves the smallest total squared deviation from the targets — per split and label
/// `(count − ratio·total_label)/total_label`, plus per split `(size − ratio·N)/N` — ties to the
/// earlier split; the last groups go to the splits still empty, one each, so that every split with a positive ratio
/// gets a group when there are groups enough. A sample without a group is its own group.
///
/// Groups an earlier run placed (`kept`) stay in their split and count towards it before the others are placed: a
/// cache whose archive grows keeps each patient where it was, and only the new patients are placed, towards the ratios.
///
/// A patient-level split needs at least as many groups as splits with a positive ratio: otherwise
/// ``assign(labels:groups:)`` throws rather than leak. Large deviations from the ratios (a group
/// holding most samples) are reported in ``SplitAssignment/issues``.
public struct GroupedStratifiedSplit: Sendable, Equatable, Codable {
    public var train: Double
    public var validation: Double
    public var test: Double
    public var seed: UInt64
    /// Deviation of a split's fraction from its ratio beyond which an issue is reported.
    public var tolerance: Double

    /// How far from 1 the ratios may sum (`0.7, 0.15, 0.15` sums to 1 only within rounding).
    public static let ratioSumTolerance = 1e-6

    /// - Throws: `.invalidArgument` unless the ratios are non-negative and sum to 1 within ``ratioSumTolerance``.
    public init(train: Double, validation: Double, test: Double, seed: UInt64, tolerance: Double = 0.05) throws {
        try Self.check(train: train, validation: validation, test: test)
        self.train = train
        self.validation = validation
        self.test = test
        self.seed = seed
        self.tolerance = tolerance
    }

    /// Fails unless the ratios are non-negative and sum to 1 within ``ratioSumTolerance``: what a recipe's split is
    /// checked with when it is read, so that a run does not fail at its end on ratios it was started with.
    public static func check(train: Double, validation: Double, test: Double) throws {
        let sum = train + validation + test
        guard [train, validation, test].allSatisfy({ $0 >= 0 }), abs(sum - 1) <= ratioSumTolerance else {
            throw MedPipeError.invalidArgument("split", "ratios must be non-negative and sum to 1 (train \(train), val \(validation), test \(test) sum to \(sum))")
        }
    }

    public var canonicalParameters: String {
        var p = CanonicalParameters()
        p.add("train", train)
        p.add("val", validation)
        p.add("test", test)
        p.add("seed", Int(truncatingIfNeeded: seed))
        return p.text
    }

    /// Assigns every sample to a split. `labels` and `groups` are per sample.
    /// - Parameter kept: the split of groups an earlier run placed, by group; a group whose split has no positive ratio
    ///   is placed again.
    public func assign(labels: [String?], groups: [String?], kept: [String: SplitName] = [:]) throws -> SplitAssignment {
        precondition(labels.count == groups.count, "one label and one group per sample")
        let n = labels.count
        let ratios = [train, validation, test]
        let active = SplitName.allCases.indices.filter { ratios[$0] > 0 }
        // Groups in first-seen order, with their members and label counts.
        var labelIndex: [String: Int] = [:]
        for label in labels { let key = label ?? ""; if labelIndex[key] == nil { labelIndex[key] = labelIndex.count } }
        var groupIndex: [String: Int] = [:]
        var members: [[Int]] = [], names: [String] = []
        for i in 0..<n {
            let key = groups[i].map { "g:" + $0 } ?? "s:\(i)"
            if let g = groupIndex[key] { members[g].append(i) } else {
                groupIndex[key] = members.count
                members.append([i])
                names.append(groups[i] ?? "sample \(i)")
            }
        }
        guard members.count >= active.count else {
            let splitNames = active.map { SplitName.allCases[$0].rawValue }.joined(separator: ", ")
            throw MedPipeError.invalidArgument("split", "\(members.count) group\(members.count == 1 ? "" : "s") (\(names.prefix(5).joined(separator: ", "))) holding \(n) samples cannot fill \(active.count) splits with a positive ratio (\(splitNames)) without putting one patient in two splits; use a split by time blocks within the record, a split given by the data, or data from more patients")
        }
        let labelCount = labelIndex.count
        var groupLabels = [[Int]](repeating: [Int](repeating: 0, count: labelCount), count: members.count)
        for (g, list) in members.enumerated() { for i in list { groupLabels[g][labelIndex[labels[i] ?? ""]!] += 1 } }
        var totals = [Int](repeating: 0, count: labelCount)
        for i in 0..<n { totals[labelIndex[labels[i] ?? ""]!] += 1 }

        var order = Array(members.indices)
        var generator = SeededGenerator(seed: seed)
        generator.shuffle(&order)
        order = order.enumerated().sorted { a, b in
            members[a.element].count != members[b.element].count ? members[a.element].count > members[b.element].count : a.offset < b.offset
        }.map(\.element)

        var counts = [[Double]](repeating: [Double](repeating: 0, count: labelCount), count: 3)
        var sizes = [Double](repeating: 0, count: 3)
        var groupSplit = [Int](repeating: 0, count: members.count)
        func add(_ g: Int, to s: Int, _ sign: Double = 1) {
            for l in 0..<labelCount { counts[s][l] += sign * Double(groupLabels[g][l]) }
            sizes[s] += sign * Double(members[g].count)
        }
        var isKept = [Bool](repeating: false, count: members.count)
        for (g, list) in members.enumerated() {
            guard let group = groups[list[0]], let split = kept[group], let s = SplitName.allCases.firstIndex(of: split), ratios[s] > 0 else { continue }
            groupSplit[g] = s
            add(g, to: s)
            isKept[g] = true
        }
        order.removeAll { isKept[$0] }
        let keptGroups = isKept.filter { $0 }.count
        func cost() -> Double {
            var c = 0.0
            for s in 0..<3 {
                for l in 0..<labelCount where totals[l] > 0 {
                    let d = (counts[s][l] - ratios[s] * Double(totals[l])) / Double(totals[l])
                    c += d * d
                }
                let d = (sizes[s] - ratios[s] * Double(n)) / Double(n)
                c += d * d
            }
            return c
        }
        for (placed, g) in order.enumerated() {
            // As many groups left as splits still empty: each goes to one of those, so that no split with a ratio is left
            // empty while there are groups enough (three patients of 34, 29 and 15 samples went to train, train and val).
            let empty = active.filter { sizes[$0] == 0 }
            let candidates = order.count - placed <= empty.count ? empty : active
            var best = candidates[0], bestCost = Double.infinity
            for s in candidates {
                add(g, to: s)
                let c = cost()
                add(g, to: s, -1)
                if c < bestCost - 1e-15 { best = s; bestCost = c }
            }
            groupSplit[g] = best
            add(g, to: best)
        }
        var splits = [SplitName](repeating: .train, count: n)
        for (g, list) in members.enumerated() { for i in list { splits[i] = SplitName.allCases[groupSplit[g]] } }

        var issues: [String] = []
        let largest = members.indices.max { members[$0].count < members[$1].count }
        for s in active {
            let fraction = sizes[s] / Double(max(n, 1))
            let name = SplitName.allCases[s].rawValue
            if sizes[s] == 0 {
                issues.append("split '\(name)' is empty: the groups could not be distributed to reach ratio \(ratios[s])")
            } else if abs(fraction - ratios[s]) > tolerance {
                var issue = "split '\(name)' holds \(Int(sizes[s])) of \(n) samples (\(percent(fraction))), requested \(percent(ratios[s]))"
                if let largest {
                    issue += "; the largest group holds \(members[largest].count) samples (\(percent(Double(members[largest].count) / Double(n))))"
                }
                issues.append(issue)
            }
        }
        return SplitAssignment(splits: splits, issues: issues, keptGroups: keptGroups, placedGroups: members.count - keptGroups)
    }

    private func percent(_ x: Double) -> String { "\(Int((x * 1000).rounded()) / 10).\(Int((x * 1000).rounded()) % 10)%" }
}
