import MedPipeCore

/// A unit whose tensors are already in a shard: the manifest rows that commit it, without the tensor bytes.
///
/// What ``ShardAppender/store(_:)`` returns and ``CacheWriter/add(stored:)`` commits; in an MPI convert, what
/// every rank sends to rank 0 once its shard is fsynced.
public struct StoredUnit: Sendable, Equatable, Codable {
    /// ``UnitKey`` of the source, and the pseudonymous reference to it (see ``CacheUnit``).
    public var key: String
    public var source: String
    public var items: [StoredItem]

    public init(key: String, source: String, items: [StoredItem]) {
        self.key = key
        self.source = source
        self.items = items
    }

    /// Throws `.malformed` naming `subject` unless every item's location is possible: a positive shard number, a
    /// non-negative offset whose end fits an Int, a length equal to its shape × dtype size, a SHA-256 in hex.
    public func validate(_ subject: String) throws {
        for (index, item) in items.enumerated() {
            let what = "unit \(key) item \(index)"
            guard item.shape.allSatisfy({ $0 >= 0 }) else { throw MedPipeError.malformed(subject, "\(what) has shape \(item.shape)") }
            let length = try CheckedSize.product(item.shape + [item.dtype.size], source: subject, "\(what)'s tensor bytes")
            guard item.length == length else {
                throw MedPipeError.malformed(subject, "\(what) of shape \(item.shape) and dtype \(item.dtype) needs \(length) bytes, not \(item.length)")
            }
            guard item.shard >= 1, item.offset >= 0, !item.offset.addingReportingOverflow(item.length).overflow else {
                throw MedPipeError.malformed(subject, "\(what) lies at an impossible place: shard \(item.shard), offset \(item.offset)")
            }
            guard item.sha256.utf8.count == 64, item.sha256.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) else {
                throw MedPipeError.malformed(subject, "\(what) has no SHA-256 in lowercase hex")
            }
        }
    }
}

/// One sample of a ``StoredUnit``: what the manifest keeps of it, and where its tensor's bytes are.
public struct StoredItem: Sendable, Equatable, Codable {
    public var dtype: DType
    public var shape: [Int]
    public var label: String?
    public var group: String
    public var geometry: Geometry?
    public var metadata: [String: MetadataValue]
    /// Shard number, byte offset and length of the tensor, and the SHA-256 of its bytes.
    public var shard: Int
    public var offset: Int
    public var length: Int
    public var sha256: String
}
