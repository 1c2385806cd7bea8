/// Which patient a DICOM file shows, for grouping (patient-level splits, de-identified folders): its Patient ID, or
/// for a file without one (absent, empty or spaces) its study, so that files of unrelated patients are not made one
/// patient by an empty ID, while the slices of a study stay together.
public enum DICOMPatientKey {
    /// What a key made from a Study Instance UID starts with.
    public static let studyPrefix = "study:"

    /// The Patient ID when it holds more than spaces; else `study:` and the Study Instance UID; nil when neither is there.
    public static func of(patientID: String?, studyInstanceUID: String?) -> String? {
        if let patientID, patientID.contains(where: { $0 != " " && $0 != "\0" }) { return patientID }
        let study = studyInstanceUID?.trimmingCharacters(in: .init(charactersIn: " \0")) ?? ""
        return study.isEmpty ? nil : studyPrefix + study
    }
}
