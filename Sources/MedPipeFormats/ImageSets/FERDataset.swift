import Foundation
import MedPipeCore

/// The FER2013 facial-expression layout (`format: fer-csv`): a CSV with a header naming the columns
/// `emotion` (0–6), `pixels` (48 × 48 grey levels 0–255, space-separated, row by row) and `Usage`
/// (`Training`, `PublicTest`, `PrivateTest`: the train, validation and test splits), in any order.
public struct FERDataset: Sendable {
    /// FER2013's classes by emotion code.
    public static let classNames = ["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"]
    /// Image side in pixels.
    public static let side = 48
    /// `Usage` values and the splits they name.
    public static let usages = ["Training": "train", "PublicTest": "val", "PrivateTest": "test"]

    /// One face: its grey levels (row-major, 48 × 48), emotion code, split and the CSV line it came from.
    public struct Face: Sendable {
        public var pixels: [UInt8]
        public var emotion: Int
        public var split: String
        public var line: Int
    }

    public let faces: [Face]
    public let source: String

    /// The longest field a face's row may hold: 48 × 48 grey levels of at most three digits, each followed by a space.
    /// A longer one (a 200 MB line) is refused as the CSV is split, before it is copied (it took 630 MB and 25 s).
    static let maximumFieldBytes = side * side * 4

    /// Whether the file at `path` opens with FER2013's header (`emotion`, `pixels` and `Usage` among its fields), as a
    /// table given to `predict` is told from a face set.
    public static func isFERLayout(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: 4096)) ?? Data()
        let line = String(decoding: head.prefix { $0 != 0x0A && $0 != 0x0D }, as: UTF8.self)
        let fields = Set(line.split(separator: ",").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: " \t\"\u{FEFF}")) })
        return fields.isSuperset(of: ["emotion", "pixels", "Usage"])
    }

    /// Reads and checks every row: a field longer than 48 × 48 grey levels can be, an unknown emotion, a pixel count
    /// other than 2,304, a value outside 0–255 or an unknown `Usage` is an error naming the line.
    public static func load(_ path: String) throws -> FERDataset {
        let limit = CSVParser.FieldLimit(bytes: maximumFieldBytes, reason: "more than \(side) × \(side) grey levels of 0–255 separated by spaces can take")
        let rows = try CSVParser(source: path, delimiter: UInt8(ascii: ","), fieldLimit: limit).rows(try FileBytes.read(path))
        guard let header = rows.first else { throw MedPipeError.malformed(path, "empty file: a FER2013 CSV starts with the header emotion,pixels,Usage") }
        func column(_ name: String) throws -> Int {
            guard let index = header.fields.firstIndex(where: { $0.trimmingSpaces == name }) else {
                throw MedPipeError.malformed(path, "line \(header.line): the header \(header.fields) lacks the FER2013 column '\(name)' (emotion, pixels, Usage)")
            }
            return index
        }
        let (emotionColumn, pixelColumn, usageColumn) = (try column("emotion"), try column("pixels"), try column("Usage"))
        let faces = try rows.dropFirst().map { row -> Face in
            let line = row.line
            guard row.fields.count == header.fields.count else {
                throw MedPipeError.malformed(path, "line \(line): \(row.fields.count) fields where the header has \(header.fields.count)")
            }
            guard let emotion = Int(row.fields[emotionColumn].trimmingSpaces), classNames.indices.contains(emotion) else {
                throw MedPipeError.malformed(path, "line \(line): emotion '\(row.fields[emotionColumn])' is not a code 0–6")
            }
            let usage = row.fields[usageColumn].trimmingSpaces
            guard let split = usages[usage] else {
                throw MedPipeError.malformed(path, "line \(line): Usage '\(usage)' is not Training, PublicTest or PrivateTest")
            }
            return Face(pixels: try greyLevels(row.fields[pixelColumn], path: path, line: line), emotion: emotion, split: split, line: row.line)
        }
        guard !faces.isEmpty else { throw MedPipeError.malformed(path, "no faces after the header") }
        return FERDataset(faces: faces, source: path)
    }

    /// Exactly 48 × 48 whole numbers 0–255 separated by spaces.
    private static func greyLevels(_ text: String, path: String, line: Int) throws -> [UInt8] {
        var pixels: [UInt8] = []
        pixels.reserveCapacity(side * side)
        var value = 0, digits = 0
        func end() throws {
            guard digits > 0 else { return }
            guard value <= 255 else { throw MedPipeError.malformed(path, "line \(line): pixel \(pixels.count) is \(value), above 255") }
            guard pixels.count < side * side else { throw MedPipeError.malformed(path, "line \(line): more than \(side * side) pixels") }
            pixels.append(UInt8(value))
            value = 0; digits = 0
        }
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
                digits += 1
                guard digits <= 3 else { throw MedPipeError.malformed(path, "line \(line): pixel \(pixels.count) has more than 3 digits") }
            case UInt8(ascii: " "), UInt8(ascii: "\t"):
                try end()
            default:
                throw MedPipeError.malformed(path, "line \(line): pixels must be whole numbers separated by spaces, found '\(Character(Unicode.Scalar(byte)))'")
            }
        }
        try end()
        guard pixels.count == side * side else {
            throw MedPipeError.malformed(path, "line \(line): \(pixels.count) pixels where a 48 × 48 face has \(side * side)")
        }
        return pixels
    }

    /// One record per face (format `fer-csv`): tensor uint8 `(48, 48)`, `label` the class name,
    /// metadata `split` and `index` (the face's row, from 0).
    public func records() -> [Record] {
        faces.enumerated().map { index, face in
            Record(source: source, format: FormatKind.ferCSV.rawValue,
                   tensor: Tensor(shape: [Self.side, Self.side], dtype: .uint8, bytes: face.pixels),
                   metadata: ["split": .string(face.split), "index": .int(index)], label: Self.classNames[face.emotion])
        }
    }
}
