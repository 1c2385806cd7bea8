import MedPipeCore

/// A WFDB signal storage format (signal(5)).
public enum WFDBSignalFormat: Int, Sendable, CaseIterable {
    /// 8-bit first differences.
    case difference8 = 8
    /// 16-bit two's complement, little-endian.
    case int16 = 16
    /// 24-bit two's complement, little-endian.
    case int24 = 24
    /// 32-bit two's complement, little-endian.
    case int32 = 32
    /// 16-bit two's complement, big-endian.
    case int16BigEndian = 61
    /// 8-bit offset binary.
    case offset8 = 80
    /// 16-bit offset binary.
    case offset16 = 160
    /// Two 12-bit samples packed in three bytes.
    case packed212 = 212
    /// Three 10-bit samples packed in two 16-bit words.
    case packed310 = 310
    /// Three 10-bit samples packed in one 32-bit word.
    case packed311 = 311
    /// FLAC streams of up to 8, 16 and 24 bits per sample.
    case flac8 = 508, flac16 = 516, flac24 = 524

    /// The format named in a header, or `.unsupported` naming it.
    init(number: Int, file: String) throws {
        guard let format = WFDBSignalFormat(rawValue: number) else {
            if number == 0 { throw MedPipeError.unsupported(file, "format 0 (null signal) has no samples to read") }
            throw MedPipeError.unsupported(file, "WFDB signal format \(number) is not supported (known: 8, 16, 24, 32, 61, 80, 160, 212, 310, 311, 508, 516, 524)")
        }
        self = format
    }

    /// True for the FLAC formats, whose files are FLAC streams rather than raw samples.
    public var isFLAC: Bool { rawValue > 500 }

    /// The digital value that marks an invalid sample, or nil (format 8 has none), as wfdb-python defines it.
    public var invalidSample: Int32? {
        switch self {
        case .difference8: nil
        case .offset8, .flac8: -(1 << 7)
        case .packed310, .packed311: -(1 << 9)
        case .packed212: -(1 << 11)
        case .int16, .int16BigEndian, .offset16, .flac16: -(1 << 15)
        case .int24, .flac24: -(1 << 23)
        case .int32: Int32.min
        }
    }

    /// Bytes a reader must have to decode `count` samples from the start of a file
    /// (a partial last block counts only as far as its last needed byte, as wfdb-python reads).
    func bytesNeeded(samples count: Int) -> Int {
        switch self {
        case .difference8, .offset8: count
        case .int16, .int16BigEndian, .offset16: count * 2
        case .int24: count * 3
        case .int32: count * 4
        case .packed212: (count * 3 + 1) / 2
        case .packed310:
            // wfdb-python needs the whole 4-byte block when two samples of it are wanted.
            count % 3 == 2 ? (count / 3 + 1) * 4 : (count * 4 + 2) / 3
        case .packed311: (count * 4 + 2) / 3
        case .flac8, .flac16, .flac24: 0
        }
    }
}
