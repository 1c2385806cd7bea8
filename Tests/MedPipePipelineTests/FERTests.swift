import Foundation
import MedPipeCore
import MedPipeFormats
import Testing
import TestSupport
@testable import MedPipePipeline

/// FER2013's CSV layout (`format: fer-csv`) on the drawn fixture of tools/make-fixtures/fer.py, checked
/// against Python's csv module, and the course-E path end to end: convert, train fer-cnn, Grad-CAM.
@Suite struct FERTests {
    static let fixture = SharedData.fixture("fer/fer2013-mini.csv")

    @Test func readsEveryFaceAsPythonsCSVModuleDoes() throws {
        let data = try FERDataset.load(Self.fixture)
        let script = """
        import csv, json, sys
        rows = list(csv.DictReader(open(sys.argv[1], newline="")))
        print(json.dumps({"rows": [[int(r["emotion"]), r["Usage"], [int(v) for v in r["pixels"].split()]] for r in rows]}))
        """
        let reference = try #require(try ReferencePython.json(script, [Self.fixture])["rows"] as? [[Any]])
        try #require(data.faces.count == reference.count)
        #expect(data.faces.count == 140)
        for (face, row) in zip(data.faces, reference) {
            #expect(face.emotion == row[0] as? Int)
            #expect(FERDataset.usages[row[1] as? String ?? ""] == face.split)
            #expect(face.pixels.map(Int.init) == row[2] as? [Int], "line \(face.line)")
        }
        let records = data.records()
        #expect(records.allSatisfy { $0.tensor.shape == [48, 48] && $0.tensor.dtype == .uint8 })
        #expect(Set(records.compactMap(\.label)) == Set(FERDataset.classNames))
        let splits = Dictionary(grouping: data.faces, by: \.split).mapValues(\.count)
        #expect(splits == ["train": 98, "val": 21, "test": 21])
    }

    @Test func malformedRowsAreErrorsNamingTheLine() throws {
        let folder = temporaryDirectory("fer-bad")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let face = Array(repeating: "7", count: 48 * 48).joined(separator: " ")
        let cases = [
            ("short", "emotion,pixels,Usage\n3,\"\(face)\",Training\n3,\"\(face.dropLast(2))\",Training\n", ": line 3: 2303 pixels"),
            ("emotion", "emotion,pixels,Usage\n7,\"\(face)\",Training\n", ": line 2: emotion '7'"),
            ("usage", "emotion,pixels,Usage\n1,\"\(face)\",Validation\n", ": line 2: Usage 'Validation'"),
            ("value", "emotion,pixels,Usage\n1,\"256 \(face.dropFirst(2))\",PublicTest\n", "above 255"),
            ("header", "label,pixels,Usage\n1,\"\(face)\",PublicTest\n", "'emotion'"),
            // A pixel field longer than any face's (a 200 MB line took 630 MB and 25 s before "more than 2304 pixels"): refused
            // as the CSV is split, naming the line.
            ("long", "emotion,pixels,Usage\n3,\"\(face)\",Training\n3,\"\(String(repeating: "1 ", count: 100_000))\",Training\n",
             "long.csv: line 3: field 2 is longer than 9216 bytes, more than 48 × 48 grey levels of 0–255 separated by spaces can take"),
            ("long-unquoted", "emotion,pixels,Usage\n3,\(String(repeating: "255 ", count: 2305)),Training\n", "line 2: field 2 is longer than 9216 bytes"),
        ]
        for (name, text, expected) in cases {
            let path = folder + "/\(name).csv"
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            do {
                _ = try FERDataset.load(path)
                Issue.record("\(name): no error")
            } catch let error as MedPipeError {
                #expect(error.description.contains(expected), "\(name): \(error)")
                // The file is the subject, the line in the message: named "PATH:LINE", the convert summary told the path
                // twice ("PATH: PATH:2: more than 2304 pixels").
                #expect(error.subject == path && Converter.reason(error, path: path).hasPrefix("line "), "\(name): \(error)")
            }
        }
        // The longest face a row can hold, 2,304 values of three digits and single spaces, is read.
        let widest = folder + "/widest.csv"
        try "emotion,pixels,Usage\n3,\(Array(repeating: "255", count: 48 * 48).joined(separator: " ")) ,Training\n".write(toFile: widest, atomically: true, encoding: .utf8)
        #expect(try FERDataset.load(widest).faces.first?.pixels == Array(repeating: 255, count: 48 * 48))
    }

    /// convert → train fer-cnn briefly → gradcam: maps of 48 × 48 for 48 × 48 faces.
    @Test(.enabled(if: SharedData.medpipeBinary != nil, "needs the built medpipe"))
    func convertTrainAndExplainEndToEnd() throws {
        let folder = temporaryDirectory("fer-e2e")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let environment = ["MEDPIPE_KEY": folder + "/project.key"]
        func run(_ arguments: [String]) throws -> String {
            let result = try SharedData.runMedpipe(arguments, environment: environment)
            try #require(result.status == 0, "medpipe \(arguments.joined(separator: " ")): \(result.error)")
            return result.output
        }
        let cache = folder + "/cache", model = folder + "/fer.safetensors"
        _ = try run(["convert", SharedData.fixture("recipes/fer.yaml"), "--cache", cache])
        let dataset = try CacheDataset(directory: cache)
        #expect(dataset.classNames == FERDataset.classNames.sorted())
        #expect(dataset.sampleShape == [1, 48, 48])
        _ = try run(["train", "--cache", cache, "--model", "fer-cnn", "--epochs", "3", "--batch", "16", "--seed", "1",
                     "--threads", "2", "--out", model])
        let evaluation = try run(["evaluate", "--model", model, "--cache", cache, "--split", "test"])
        print("fer-cnn after 3 epochs on the drawn faces: \(evaluation.split(separator: "\n").first ?? "")")
        _ = try run(["gradcam", "--model", model, "--cache", cache, "--split", "test", "--limit", "4", "--out", folder + "/cam", "--threads", "2"])
        let overlays = try FileManager.default.contentsOfDirectory(atPath: folder + "/cam").filter { $0.hasSuffix(".png") }
        #expect(overlays.count == 4)
        // The maps, upsampled from the last convolution's 12×12 to the faces' 48×48, one row per face.
        #expect(try NPYReader().read(folder + "/cam/maps.npy").tensor.shape == [4, 48, 48])
        // Batches of one on two workers at once, and on one: the same maps and overlays, byte for byte.
        for threads in ["1", "2"] {
            _ = try run(["gradcam", "--model", model, "--cache", cache, "--split", "test", "--limit", "4", "--batch", "1",
                         "--out", folder + "/cam-threads-" + threads, "--threads", threads])
        }
        let written = try FileManager.default.contentsOfDirectory(atPath: folder + "/cam-threads-1").filter { $0.hasSuffix(".npy") || $0.hasSuffix(".png") }
        #expect(written.count == 5, "4 overlays and maps.npy: \(written)")
        #expect(Set(written) == Set(try FileManager.default.contentsOfDirectory(atPath: folder + "/cam-threads-2")).intersection(written))
        for name in written {
            #expect(FileManager.default.contents(atPath: folder + "/cam-threads-1/" + name) == FileManager.default.contents(atPath: folder + "/cam-threads-2/" + name), "\(name)")
        }

        // `predict` on the FER CSV, which it refused as a table the model was not trained on: each face predicted, its
        // emotion said, with the probabilities of the same faces given as PNG files.
        let faces = try FERDataset.load(SharedData.fixture("fer/fer2013-mini.csv")).records()
        let csv = try run(["predict", "--model", model, SharedData.fixture("fer/fer2013-mini.csv")]).split(separator: "\n")
        #expect(csv.count == faces.count && csv[0].contains("[image 0], annotated \(faces[0].label ?? ""): "), "\(csv.prefix(2))")
        for index in [0, faces.count - 1] {
            let png = folder + "/face-\(index).png"
            try PNGWriter().write(faces[index].tensor, to: png)
            let alone = try run(["predict", "--model", model, png]).split(separator: "\n")
            #expect(alone.count == 1 && csv[index].hasSuffix(String(alone[0].drop { $0 != ":" })), "\(csv[index])\n\(alone)")
        }
    }
}
