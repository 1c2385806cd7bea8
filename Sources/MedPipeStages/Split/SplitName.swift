import Foundation
import MedPipeCore

/// The three splits of a dataset. A dictionary keyed by it encodes as a JSON object under the names (sorted by
/// ``JSONCoding/encoder()``): as an array of keys and values, it came out in the dictionary's order, another in each
/// process, so a cache's `balance_report` differed between two runs of one convert.
public enum SplitName: String, Sendable, Codable, CodingKeyRepresentable, CaseIterable, Comparable {
    case train, validation = "val", test

    /// Parses the names data sets use: `train`/`training`, `val`/`valid`/`validation`, `test`/`testing`.
    public init?(parsing text: String) {
        switch text.lowercased().trimmingCharacters(in: .whitespaces) {
        case "train", "training": self = .train
        case "val", "valid", "validation": self = .validation
        case "test", "testing": self = .test
        default: return nil
        }
    }

    public static func < (a: SplitName, b: SplitName) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// The split of every sample, with anything the splitter could not honour.
public struct SplitAssignment: Sendable, Equatable {
    /// The split of sample `i`.
    public var splits: [SplitName]
    /// Human-readable problems (ratios far from the request, an empty split); empty when all is well.
    public var issues: [String]
    /// Groups that stayed in the split an earlier run gave them, and groups placed by this assignment.
    public var keptGroups: Int
    public var placedGroups: Int

    public init(splits: [SplitName], issues: [String] = [], keptGroups: Int = 0, placedGroups: Int = 0) {
        self.splits = splits
        self.issues = issues
        self.keptGroups = keptGroups
        self.placedGroups = placedGroups
    }

    /// Indices of the samples in one split, ascending.
    public func indices(of split: SplitName) -> [Int] { splits.indices.filter { splits[$0] == split } }

    /// Fraction of samples in each split.
    public var fractions: [SplitName: Double] {
        var result: [SplitName: Double] = [:]
        for s in SplitName.allCases { result[s] = splits.isEmpty ? 0 : Double(splits.filter { $0 == s }.count) / Double(splits.count) }
        return result
    }
}
