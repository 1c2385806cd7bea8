import Foundation
import Testing
import MedPipeCore
import MedPipeFormats
@testable import MedPipePipeline
import MedPipeStages
import TestSupport

@Suite(.enabled(if: SharedData.isAvailable, "needs ../shared/data"))
struct PreprocessingTests {
    /// A stage's error while `predict` prepares a raw input names the input first, as every error does
    /// (`FILE: leads: problem`); it began with the stage's name (`leads: FILE: problem`).
    @Test func aStageErrorNamesTheInputFirst() throws {
        let record = SharedData.path("wfdb/100.hea")
        let preprocessing = Preprocessing(pipeline: StagePipeline([.leads(try SelectLeads(names: ["V1"]))]), fitted: FittedPipeline(entries: []))
        #expect(throws: MedPipeError.invalidArgument(record, "leads: no lead named V1 (the record has MLII, V5)")) {
            _ = try preprocessing.prepare(record) { _ in }
        }
    }

    /// `predict` on a folder of DICOM series prepares and predicts one series at a time: each series' samples reach
    /// `body` before the next series is read, so that an archive needs the memory of one series, not of all of them.
    @Test func aFolderOfSeriesIsPreparedOneSeriesAtATime() throws {
        let root = temporaryDirectory("predict-archive")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let original = SharedData.path("dicom/mr_series/In")
        for (patient, slices) in [("a", 3), ("b", 4)] {
            let folder = root + "/patient-\(patient)/series"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            for name in try FileManager.default.contentsOfDirectory(atPath: original).sorted().prefix(slices) {
                let file = try DICOMFile(path: original + "/" + name)
                try file.replace("(0020,000E)", "1.2.826.0.1.3680043.10.1424.\(slices)")   // a series of its own
                try file.save(to: folder + "/" + name)
            }
        }
        let preprocessing = Preprocessing(pipeline: StagePipeline([]), fitted: FittedPipeline(entries: []))
        var calls: [[[Int]]] = []
        _ = try preprocessing.prepare(root) { prepared in calls.append(prepared.map(\.shape)) }
        #expect(calls.count == 2 && calls.allSatisfy { $0.count == 1 }, "\(calls)")
        let shapes: Set<[Int]> = Set(calls.joined().map { (shape: [Int]) -> [Int] in shape.filter { $0 != 1 } })
        #expect(shapes == [[3, 256, 256], [4, 256, 256]], "\(calls)")
    }

    /// Odd records given by a relative path, as a user types them: an annotation file that is damaged is named alone
    /// (it was told after the input, `100.hea: 100.atr: ...`), and a record of no samples is said to hold none (it was a
    /// filter's "bandpass: 100.hea: a signal of 0 samples is too short for this filter", naming the input twice).
    @Test func oddRecordsAreToldInOneLineNamingTheirFile() throws {
        let folder = temporaryDirectory("predict-odd")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        for ext in ["hea", "dat"] { try FileManager.default.copyItem(atPath: SharedData.path("wfdb/100.\(ext)"), toPath: folder + "/100.\(ext)") }
        try Data([0x12, 0x34, 0xFF, 0xFC, 200, 0]).write(to: URL(fileURLWithPath: folder + "/100.atr"))
        try "empty 2 360 0\nempty.dat 212 200 11 1024 995 -22131 0 MLII\nempty.dat 212 200 11 1024 1011 20052 0 V5\n".write(toFile: folder + "/empty.hea", atomically: true, encoding: .utf8)
        _ = FileManager.default.createFile(atPath: folder + "/empty.dat", contents: Data())
        // The folder as a path relative to the working folder.
        let depth = FileManager.default.currentDirectoryPath.split(separator: "/").count
        let relative = String(repeating: "../", count: depth) + folder.dropFirst()
        let preprocessing = Preprocessing(pipeline: StagePipeline([.leads(try SelectLeads(names: ["MLII"])), .bandPass(try BandPass(low: 0.5, high: 40))]),
                                          fitted: FittedPipeline(entries: []))
        let damaged = try #require(throws: MedPipeError.self) { _ = try preprocessing.prepare(relative + "/100.hea") { _ in } }
        #expect(damaged.subject == relative + "/100.atr", "\(damaged)")
        #expect(throws: MedPipeError.malformed(relative + "/empty.hea", "holds no values (shape [0, 2]): nothing to predict")) {
            _ = try preprocessing.prepare(relative + "/empty.hea") { _ in }
        }
    }

    /// An error that names a file of a relative input's folder (`./1003.dat`, which the WFDB reader names beside
    /// `1003.hea`) stays as it is; it was prefixed with the input as if it named no file (`1003.hea: ./1003.dat: ...`).
    /// A stage's error is still prefixed, though its name would be a file's in the working folder.
    @Test func relativeInputsKeepErrorsThatNameTheirFiles() throws {
        let missing = MedPipeError.io("./1003.dat", "signal file named by 1003.hea does not exist")
        #expect(Converter.naming("1003.hea", missing) == missing)
        #expect(Converter.naming("records/1003.hea", MedPipeError.io("records/./1003.dat", "x")) == MedPipeError.io("records/./1003.dat", "x"))
        #expect(Converter.naming("1003.hea", MedPipeError.invalidArgument("bandpass", "1003.hea: too slow")) == MedPipeError.invalidArgument("1003.hea", "bandpass: too slow"))
        // A file of the working folder named without a folder (the annotation reader's `1003.atr`) is a file of the input's.
        if let file = try FileManager.default.contentsOfDirectory(atPath: ".").first(where: { !$0.contains(":") && FileBytes.isRegularFile($0) }) {
            #expect(Converter.naming("record.hea", MedPipeError.malformed(file, "damaged")) == MedPipeError.malformed(file, "damaged"))
        }
    }
}
