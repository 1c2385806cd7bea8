/// A rectangle of pixels (`x`, `y` from the top-left corner, in columns and rows).
public struct PixelRectangle: Sendable, Hashable, Codable, CustomStringConvertible {
    public var x: Int, y: Int, width: Int, height: Int

    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }

    /// Parses `x,y,w,h` (non-negative integers).
    public init?(_ text: String) {
        let parts = text.split(separator: ",").map { Int($0.trimmingSpaces) }
        guard parts.count == 4, let x = parts[0], let y = parts[1], let w = parts[2], let h = parts[3],
              x >= 0, y >= 0, w > 0, h > 0 else { return nil }
        self.init(x: x, y: y, width: w, height: h)
    }

    public var description: String { "\(x),\(y),\(width),\(height)" }
}

/// When an image may carry text burned into its pixels, and what to do about it.
///
/// An image is withheld when Burned In Annotation (0028,0301) is `YES`, or when it is absent and the
/// image is of a kind that usually burns text in: one of `modalitiesWithBurnedInText`, or a Secondary
/// Capture SOP class (screenshots, scanned documents); also when it holds a value other than YES and NO.
/// `NO` is trusted. CT, MR, PT, NM, CR, DX, MG
/// and the like are written when the attribute is absent: their consoles keep annotations in
/// overlays or presentation states, which the profile removes. `allow` writes such images anyway,
/// after blanking `rectangles` in every frame.
public struct BurnedInTextPolicy: Sendable, Hashable {
    /// Ultrasound (and intravascular ultrasound), secondary capture, X-ray angiography and
    /// radiofluoroscopy, endoscopy, external camera photography, general microscopy, other,
    /// and encapsulated documents.
    public static let modalitiesWithBurnedInText: Set<String> = ["US", "IVUS", "SC", "XA", "RF", "ES", "XC", "GM", "OT", "DOC"]
    /// SOP Class UID prefix of the Secondary Capture storage classes (PS3.4 B.5).
    public static let secondaryCapturePrefix = "1.2.840.10008.5.1.4.1.1.7"

    public var allow: Bool
    public var rectangles: [PixelRectangle]

    public init(allow: Bool = false, rectangles: [PixelRectangle] = []) {
        self.allow = allow
        self.rectangles = rectangles
    }

    /// Why an image with these attributes may hold burned-in text, or nil when it should not.
    public static func risk(burnedInAnnotation: String?, modality: String?, sopClassUID: String?) -> String? {
        // Each value of the flag counts (its VM is 1, but a file may hold `YES\NO`); any but YES and NO is not trusted.
        let flags = (burnedInAnnotation ?? "").split(separator: "\\").map { $0.filter { $0 != "\0" }.trimmingSpaces.uppercased() }.filter { !$0.isEmpty }
        if flags.contains("YES") { return "Burned In Annotation (0028,0301) is YES" }
        if let other = flags.first(where: { $0 != "NO" }) { return "Burned In Annotation (0028,0301) is '\(other)', neither YES nor NO" }
        if !flags.isEmpty { return nil }
        let modality = modality?.trimmingSpaces.uppercased() ?? ""
        if modalitiesWithBurnedInText.contains(modality) {
            return "Burned In Annotation (0028,0301) is absent and modality \(modality) usually burns text into the pixels"
        }
        if let sop = sopClassUID?.trimmingSpaces, sop.hasPrefix(secondaryCapturePrefix) {
            return "Burned In Annotation (0028,0301) is absent and the image is a Secondary Capture"
        }
        return nil
    }
}
