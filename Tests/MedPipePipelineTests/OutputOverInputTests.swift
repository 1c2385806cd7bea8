import Foundation
import Testing
import MedPipeCore
import MedPipeFormats
import TestSupport

/// An output path that names one of the command's own inputs is refused before any work, in one line naming the
/// output: `train --out CACHE/manifest.sqlite` trained, then wrote the model over the cache's manifest; `predict
/// --out` = `--model` replaced the model with its own logits; `anonymize --report` = an input CSV replaced the patient
/// data with the report.
@Suite(.enabled(if: SharedData.medpipeBinary != nil && SharedData.isAvailable, "needs the built medpipe binary and ../shared/data"))
struct OutputOverInputTests {
    /// The refusal for `output`, with what it says of the input.
    private func expectRefused(_ arguments: [String], output: String, _ problem: String = "is also an input (", sourceLocation: SourceLocation = #_sourceLocation) throws {
        let run = try SharedData.runMedpipe(arguments)
        #expect(run.status == 1 && run.error.hasPrefix("medpipe: error: \(output): \(problem)"), "\(arguments): \(run.error)", sourceLocation: sourceLocation)
        #expect(run.error.split(separator: "\n").count == 1 && run.output.isEmpty, "\(arguments): \(run.output)", sourceLocation: sourceLocation)
    }

    /// The bytes of every file below `folder` (or of the file), to see that nothing was written over.
    private func contents(_ path: String) throws -> [String: Data] {
        guard FileBytes.isRegularFile(path) else {
            return try Dictionary(uniqueKeysWithValues: FolderWalk(path).files.map { ($0, try Data(contentsOf: URL(fileURLWithPath: $0))) })
        }
        return [path: try Data(contentsOf: URL(fileURLWithPath: path))]
    }

    @Test func aModelOrMetricsOverTheCacheOrTheModelSpecIsRefused() throws {
        let work = temporaryDirectory("out-over-in-train")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let cache = work + "/heart"
        #expect(try SharedData.runMedpipe(["convert", SharedData.fixture("recipes/heart.yaml"), "--cache", cache, "--key", work + "/project.key"]).status == 0)
        let recipe = work + "/heart.yaml"
        try SharedData.fixtureRecipe("heart.yaml").write(toFile: recipe, atomically: true, encoding: .utf8)
        try expectRefused(["convert", recipe, "--cache", work + "/new", "--list-rejected", recipe], output: recipe, "is also an input (the recipe \(recipe))")
        try expectRefused(["convert", recipe, "--cache", cache, "--fit-from", cache], output: cache, "is also an input (--fit-from \(cache))")
        let spec = work + "/mlp.yaml"
        try "- { type: Linear, in_features: 13, out_features: 2 }\n".write(toFile: spec, atomically: true, encoding: .utf8)
        #expect(symlink(cache + "/manifest.sqlite", work + "/link.safetensors") == 0)
        let before = try contents(cache), specBefore = try contents(spec)
        let train = ["train", "--cache", cache, "--epochs", "1"]
        for out in [cache + "/manifest.sqlite", cache, cache + "/shards/new.safetensors", work + "/link.safetensors"] {
            try expectRefused(train + ["--model", "heart-mlp", "--out", out], output: out)
            try expectRefused(train + ["--model", "heart-mlp", "--out", work + "/m.safetensors", "--metrics", out], output: out)
        }
        try expectRefused(train + ["--model", spec, "--out", spec], output: spec, "is also an input (--model \(spec))")
        try expectRefused(train + ["--model", "heart-mlp", "--out", work + "/m.safetensors", "--metrics", work + "/./m.safetensors"], output: work + "/./m.safetensors",
                          "is given to both --out and --metrics")
        #expect(try contents(cache) == before && contents(spec) == specBefore)
        // A path beside the cache is no input.
        #expect(try SharedData.runMedpipe(train + ["--model", "heart-mlp", "--out", work + "/m.safetensors", "--metrics", work + "/m.jsonl"]).status == 0)

        let model = work + "/m.safetensors", modelBefore = try contents(model)
        try expectRefused(["report", "--cache", cache, "--model", model, "--metrics", work + "/m.jsonl", "--out", work + "/m.jsonl"], output: work + "/m.jsonl")
        try expectRefused(["gradcam", "--model", model, "--cache", cache, "--out", cache + "/cam"], output: cache + "/cam", "is also an input (it lies in the cache \(cache))")
        for out in [cache, work] {
            try expectRefused(["export", "--cache", cache, "--format", "csv", "--out", out], output: out)
        }
        let batch = work + "/x.npy"
        try NPYWriter.write(Tensor(shape: [2, 13], values: [Float](repeating: 0.5, count: 26)), to: batch)
        let batchBefore = try contents(batch)
        for out in [model, batch] {
            try expectRefused(["predict", "--model", model, "--npy", batch, "--out", out], output: out)
        }
        #expect(try contents(model) == modelBefore && contents(batch) == batchBefore && contents(cache) == before)
        // A record's signal file is read too, though only its header is named.
        for name in ["100.hea", "100.dat"] { try FileManager.default.copyItem(atPath: SharedData.path("wfdb/" + name), toPath: work + "/" + name) }
        let signalBefore = try contents(work + "/100.dat")
        try expectRefused(["predict", "--model", model, work + "/100.hea", "--out", work + "/100.dat"], output: work + "/100.dat")
        #expect(try contents(work + "/100.dat") == signalBefore)
    }

    @Test func aReportOverAnInputOrTheOutputFolderIsRefused() throws {
        let work = temporaryDirectory("out-over-in-anonymize")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let csv = work + "/visits/heart.csv"
        try FileManager.default.createDirectory(atPath: work + "/visits", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: SharedData.root + "/tabular/heart.csv", toPath: csv)
        try "read as an input, and passed over\n".write(toFile: work + "/visits/notes.txt", atomically: true, encoding: .utf8)
        try Data(repeating: 7, count: 32).write(to: URL(fileURLWithPath: work + "/project.key"))
        #expect(chmod(work + "/project.key", 0o600) == 0)
        let before = try contents(work + "/visits")
        let anonymize = ["anonymize", work + "/visits", "--key", work + "/project.key", "--keep-columns", "age", "--out", work + "/anon"]
        for report in [csv, work + "/visits/notes.txt", work + "/project.key"] {
            try expectRefused(anonymize + ["--report", report], output: report)
        }
        try expectRefused(anonymize + ["--report", work + "/anon"], output: work + "/anon", "is given to both --out and --report")
        try expectRefused(anonymize + ["--report", work + "/r.json", "--list-withheld", work + "/visits/../visits/heart.csv"], output: work + "/visits/../visits/heart.csv")
        #expect(try contents(work + "/visits") == before)
        // A new file in an input folder is no input; nor, in --out inside the input folder (left out of the inputs), is
        // the report of an earlier run.
        for _ in 0..<2 {
            let inside = ["anonymize", work + "/visits", "--key", work + "/project.key", "--keep-columns", "age", "--out", work + "/visits/anon"]
            let run = try SharedData.runMedpipe(inside + ["--report", work + "/visits/anon/report.json"])
            #expect(run.status == 0, "\(run.error)")
        }
        let beside = try SharedData.runMedpipe(anonymize + ["--report", work + "/visits/report.json"])
        #expect(beside.status == 0, "\(beside.error)")
    }
}
