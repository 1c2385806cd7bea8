import MedPipeCore

/// What a pseudonym stands for; each domain prefixes the HMAC input so equal strings in different
/// roles (a patient ID that happens to equal a record name) give unrelated pseudonyms.
public enum PseudonymDomain: String, Sendable, CaseIterable {
    case patient, group, record, source
}

/// Keyed, deterministic pseudonyms: HMAC-SHA256 under a `ProjectKey`.
///
/// The same input and key give the same output on any machine (series stay together across runs);
/// another key gives unlinkable output. Inputs are compared after trimming the spaces and NULs
/// DICOM uses as padding, so `"1.2.3\0"` and `"1.2.3"` map alike.
public struct Pseudonymizer: Sendable {
    /// Days a date may move, both ends included: always into the past, by one to ten years.
    public static let dateShiftRange = -3650 ... -365

    private let keyBytes: [UInt8]
    /// Identifies the key (see `ProjectKey.fingerprint`).
    public let fingerprint: String

    public init(key: ProjectKey) {
        keyBytes = key.bytes
        fingerprint = key.fingerprint
    }

    /// A `2.25.<decimal>` UID (PS3.5 B.2) from the first 128 bits of HMAC("uid:" + uid); at most 44 characters.
    public func uid(_ original: String) -> String {
        let mac = digest("uid:", original)
        var high: UInt64 = 0, low: UInt64 = 0
        for i in 0..<8 { high = high << 8 | UInt64(mac[i]) }
        for i in 8..<16 { low = low << 8 | UInt64(mac[i]) }
        return "2.25." + decimal(high: high, low: low)
    }

    /// `P-` + 12 lower-case base32 characters (60 bits of HMAC(domain + ":" + value)).
    public func token(_ value: String, domain: PseudonymDomain) -> String {
        let mac = digest(domain.rawValue + ":", value)
        var bits: UInt64 = 0
        for i in 0..<8 { bits = bits << 8 | UInt64(mac[i]) }
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz234567")
        var token = "P-"
        for i in 0..<12 { token.append(alphabet[Int((bits >> UInt64(59 - 5 * i)) & 31)]) }
        return token
    }

    /// The one date shift of a patient, in whole days within `dateShiftRange`.
    public func dateShift(patientID: String) -> Int {
        let mac = digest("date-shift:", patientID)
        var bits: UInt64 = 0
        for i in 0..<8 { bits = bits << 8 | UInt64(mac[i]) }
        let span = UInt64(Self.dateShiftRange.count)
        return Self.dateShiftRange.lowerBound + Int(bits % span)
    }

    /// A DA value (`YYYYMMDD`, possibly multi-valued with `\`) moved by `days`; nil when any value
    /// is not a complete valid date (the caller then removes it rather than keep it).
    public func shiftDA(_ value: String, by days: Int) -> String? {
        var shifted: [String] = []
        for part in trimmed(value).split(separator: "\\", omittingEmptySubsequences: false) {
            guard let date = CivilDate(dicom: part.drop { $0 == " " }.prefix { $0 != " " }),
                  let moved = date.shifted(by: days) else { return nil }
            shifted.append(moved.dicom)
        }
        return shifted.joined(separator: "\\")
    }

    /// A DT value (`YYYYMMDD[HH[MM[SS[.F]]]][&ZZXX]`, possibly multi-valued) with its date moved by
    /// `days` and the time of day and offset kept; nil when a value lacks a full date.
    public func shiftDT(_ value: String, by days: Int) -> String? {
        var shifted: [String] = []
        for part in trimmed(value).split(separator: "\\", omittingEmptySubsequences: false) {
            let text = part.drop { $0 == " " }
            guard let date = CivilDate(dicom: text.prefix(8)), let moved = date.shifted(by: days) else { return nil }
            let rest = text.dropFirst(8)
            guard rest.allSatisfy({ $0.isASCIIDigit || $0 == "." || $0 == "+" || $0 == "-" || $0 == "&" || $0 == " " }),
                  rest.first.map({ $0.isASCIIDigit || $0 == "+" || $0 == "-" || $0 == " " }) ?? true else { return nil }
            shifted.append(moved.dicom + rest)
        }
        return shifted.joined(separator: "\\")
    }

    private func digest(_ prefix: String, _ value: String) -> [UInt8] {
        let message = Array((prefix + trimmed(value)).utf8)
        return SHA256.authenticationCode(for: message, key: keyBytes)
    }
}

/// `value` without the leading and trailing spaces and NULs DICOM uses as padding.
func trimmed(_ value: String) -> Substring {
    let padding: (Character) -> Bool = { $0 == " " || $0 == "\0" }
    let start = value.drop(while: padding)
    var end = start.endIndex
    while end > start.startIndex, padding(start[start.index(before: end)]) { end = start.index(before: end) }
    return start[..<end]
}

/// Decimal digits of the 128-bit number `high << 64 | low`, without leading zeros.
private func decimal(high: UInt64, low: UInt64) -> String {
    let chunk: UInt64 = 10_000_000_000_000_000_000  // 10^19 fits in UInt64
    var high = high, low = low
    var chunks: [UInt64] = []
    repeat {
        let (qHigh, rHigh) = high.quotientAndRemainder(dividingBy: chunk)
        let (qLow, remainder) = chunk.dividingFullWidth((rHigh, low))
        high = qHigh
        low = qLow
        chunks.append(remainder)
    } while high != 0 || low != 0
    var text = String(chunks.removeLast())
    for part in chunks.reversed() {
        let digits = String(part)
        text += String(repeating: "0", count: 19 - digits.count) + digits
    }
    return text
}
