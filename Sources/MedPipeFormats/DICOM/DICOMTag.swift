/// A DICOM attribute tag `(group, element)`, written `(GGGG,EEEE)`; encoded in JSON as that text.
public struct DICOMTag: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public var group: UInt16
    public var element: UInt16

    public init(_ group: UInt16, _ element: UInt16) {
        self.group = group
        self.element = element
    }

    /// From `group << 16 | element`.
    public init(rawValue: UInt32) { self.init(UInt16(rawValue >> 16), UInt16(rawValue & 0xFFFF)) }

    /// `group << 16 | element`: the order DICOM sorts attributes in.
    public var rawValue: UInt32 { UInt32(group) << 16 | UInt32(element) }

    /// Odd groups (other than the reserved 0001, 0003, 0005, 0007 and FFFF) hold private attributes.
    public var isPrivate: Bool { group & 1 == 1 && group > 0x0007 && group != 0xFFFF }

    /// `(gggg,0010)`–`(gggg,00FF)` in a private group: the block's creator string.
    public var isPrivateCreator: Bool { isPrivate && element >= 0x0010 && element <= 0x00FF }

    /// `(GGGG,EEEE)` in upper-case hexadecimal, as DICOM writes tags.
    public var description: String { "(\(Self.hex4(group)),\(Self.hex4(element)))" }

    public static func < (a: DICOMTag, b: DICOMTag) -> Bool { a.rawValue < b.rawValue }

    /// Four upper-case hexadecimal digits.
    public static func hex4(_ value: UInt16) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: 4 - digits.count) + digits
    }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        let digits = text.filter(\.isHexDigit)
        guard digits.count == 8, let value = UInt32(digits, radix: 16) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a tag: \(text)"))
        }
        self.init(rawValue: value)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

extension DICOMTag {
    static let transferSyntaxUID = DICOMTag(0x0002, 0x0010)
    static let sopClassUID = DICOMTag(0x0008, 0x0016)
    static let sopInstanceUID = DICOMTag(0x0008, 0x0018)
    static let modality = DICOMTag(0x0008, 0x0060)
    static let burnedInAnnotation = DICOMTag(0x0028, 0x0301)
    static let patientID = DICOMTag(0x0010, 0x0020)
    static let sliceThickness = DICOMTag(0x0018, 0x0050)
    static let spacingBetweenSlices = DICOMTag(0x0018, 0x0088)
    static let studyInstanceUID = DICOMTag(0x0020, 0x000D)
    static let seriesInstanceUID = DICOMTag(0x0020, 0x000E)
    static let instanceNumber = DICOMTag(0x0020, 0x0013)
    static let imagePositionPatient = DICOMTag(0x0020, 0x0032)
    static let imageOrientationPatient = DICOMTag(0x0020, 0x0037)
    static let samplesPerPixel = DICOMTag(0x0028, 0x0002)
    static let photometricInterpretation = DICOMTag(0x0028, 0x0004)
    static let numberOfFrames = DICOMTag(0x0028, 0x0008)
    static let rows = DICOMTag(0x0028, 0x0010)
    static let columns = DICOMTag(0x0028, 0x0011)
    static let pixelSpacing = DICOMTag(0x0028, 0x0030)
    static let bitsAllocated = DICOMTag(0x0028, 0x0100)
    static let bitsStored = DICOMTag(0x0028, 0x0101)
    static let pixelRepresentation = DICOMTag(0x0028, 0x0103)
    static let windowCenter = DICOMTag(0x0028, 0x1050)
    static let windowWidth = DICOMTag(0x0028, 0x1051)
    static let rescaleIntercept = DICOMTag(0x0028, 0x1052)
    static let rescaleSlope = DICOMTag(0x0028, 0x1053)
    static let sharedFunctionalGroupsSequence = DICOMTag(0x5200, 0x9229)
    static let perFrameFunctionalGroupsSequence = DICOMTag(0x5200, 0x9230)
    static let modalityLUTSequence = DICOMTag(0x0028, 0x3000)
}
