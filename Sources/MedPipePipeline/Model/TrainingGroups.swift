import Foundation
import MedPipeCore
import MedPipeData

/// The patients (groups) of the training split a model learnt from, which the model carries in its metadata
/// (``PreparationKeys/trainingGroups``) as the first 8 bytes of each group's SHA-256: enough to count, when the model
/// is judged on a split of any cache, how many of that split's patients it trained on, without the pseudonyms.
///
/// Patients move between splits when `convert` plans the split afresh (`--resplit`, another seed: planned afresh over
/// all sources, 46 of 150 patients moved when 50 were added, which ``EarlierSplits`` now prevents by default), and
/// another cache of the same sources, split otherwise or converted as new patients, holds them in other splits; the
/// recipe's stages, and so every other check of the model against the cache, stay the same. A model trained before would then be judged partly on its own training patients, and its
/// scores would say nothing of it. Groups are pseudonyms under a project key, so they compare only between caches of
/// the same key: the fingerprint of the training cache's key is kept beside them.
public struct TrainingGroups: Sendable, Equatable {
    /// The fingerprint of the project key that made the training cache's pseudonyms (meta
    /// ``CacheDataset/pseudonymKeyMeta``); nil for a cache converted before it was kept.
    public var key: String?
    /// The digests, sorted, each once.
    public var digests: [UInt64]

    /// The digests of `groups` (each once), pseudonyms made under the project key of fingerprint `key`.
    public init(groups: some Sequence<String>, key: String?) {
        self.key = key
        digests = Array(Set(groups.map(Self.digest))).sorted()
    }

    /// The groups of `dataset`'s training split.
    public init(trainingSplitOf dataset: CacheDataset) throws {
        self.init(groups: try dataset.cache.groups(split: CacheDataset.name(of: .train)), key: try dataset.pseudonymKey())
    }

    /// The groups a model's metadata names; nil when it names none (a model written before they were kept).
    /// - Throws: `.malformed` naming `subject` when the value is not what ``metadata`` writes.
    public init?(metadata: [String: String], subject: String) throws {
        guard let text = metadata[PreparationKeys.trainingGroups] else { return nil }
        let stored = try JSONCoding.decode(Stored.self, from: text, subject: subject, "its metadata '\(PreparationKeys.trainingGroups)'")
        guard let bytes = Data(base64Encoded: stored.digests), bytes.count % 8 == 0 else {
            throw MedPipeError.malformed(subject, "its metadata '\(PreparationKeys.trainingGroups)' does not hold base64 of 8-byte digests")
        }
        key = stored.key
        digests = stride(from: 0, to: bytes.count, by: 8).map { start in
            bytes[(bytes.startIndex + start)..<(bytes.startIndex + start + 8)].reduce(0) { $0 << 8 | UInt64($1) }
        }
    }

    /// How the metadata holds them: JSON, the key's fingerprint and the digests' big-endian bytes in base64 (77 KB for
    /// 7,199 MNIST digits, each its own group).
    private struct Stored: Codable {
        var key: String?
        var digests: String
    }

    /// The metadata entry that stores them.
    public var metadata: [String: String] {
        let bytes = digests.flatMap { digest in (0..<8).reversed().map { UInt8(truncatingIfNeeded: digest >> ($0 * 8)) } }
        let stored = Stored(key: key, digests: Data(bytes).base64EncodedString())
        return [PreparationKeys.trainingGroups: String(decoding: (try? JSONCoding.encoder().encode(stored)) ?? Data(), as: UTF8.self)]
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

/// What a model's metadata tells of the patients of a split it is judged on (``CacheDataset/trainingPatients(in:model:preparation:)``).
public enum TrainingPatients: Sendable, Equatable {
    /// `trained` of the split's `of` patients (groups) were in the model's training split.
    case counted(trained: Int, of: Int)
    /// The cache's pseudonyms were made under another project key than the training cache's (fingerprints given), so
    /// they cannot be compared.
    case otherKey(cache: String, training: String)

    /// What `evaluate` warns and `report` shows, nil when there is nothing to say (none of the patients was trained on).
    public func note(split: String, cache: String) -> String? {
        switch self {
        case .counted(0, _): nil
        case .counted(let trained, let of):
            "\(trained) of the \(of) patients (groups) of the \(split) split were in the model's training split: these scores are not "
                + "those of unseen patients (patients change splits when their cache's split is planned afresh, with --resplit or another "
                + "seed, and another cache of the same sources, split otherwise or converted as new patients, holds them too)"
        case .otherKey(let cacheKey, let training):
            "the patients of \(cache) are pseudonyms under another project key (fingerprint \(cacheKey.prefix(12))) than those of the "
                + "model's training cache (\(training.prefix(12))), so whether the model trained on any of them cannot be told"
        }
    }
}

extension CacheDataset {
    /// The meta entry naming the fingerprint of the project key under which `convert` made the cache's pseudonyms.
    public static let pseudonymKeyMeta = "pseudonym_key"

    /// The fingerprint of the project key that made the cache's pseudonyms; nil for a cache converted before it was kept.
    public func pseudonymKey() throws -> String? { try cache.meta(Self.pseudonymKeyMeta) }

    /// What a model trained on this cache carries of it: its preparation (``Preprocessing/metadata()``) and the
    /// patients of its training split (``TrainingGroups``).
    public func modelMetadata() throws -> [String: String] {
        try preprocessing.metadata().merging(TrainingGroups(trainingSplitOf: self).metadata) { $1 }
    }

    /// How many of the patients (groups) of `split` a model trained on, from its metadata `preparation`: nil for the
    /// training split (judged on its own patients by choice) and when the model does not say (written before it did).
    /// Where both caches name their project keys and the keys differ, the patients cannot be compared.
    /// - Throws: `.malformed` naming `model` when its metadata is damaged.
    public func trainingPatients(in split: DataSplit, model: String, preparation: [String: String]) throws -> TrainingPatients? {
        guard split != .train, let trained = try TrainingGroups(metadata: preparation, subject: model) else { return nil }
        if let own = try pseudonymKey(), let training = trained.key, own != training { return .otherKey(cache: own, training: training) }
        let groups = try cache.groups(split: Self.name(of: split))
        return .counted(trained: trained.count(among: groups), of: groups.count)
    }
}
