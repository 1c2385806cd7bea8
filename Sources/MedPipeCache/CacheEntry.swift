import MedPipeCore

/// One stored sample as the manifest describes it.
public struct CacheEntry: Sendable, Equatable {
    /// Row id in the manifest; stable for the life of the entry.
    public var id: Int64
    /// ``UnitKey`` of the unit it belongs to, and its position in that unit.
    public var unit: String
    public var item: Int
    public var source: String
    public var group: String
    public var label: String?
    /// `train`, `val`, `test`, or nil before splitting.
    public var split: String?
    public var dtype: DType
    public var shape: [Int]
    /// Where the tensor bytes are: shard number, byte offset and length.
    public var shard: Int
    public var offset: Int
    public var length: Int
    /// SHA-256 of the tensor bytes.
    public var sha256: String
    public var geometry: Geometry?
    public var metadata: [String: MetadataValue]
}
