import Foundation
import Testing
import MedPipeCore
import MedPipeFormats
import MedPipeTrain
import TestSupport

/// Text taken from an input (a DICOM value, a WFDB signal description or comment, a NIfTI `descrip`, a file name, a
/// model's class names) reached standard output as it was: `ESC ] 0 ; … BEL` in it retitled the terminal, other
/// sequences rewrote what it showed, and a line break started a line of its own. Error and warning lines showed it as
/// `\u{1B}` already; normal output now does too, and JSON output stays valid JSON with no such scalar left raw.
@Suite(.enabled(if: SharedData.medpipeBinary != nil && SharedData.isAvailable, "needs the built medpipe binary and ../shared/data"))
struct VisibleOutputTests {
    /// What retitles a terminal, then a line break.
    private static let retitle = "\u{1B}]0;pwned\u{07}"

    /// Expects `text` to hold no scalar that drives a terminal or breaks a line, but the line breaks that end its lines.
    private func expectVisible(_ text: String, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let raw = text.unicodeScalars.filter { $0.isControlOrLineBreak && $0 != "\n" }
        #expect(raw.isEmpty, "\(what) holds raw \(raw.map { String(format: "U+%04X", $0.value) }): \(text.debugDescription)", sourceLocation: sourceLocation)
    }

    /// Each line of `output` as a JSON object.
    private func jsonLines(_ output: String) throws -> [[String: Any]] {
        try output.split(separator: "\n").map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any], "\($0)") }
    }

    @Test func inspectShowsValuesAndNamesAsText() throws {
        let work = temporaryDirectory("visible-inspect")
        defer { try? FileManager.default.removeItem(atPath: work) }
        // A NIfTI file whose name and description hold escapes, a C1 control (CSI) and a line break.
        let nifti = work + "/scan\(Self.retitle).nii", descrip = "T1\u{1B}[2J\u{9B}31m\nnext"
        try CraftedNIfTI.write(to: nifti, descrip: descrip)
        // A WFDB record whose signal description and comment hold them.
        try "rec 1 360 10\nrec.dat 16 200 16 0 0 0 0 MLII\(Self.retitle)\n# age \u{1B}[2J\u{7F}\n"
            .write(toFile: work + "/rec.hea", atomically: true, encoding: .utf8)
        try Data((0..<10).flatMap { [UInt8($0), 0] }).write(to: URL(fileURLWithPath: work + "/rec.dat"))
        // A DICOM file whose Modality holds them.
        let dicom = try DICOMFile(wholeFileAt: SharedData.path("dicom/pydicom_subset/CT_small.dcm"))
        try dicom.replace("(0008,0060)", "CT\(Self.retitle)\nX")
        _ = try dicom.save(to: work + "/ct.dcm")
        let inputs = [nifti, work + "/rec.hea", work + "/ct.dcm"]

        let text = try SharedData.runMedpipe(["inspect"] + inputs)
        #expect(text.status == 0, "\(text.error)")
        expectVisible(text.output, "inspect's text")
        let lines = Set(text.output.split(separator: "\n").map(String.init))
        for line in ["\(work)/scan\\u{1B}]0;pwned\\u{7}.nii", "  descrip: T1\\u{1B}[2J\\u{9B}31m\\u{A}next",
                     "  signalNames: MLII\\u{1B}]0;pwned\\u{7}", "  comments: age \\u{1B}[2J\\u{7F}", "  Modality: CT\\u{1B}]0;pwned\\u{7}\\u{A}X"] {
            #expect(lines.contains(line), "\(line.debugDescription) in \(text.output)")
        }

        let json = try SharedData.runMedpipe(["inspect", "--json"] + inputs)
        #expect(json.status == 0, "\(json.error)")
        expectVisible(json.output, "inspect's JSON")
        let objects = try jsonLines(json.output)
        try #require(objects.count == 3)
        #expect(objects[0]["source"] as? String == nifti)
        #expect((objects[0]["metadata"] as? [String: Any])?["descrip"] as? String == descrip)
        #expect((objects[1]["metadata"] as? [String: Any])?["signalNames"] as? [String] == ["MLII\(Self.retitle)"])
        #expect((objects[1]["metadata"] as? [String: Any])?["comments"] as? [String] == ["age \u{1B}[2J\u{7F}"])
        #expect((objects[2]["metadata"] as? [String: Any])?["Modality"] as? String == "CT\(Self.retitle)\nX")
    }

    /// A model whose class names hold escapes (its metadata edited): `inspect` lists them, `predict --npy` names them.
    @Test func classNamesOfAModelAreShownAsText() throws {
        let work = temporaryDirectory("visible-classes")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let trained = try HeartModel.train(in: work, model: "trained.safetensors").model, model = work + "/m.safetensors"
        var (tensors, metadata) = try SafeTensors.read(trained)
        let names = ["healthy\(Self.retitle)", "ill\u{2028}\u{85}"]
        metadata["class_names"] = String(decoding: try JSONSerialization.data(withJSONObject: names), as: UTF8.self)
        try SafeTensors.write(tensors.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, metadata: metadata, to: model)
        tensors = [:]

        let text = try SharedData.runMedpipe(["inspect", model])
        #expect(text.status == 0, "\(text.error)")
        expectVisible(text.output, "inspect's text")
        #expect(text.output.contains("  classes:  healthy\\u{1B}]0;pwned\\u{7}, ill\\u{2028}\\u{85}\n"), "\(text.output)")
        let json = try SharedData.runMedpipe(["inspect", "--json", model])
        expectVisible(json.output, "inspect's JSON")
        #expect(try jsonLines(json.output).first?["classes"] as? [String] == names)

        let batch = work + "/x.npy"
        try NPYWriter.write(Tensor(shape: [2, 13], values: [Float](repeating: 0.5, count: 26)), to: batch)
        let predicted = try SharedData.runMedpipe(["predict", "--model", model, "--npy", batch, "--out", work + "/y.npy"])
        #expect(predicted.status == 0, "\(predicted.error)")
        expectVisible(predicted.output, "predict's line")
        #expect(predicted.output.hasSuffix("for classes healthy\\u{1B}]0;pwned\\u{7}, ill\\u{2028}\\u{85}\n"), "\(predicted.output)")
    }

    /// `convert`'s summary and its `--list-rejected` file list a rejected input by its path, which holds escapes (the file
    /// listed it over two lines).
    @Test func aRejectedInputIsListedAsText() throws {
        let work = temporaryDirectory("visible-rejected")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let images = work + "/images"
        for (index, folder) in ["a", "b"].enumerated() {
            try FileManager.default.createDirectory(atPath: images + "/" + folder, withIntermediateDirectories: true)
            for name in try FileManager.default.contentsOfDirectory(atPath: SharedData.fixture("demo/images/left")).sorted().prefix(4 + index) {
                try FileManager.default.copyItem(atPath: SharedData.fixture("demo/images/left/" + name), toPath: images + "/\(folder)/" + name)
            }
        }
        let bad = images + "/a/bad\(Self.retitle)\nname.png"
        try "not a PNG".write(toFile: bad, atomically: false, encoding: .utf8)
        try """
        name: visible
        sources:
          - path: \(images)
            format: png-folder
            label: dataset
        stages:
          - minmax: {}
        split: { by: patient, ratios: { train: 0.6, val: 0.2, test: 0.2 }, seed: 1 }
        """.write(toFile: work + "/recipe.yaml", atomically: true, encoding: .utf8)
        let convert = try SharedData.runMedpipe(["convert", work + "/recipe.yaml", "--cache", work + "/cache", "--key", work + "/project.key",
                                                 "--list-rejected", work + "/rejected.txt"])
        #expect(convert.status == 1, "\(convert.error)")
        expectVisible(convert.output, "convert's summary")
        expectVisible(convert.error, "convert's error")
        #expect(convert.output.contains("  rejected: \(images)/a/bad\\u{1B}]0;pwned\\u{7}\\u{A}name.png: "), "\(convert.output)")
        let list = try String(contentsOfFile: work + "/rejected.txt", encoding: .utf8)
        expectVisible(list, "the --list-rejected file")
        #expect(list.split(separator: "\n").count == 1 && list.hasPrefix("\(images)/a/bad\\u{1B}]0;pwned\\u{7}\\u{A}name.png: "), "\(list)")
    }

    /// A cache whose labels and rejected input were edited to hold escapes (convert refuses such labels): `cache info`
    /// counts them, `train` names the classes, `evaluate` lists them.
    @Test(.enabled(if: ReferencePython.available("sqlite3"), "needs python3"))
    func labelsOfACraftedCacheAreShownAsText() throws {
        let work = temporaryDirectory("visible-labels")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let cache = work + "/heart", label = "ill\(Self.retitle)\nz"
        #expect(try SharedData.runMedpipe(["convert", SharedData.fixture("recipes/heart.yaml"), "--cache", cache, "--key", work + "/project.key"]).status == 0)
        let edit = try ReferencePython.run("""
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1])
            db.execute("update entry set label = ? where label = (select max(label) from entry)", (sys.argv[2],))
            db.execute("insert into unit (key, source, item_count, rejected_reason) values ('k', ?, 0, ?)", (sys.argv[2], sys.argv[2]))
            db.commit()
            """, [cache + "/manifest.sqlite", label])
        try #require(edit.status == 0, "\(edit.output)")
        let shown = "ill\\u{1B}]0;pwned\\u{7}\\u{A}z"

        let info = try SharedData.runMedpipe(["cache", "info", cache])
        #expect(info.status == 0, "\(info.error)")
        expectVisible(info.output, "cache info")
        #expect(info.output.contains(" \(shown) ") && info.output.contains("    \(shown): \(shown)\n"), "\(info.output)")
        let infoJSON = try SharedData.runMedpipe(["cache", "info", "--json", cache])
        expectVisible(infoJSON.output, "cache info's JSON")
        #expect((try jsonLines(infoJSON.output).first?["rejected"] as? [[String: String]])?.first == ["source": label, "reason": label])

        let model = work + "/m.safetensors"
        let train = try SharedData.runMedpipe(["train", "--cache", cache, "--model", "heart-mlp", "--epochs", "1", "--out", model])
        #expect(train.status == 0, "\(train.error)")
        expectVisible(train.output, "train's log")
        #expect(train.output.contains(", \(shown)), input"), "\(train.output)")
        let evaluate = try SharedData.runMedpipe(["evaluate", "--model", model, "--cache", cache])
        #expect(evaluate.status == 0, "\(evaluate.error)")
        expectVisible(evaluate.output, "evaluate's report")
        #expect(evaluate.output.split(separator: "\n").contains { $0.hasPrefix("  \(shown) ") }, "\(evaluate.output)")
        let evaluateJSON = try SharedData.runMedpipe(["evaluate", "--json", "--model", model, "--cache", cache])
        expectVisible(evaluateJSON.output, "evaluate's JSON")
        let classes = (try jsonLines(evaluateJSON.output).first?["perClass"] as? [[String: Any]])?.compactMap { $0["name"] as? String }
        #expect(classes?.contains(label) == true, "\(evaluateJSON.output)")
    }
}
