import MedPipeCore

/// One sample on its way into the cache: a de-identified tensor with its label and patient group.
public struct CacheItem: Sendable {
    public var tensor: Tensor
    /// Class label, if known.
    public var label: String?
    /// Keyed pseudonym of the patient; splits never separate one group.
    public var group: String
    public var geometry: Geometry?
    /// De-identified facts worth keeping (slice index, beat sample, original shape...).
    public var metadata: [String: MetadataValue]

    public init(tensor: Tensor, label: String?, group: String, geometry: Geometry? = nil, metadata: [String: MetadataValue] = [:]) {
        self.tensor = tensor
        self.label = label
        self.group = group
        self.geometry = geometry
        self.metadata = metadata
    }
}

/// What one source produced through the reader and the stateless stages: zero or more items.
///
/// A unit is committed whole or not at all, so the next run knows exactly which sources are done.
public struct CacheUnit: Sendable {
    /// ``UnitKey`` of the source, reader and stages.
    public var key: String
    /// Pseudonymous reference to the source (never its path, which may name a patient).
    public var source: String
    public var items: [CacheItem]

    public init(key: String, source: String, items: [CacheItem]) {
        self.key = key
        self.source = source
        self.items = items
    }
}
