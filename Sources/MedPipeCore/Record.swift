/// The value every reader returns: one decoded input, whatever its format.
///
/// A record is in memory only; it may still hold identifying metadata and a raw patient
/// identifier. De-identification turns it into something that may be written.
public struct Record: Sendable {
    /// Path of the file or directory the record was read from.
    public var source: String
    /// Short name of the format, e.g. `nifti`, `dicom`, `dicom-series`, `wfdb`, `csv`, `idx`, `npy`, `png`.
    public var format: String
    /// The decoded values (see ``Tensor`` for the axis convention).
    public var tensor: Tensor
    /// Spatial or temporal sampling, when the format has any.
    public var geometry: Geometry?
    /// Format-specific key facts (header fields, attributes, column names), by name.
    public var metadata: [String: MetadataValue]
    /// The raw patient identifier as found in the input (PatientID, record name...), if any.
    public var patientKey: String?
    /// The class label, when the input itself carries one (an image set, a folder name).
    public var label: String?
    /// Events on a signal (WFDB annotations); empty for other formats.
    public var annotations: [Annotation]
    /// Problems that did not stop the read (a non-uniform slice spacing, a tolerated header quirk).
    public var warnings: [String]

    public init(source: String, format: String, tensor: Tensor, geometry: Geometry? = nil,
                metadata: [String: MetadataValue] = [:], patientKey: String? = nil, label: String? = nil,
                annotations: [Annotation] = [], warnings: [String] = []) {
        self.source = source
        self.format = format
        self.tensor = tensor
        self.geometry = geometry
        self.metadata = metadata
        self.patientKey = patientKey
        self.label = label
        self.annotations = annotations
        self.warnings = warnings
    }
}

extension Sequence where Element == Record {
    /// The records' warnings, each once, in order (a series' skipped files are told on every volume it gives).
    public var distinctWarnings: [String] {
        var seen: Set<String> = []
        return flatMap(\.warnings).filter { seen.insert($0).inserted }
    }
}
