import Foundation
import MedPipeCore
import MedPipeData

/// The patients (groups) of the training split a model learnt from, which the model carries in its metadata
/// (``PreparationKeys/trainingGroups``) as the first 8 bytes of each group's SHA-256: enough to count, when the model
/// is judged on a split of any cache, how many of that split's patients it trained on, without the pseudonyms.
///
/// Patients move between splits when `convert` runs again over more sources (the split is planned over all of them:
/// 46 of 150 patients moved when 50 were added), and another cache of the same sources, split with another seed,
/// splits them otherwise; the recipe, and so every check of the model against the cache, stays the same. A model
/// trained before would then be judged partly on its own training patients, and its scores would say nothing of it.
public struct TrainingGroups: Sendable, Equatable {
    /// The digests, sorted, each once.
    public let digests: [UInt64]

    public init(groups: some Sequence<String>) {
        digests = Array(Set(groups.map(Self.digest))).sorted()
    }

    /// The groups of `dataset`'s training split.
    public init(trainingSplitOf dataset: CacheDataset) throws {
        self.init(groups: try dataset.cache.groups(split: CacheDataset.name(of: .train)))
    }

    /// The groups a model's metadata names; nil when it names none (a model written before they were kept).
    /// - Throws: `.malformed` naming `subject` when the value is not base64 of whole 8-byte digests.
    public init?(metadata: [String: String], subject: String) throws {
        guard let text = metadata[PreparationKeys.trainingGroups] else { return nil }
        guard let bytes = Data(base64Encoded: text), bytes.count % 8 == 0 else {
            throw MedPipeError.malformed(subject, "its metadata '\(PreparationKeys.trainingGroups)' is not base64 of 8-byte digests")
        }
        digests = stride(from: 0, to: bytes.count, by: 8).map { start in
            bytes[(bytes.startIndex + start)..<(bytes.startIndex + start + 8)].reduce(0) { $0 << 8 | UInt64($1) }
        }
    }

    /// The metadata entry that stores them: the digests' big-endian bytes in base64 (77 KB for 7,199 MNIST digits,
    /// each its own group).
    public var metadata: [String: String] {
        let bytes = digests.flatMap { digest in (0..<8).reversed().map { UInt8(truncatingIfNeeded: digest >> ($0 * 8)) } }
        return [PreparationKeys.trainingGroups: Data(bytes).base64EncodedString()]
    }

    /// How many of `groups` (each counted once) are among these.
    public func count(among groups: some Sequence<String>) -> Int {
        let own = Set(digests)
        return Set(groups.map(Self.digest)).filter(own.contains).count
    }

    /// `inspect`'s line about a model's training patients: none when the model does not name them.
    public static func summaryLine(_ groups: TrainingGroups?) -> [String] {
        groups.map { ["  trained:  on \($0.digests.count) patients (groups), whom `evaluate` looks for in the split it judges"] } ?? []
    }

    /// The first 8 bytes of the SHA-256 of a group's UTF-8 bytes, big-endian: two of 100,000 groups share one with a
    /// chance of about 3·10⁻¹⁰.
    static func digest(_ group: String) -> UInt64 {
        SHA256.hash(Array(group.utf8)).prefix(8).reduce(0) { $0 << 8 | UInt64($1) }
    }
}

extension CacheDataset {
    /// What a model trained on this cache carries of it: its preparation (``Preprocessing/metadata()``) and the
    /// patients of its training split (``TrainingGroups``).
    public func modelMetadata() throws -> [String: String] {
        try preprocessing.metadata().merging(TrainingGroups(trainingSplitOf: self).metadata) { $1 }
    }

    /// What `evaluate` warns and `report` shows when `trained` of the `of` patients (groups) of `split` were in the
    /// judged model's training split.
    public static func trainingPatientsNote(trained: Int, of: Int, split: String) -> String {
        "\(trained) of the \(of) patients (groups) of the \(split) split were in the model's training split: these scores are not "
            + "those of unseen patients (patients change splits when their cache is converted again over more sources, and another "
            + "cache of the same sources, split otherwise or converted as new patients, holds them too)"
    }

    /// How many of the patients (groups) of `split` a model trained on, from its metadata `preparation`: nil for the
    /// training split (judged on its own patients by choice) and when the model does not say (written before it did).
    /// `evaluate` and `report` say so when it is not none.
    /// - Throws: `.malformed` naming `model` when its metadata is damaged.
    public func trainingPatients(in split: DataSplit, model: String, preparation: [String: String]) throws -> (trained: Int, of: Int)? {
        guard split != .train, let trained = try TrainingGroups(metadata: preparation, subject: model) else { return nil }
        let groups = try cache.groups(split: Self.name(of: split))
        return (trained.count(among: groups), groups.count)
    }
}
