import Foundation
import TestSupport

/// Expected values computed by tools/reference/wfdb.py with wfdb-python (Tests/Reference/wfdb.json).
struct WFDBReference: Decodable {
    struct RecordEntry: Decodable {
        var key: String
        var digital: Bool
        var shape: [Int]
        var fs: Double
        var sig_name: [String]
        var units: [String?]
        var adc_gain: [Double?]
        var baseline: [Int?]
        var fmt: [String?]
        var samps_per_frame: [Int]
        var comments: [String]
        var digital_sum: [Int64]
        var digital_min: [Int64]
        var digital_max: [Int64]
        var digital_checksum: String
        var rows: [Int]
        var digital_rows: [[Int64]]
        var physical_nan: [Int]
        var physical_sum: [Double]
        var physical_min: [Double?]
        var physical_max: [Double?]
        var physical_rows: [[Double?]]
    }

    struct AnnotationEntry: Decodable {
        var record: String
        var `extension`: String
        var fs: Double?
        var sample: [Int]
        var symbol: [String]
        var subtype: [Int]
        var chan: [Int]
        var num: [Int]
        var aux: [String]
    }

    var wfdb_version: String
    var p878_head: String
    var p878_files: [String]
    var records: [RecordEntry]
    var failures: [String: String]
    var annotations: [AnnotationEntry]

    static let shared: WFDBReference = {
        let path = SharedData.projectRoot + "/Tests/Reference/wfdb.json"
        do {
            return try JSONDecoder().decode(WFDBReference.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            fatalError("cannot load \(path): \(error)")
        }
    }()

    static var recordKeys: [String] { shared.records.map(\.key) }
    static var annotationKeys: [String] { shared.annotations.map { "\($0.record).\($0.extension)" } }

    static func record(_ key: String) -> RecordEntry { shared.records.first { $0.key == key }! }

    /// A temporary folder holding the first segments of p000878 (symbolic links) and a header that
    /// stops after them, exactly as the reference script built it.
    static func makeP878Head() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("wfdb-p878-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for file in shared.p878_files {
            try FileManager.default.createSymbolicLink(atPath: dir + "/" + file, withDestinationPath: SharedData.path("wfdb/multi-segment/p000878/" + file))
        }
        try shared.p878_head.write(toFile: dir + "/p878head.hea", atomically: true, encoding: .ascii)
        return dir + "/p878head"
    }

    /// Frames of ``writeTiledRecord100(in:)``'s record.
    static let tiledFrames = 3 * 650000 - 1

    /// Writes record 100 three times over in one signal file, one frame short (3.9 M samples), as `tiled` in
    /// `folder`; returns its header's path. Each whole copy holds record 100's values (``record(_:)`` "100").
    static func writeTiledRecord100(in folder: String) throws -> String {
        let signal = try Data(contentsOf: URL(fileURLWithPath: SharedData.path("wfdb/100.dat")))
        try (signal + signal + signal).write(to: URL(fileURLWithPath: folder + "/tiled.dat"))
        try "tiled 2 360 \(tiledFrames)\ntiled.dat 212 200 11 1024 995 -22131 0 MLII\ntiled.dat 212 200 11 1024 1011 20052 0 V5\n"
            .write(toFile: folder + "/tiled.hea", atomically: true, encoding: .ascii)
        return folder + "/tiled.hea"
    }

    /// The path a reference key stands for.
    static func path(_ key: String) throws -> String {
        key == "p878head" ? try makeP878Head() : SharedData.path("wfdb/" + key)
    }
}
