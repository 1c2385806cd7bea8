import Foundation
import Testing
import TestSupport

/// `predict --out`'s CSV read back by Python's `csv` module.
@Suite(.enabled(if: SharedData.medpipeBinary != nil && ReferencePython.available("csv"), "needs the built medpipe binary and python3"))
struct PredictCSVTests {
    /// A class name holding a comma or a quote (a sidecar's 'left, mostly') went into the header's p_ column unquoted:
    /// the header had one more column than the rows, so every probability sat under the next class's name.
    @Test func classNamesInTheHeaderAreQuoted() throws {
        let work = temporaryDirectory("predict-csv")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let images = SharedData.fixture("demo/images")
        var table = "file,diagnosis\n"
        for (folder, label) in [("left", "\"left, mostly\""), ("right", "\"the \"\"right\"\" one\"")] {
            for name in try FileManager.default.contentsOfDirectory(atPath: images + "/" + folder) { table += "\(name),\(label)\n" }
        }
        try table.write(toFile: work + "/labels.csv", atomically: true, encoding: .utf8)
        try """
        name: quoted-classes
        sources:
          - path: \(images)
            format: png-folder
            label: { sidecar: labels.csv, key: file, label: diagnosis }
        stages:
          - minmax: {}
        split: { by: patient, ratios: { train: 0.6, val: 0.2, test: 0.2 }, seed: 1 }
        """.write(toFile: work + "/recipe.yaml", atomically: true, encoding: .utf8)
        let environment = ["MEDPIPE_KEY": work + "/project.key"]
        for arguments in [["convert", work + "/recipe.yaml", "--cache", work + "/cache"],
                          ["train", "--cache", work + "/cache", "--model", "mnist-cnn", "--epochs", "1", "--out", work + "/m.safetensors"],
                          ["predict", "--model", work + "/m.safetensors", images + "/left/000.png", images + "/right/001.png", "--out", work + "/p.csv"]] {
            let run = try SharedData.runMedpipe(arguments, environment: environment)
            try #require(run.status == 0, "\(arguments[0]): \(run.error)")
        }
        let read = try ReferencePython.json("""
            import csv, json, sys
            rows = list(csv.reader(open(sys.argv[1], newline="")))
            print(json.dumps({"header": rows[0], "widths": [len(row) for row in rows]}))
            """, [work + "/p.csv"])
        #expect(read["header"] as? [String] == ["input", "part", "index", "r_peak_seconds", "annotated", "predicted", "p_left, mostly", "p_the \"right\" one"])
        #expect(read["widths"] as? [Int] == [8, 8, 8])
    }
}
