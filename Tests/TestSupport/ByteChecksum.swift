/// The byte checksum of tools/reference/dicom.py and dicom_encodings.py: `[Σ b, Σ b · (i mod 65521 + 1)]`,
/// exact and sensitive to order.
public func byteChecksum(_ bytes: [UInt8]) -> [UInt64] {
    var plain: UInt64 = 0, weighted: UInt64 = 0, weight: UInt64 = 1
    for b in bytes {
        plain &+= UInt64(b)
        weighted &+= UInt64(b) &* weight
        weight = weight == 65521 ? 1 : weight + 1
    }
    return [plain, weighted]
}
