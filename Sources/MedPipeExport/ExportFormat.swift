/// The file formats `medpipe export` writes.
public enum ExportFormat: String, Sendable, CaseIterable {
    /// One Secondary Capture file per image, one per slice for volumes (see ``DICOMExportWriter``).
    case dicom
    /// One NIfTI-1 `.nii.gz` per image or volume.
    case nifti
    /// One WFDB record (header + format 16 signal file) per signal.
    case wfdb
    /// One PNG per image, one per slice for volumes.
    case png
    /// One CSV file per split with the feature columns and the label.
    case csv
    /// One `.npz` per split holding `x`, `y` and `classes`.
    case npz

    /// The kinds of sample the format can hold.
    public var accepts: Set<SampleKind> {
        switch self {
        case .dicom, .nifti, .png: [.image, .volume]
        case .wfdb: [.signal]
        case .csv: [.table]
        case .npz: Set(SampleKind.allCases)
        }
    }
}
