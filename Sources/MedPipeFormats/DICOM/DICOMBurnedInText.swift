/// Whether a DICOM image may carry text burned into its pixels (a patient's name on an ultrasound screen, a
/// scanned form): what `anonymize` withholds and what `export` writes only when allowed.
///
/// An image may when Burned In Annotation (0028,0301) is `YES` (any of its values), holds a value other than YES
/// and NO, or is absent on an image of a kind that usually burns text in: one of ``modalities``, or a Secondary
/// Capture SOP class (screenshots, scanned documents). `NO` is trusted. CT, MR, PT, NM, CR, DX, MG and the like
/// are not suspected when the attribute is absent: their consoles keep annotations in overlays or presentation
/// states, which the profile removes.
public enum DICOMBurnedInText {
    /// Ultrasound (and intravascular ultrasound), secondary capture, X-ray angiography and
    /// radiofluoroscopy, endoscopy, external camera photography, general microscopy, other,
    /// and encapsulated documents.
    public static let modalities: Set<String> = ["US", "IVUS", "SC", "XA", "RF", "ES", "XC", "GM", "OT", "DOC"]
    /// SOP Class UID prefix of the Secondary Capture storage classes (PS3.4 B.5).
    public static let secondaryCapturePrefix = "1.2.840.10008.5.1.4.1.1.7"
    /// The record metadata key set (to ``possible``) on an image or series any of whose files may hold burned-in text.
    public static let metadataKey = "BurnedInText"
    /// The value of ``metadataKey``: a fixed word, so that no value read from the file passes with it.
    public static let possible = "possible"

    /// Why an image with these attributes may hold burned-in text, or nil when it should not.
    public static func risk(burnedInAnnotation: String?, modality: String?, sopClassUID: String?) -> String? {
        // Each value of the flag counts (its VM is 1, but a file may hold `YES\NO`); any but YES and NO is not trusted.
        let flags = (burnedInAnnotation ?? "").split(separator: "\\").map { $0.filter { $0 != "\0" }.trimmingSpaces.uppercased() }.filter { !$0.isEmpty }
        if flags.contains("YES") { return "Burned In Annotation (0028,0301) is YES" }
        if let other = flags.first(where: { $0 != "NO" }) { return "Burned In Annotation (0028,0301) is '\(other)', neither YES nor NO" }
        if !flags.isEmpty { return nil }
        let modality = modality?.trimmingSpaces.uppercased() ?? ""
        if modalities.contains(modality) {
            return "Burned In Annotation (0028,0301) is absent and modality \(modality) usually burns text into the pixels"
        }
        if let sop = sopClassUID?.trimmingSpaces, sop.hasPrefix(secondaryCapturePrefix) {
            return "Burned In Annotation (0028,0301) is absent and the image is a Secondary Capture"
        }
        return nil
    }
}
