import MedPipeCore

/// One de-identified sample on its way out of the cache, with the name its files get.
public struct ExportSample: Sendable {
    /// File stem: the split and the position in it, e.g. `train_00001` (never a source path).
    public var name: String
    /// `train`, `val` or `test`.
    public var split: String
    public var label: String?
    /// Keyed pseudonym of the patient group (becomes DICOM Patient Name and ID).
    public var group: String
    public var tensor: Tensor
    public var geometry: Geometry?
    /// The cache's de-identified metadata (`columns`, `Modality`, ...).
    public var metadata: [String: MetadataValue]
    /// A stable string identifying the sample in its cache, from which the writers derive new UIDs.
    public var identity: String

    public init(name: String, split: String, label: String?, group: String, tensor: Tensor, geometry: Geometry?,
                metadata: [String: MetadataValue] = [:], identity: String) {
        self.name = name
        self.split = split
        self.label = label
        self.group = group
        self.tensor = tensor
        self.geometry = geometry
        self.metadata = metadata
        self.identity = identity
    }

    /// The sample's kind; nil for shapes no writer knows.
    public var kind: SampleKind? { SampleKind(shape: tensor.shape, geometry: geometry) }
}
