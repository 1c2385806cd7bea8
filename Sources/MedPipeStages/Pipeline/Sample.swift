import MedPipeCore

/// Where a ``Sample`` came from: the record it was cut from and, for one-to-many stages, which part.
public struct SourceReference: Sendable, Equatable, Codable, Hashable, CustomStringConvertible {
    /// The record's source (file path or record name, after de-identification where needed).
    public var record: String
    /// What kind of part this is (`beat`, `window`, `slice`, `row`), or nil for the whole record.
    public var part: String?
    /// Index of the part within the record (beat number, window number, slice index, row index).
    public var index: Int?

    public init(record: String, part: String? = nil, index: Int? = nil) {
        self.record = record
        self.part = part
        self.index = index
    }

    /// The same record, narrowed to one part; an existing part is kept as a prefix (`slice 3/row 2`).
    public func narrowed(to part: String, index: Int) -> SourceReference {
        if let existing = self.part, let existingIndex = self.index {
            return SourceReference(record: record, part: "\(existing) \(existingIndex)/\(part)", index: index)
        }
        return SourceReference(record: record, part: part, index: index)
    }

    /// The part as a user names it (`beat 12`, `slice 3/row 2`), or `sample N` (1-based `position`) for a whole record.
    public func part(orSample position: Int) -> String {
        part.map { part in index.map { "\(part) \($0)" } ?? part } ?? "sample \(position + 1)"
    }

    public var description: String {
        guard let part, let index else { return record }
        return "\(record) [\(part) \(index)]"
    }
}

/// The unit that stages transform: one tensor with its geometry, label, patient group and provenance.
///
/// A reader's ``Record`` becomes one sample; one-to-many stages (beat segmentation, windows, slice
/// extraction, table rows) turn one sample into many. After normalization the tensor is float32.
public struct Sample: Sendable, Equatable {
    /// The values (see ``Tensor`` for the axis convention).
    public var tensor: Tensor
    /// Spatial or temporal sampling, when known.
    public var geometry: Geometry?
    /// Class label, if any.
    public var label: String?
    /// The key no split may separate (a pseudonymous patient key); nil when unknown.
    public var group: String?
    /// Provenance: record plus part index.
    public var source: SourceReference
    /// Free-form facts carried along (column names, units, counts).
    public var metadata: [String: MetadataValue]
    /// Events on a signal (WFDB annotations); used by beat segmentation.
    public var annotations: [Annotation]
    /// Optional region mask with the tensor's shape (non-zero = inside), used by masked z-score.
    public var mask: Tensor?

    public init(tensor: Tensor, geometry: Geometry? = nil, label: String? = nil, group: String? = nil,
                source: SourceReference, metadata: [String: MetadataValue] = [:],
                annotations: [Annotation] = [], mask: Tensor? = nil) {
        self.tensor = tensor
        self.geometry = geometry
        self.label = label
        self.group = group
        self.source = source
        self.metadata = metadata
        self.annotations = annotations
        self.mask = mask
    }

    /// A sample holding a whole record. `group` should already be a pseudonym (the cache never sees
    /// the raw patient identifier); by default the record's own key is used.
    public init(record: Record, group: String? = nil) {
        self.init(tensor: record.tensor, geometry: record.geometry, label: record.label,
                  group: group ?? record.patientKey, source: SourceReference(record: record.source),
                  metadata: record.metadata, annotations: record.annotations)
    }

    /// A copy with another tensor (and optionally geometry), keeping everything else.
    public func replacing(tensor: Tensor, geometry: Geometry?? = nil) -> Sample {
        var copy = self
        copy.tensor = tensor
        if let geometry { copy.geometry = geometry }
        return copy
    }
}
