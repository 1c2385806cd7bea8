import MedPipeCore

/// A pure, declared preprocessing step: a value holding its parameters.
///
/// The same stage value applied to the same sample always gives the same result; its ``name`` and
/// ``canonicalParameters`` identify it for the cache (changing one parameter changes the key).
public protocol Stage: Codable, Sendable, Equatable {
    /// Stable short name, as written in recipes (`zscore`, `ct-window`, `bandpass`).
    static var name: String { get }
    /// The parameters with sorted keys and fixed number formatting (see ``CanonicalParameters``).
    var canonicalParameters: String { get }
    /// Transforms one sample into zero or more samples, reporting anything dropped.
    func run(_ sample: Sample) throws -> StageOutput
}

extension Stage {
    /// The stage's name (the static ``name``).
    public var name: String { Self.name }

    /// `name` followed by the canonical parameters: the text the cache hashes for this stage.
    public var canonicalDescription: String { "\(Self.name)\(canonicalParameters)" }

    /// Transforms one sample into zero or more samples.
    public func apply(_ sample: Sample) throws -> [Sample] { try run(sample).samples }
}

/// A stage whose statistics are fitted on the training split, then applied to every sample.
///
/// `fit` sees only training samples; the statistics are `Codable` so that the cache stores them
/// beside the recipe, and applying with stored statistics reproduces the same output.
public protocol FittedStage: Codable, Sendable, Equatable {
    associatedtype Statistics: Codable, Sendable, Equatable
    static var name: String { get }
    var canonicalParameters: String { get }
    /// Fits the statistics on training samples.
    func fit(_ trainSamples: [Sample]) throws -> Statistics
    /// Transforms one sample with fitted statistics.
    func apply(_ sample: Sample, fitted: Statistics) throws -> Sample
}

extension FittedStage {
    public var name: String { Self.name }
    public var canonicalDescription: String { "\(Self.name)\(canonicalParameters)" }
}

/// What a stage produced from one sample: the samples kept and counts of what it dropped, by reason.
public struct StageOutput: Sendable, Equatable {
    public var samples: [Sample]
    /// Dropped parts by reason, e.g. `["window leaves the record": 2]`.
    public var dropped: [String: Int]

    public init(_ samples: [Sample], dropped: [String: Int] = [:]) {
        self.samples = samples
        self.dropped = dropped
    }
}
