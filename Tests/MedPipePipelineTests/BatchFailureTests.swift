import Foundation
import Testing
import MedPipeCache
import TestSupport

/// `convert` and `anonymize` over a folder holding corrupt and unsupported files: each bad file is
/// reported with its path and reason, the others are processed, and the exit status is 1; with
/// `--strict` the run stops at the first bad file. Run through the `medpipe` binary.
@Suite(.enabled(if: SharedData.medpipeBinary != nil, "needs the built medpipe binary"))
struct BatchFailureTests {
    /// Two good images and three bad ones in two class folders; returns the bad files' paths with a
    /// word their reason must hold.
    private func images(in work: String) throws -> [(path: String, reason: String)] {
        for folder in ["a", "b"] { try FileManager.default.createDirectory(atPath: "\(work)/images/\(folder)", withIntermediateDirectories: true) }
        try CraftedNIfTI.write(to: work + "/images/a/1-good.nii", descrip: "Doe^Jane")
        try CraftedNIfTI.write(to: work + "/images/b/1-good.nii", first: 7)
        var truncated = CraftedNIfTI.bytes(dims: [8, 8, 8])
        truncated.removeLast(100)
        try Data(truncated).write(to: URL(fileURLWithPath: work + "/images/a/2-truncated.nii"))
        try CraftedNIfTI.write(to: work + "/images/b/2-complex.nii", datatype: 32)
        try CraftedNIfTI.write(to: work + "/images/b/3-nan-offset.nii", voxOffset: .nan)
        return [(work + "/images/a/2-truncated.nii", "vox_offset"), (work + "/images/b/2-complex.nii", "datatype 32"),
                (work + "/images/b/3-nan-offset.nii", "vox_offset")]
    }

    private func recipe(in work: String) throws -> String {
        let path = work + "/recipe.yaml"
        try """
        name: batch
        sources:
          - path: images/*/*.nii
            label: folder
        split: { by: patient, ratios: { train: 1.0 } }
        """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    private func errorLines(_ text: String) -> [Substring] {
        text.split(separator: "\n").filter { $0.hasPrefix("medpipe: error: ") }
    }

    @Test func convertRejectsEachBadFileConvertsTheRestAndFails() throws {
        let work = temporaryDirectory("batch-convert")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let bad = try images(in: work), recipe = try recipe(in: work)
        let arguments = ["convert", recipe, "--cache", work + "/cache", "--key", work + "/key", "--jobs", "2"]
        for run in ["first", "again (the rejections are reused, and reported again)"] {
            let (status, output, error) = try SharedData.runMedpipe(arguments)
            #expect(status == 1, "\(run): \(error)")
            #expect(errorLines(error) == ["medpipe: error: \(recipe): 3 of 5 source(s) rejected (listed above); the cache holds the others"], "\(run)")
            for (path, reason) in bad {
                let line = output.split(separator: "\n").first { $0.contains("rejected: \(path): ") }
                #expect(line?.contains(reason) == true, "\(run): \(path) not reported with '\(reason)' in:\n\(output)")
            }
        }
        let cache = try DatasetCache(directory: work + "/cache")
        #expect(try cache.entries().count == 2)
        #expect(try cache.rejected().count == 3)
        let (status, info, _) = try SharedData.runMedpipe(["cache", "info", work + "/cache", "--json"])
        #expect(status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(info.utf8)) as? [String: Any])
        let rejected = try #require(object["rejected"] as? [[String: String]])
        #expect(rejected.count == 3 && rejected.allSatisfy { !($0["reason"] ?? "").isEmpty })
        // The cache stores no path (paths can name patients): sources are pseudonyms.
        #expect(!info.contains(work))
    }

    @Test func convertStrictStopsAtTheFirstBadFile() throws {
        let work = temporaryDirectory("batch-convert-strict")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let bad = try images(in: work), recipe = try recipe(in: work)
        let (status, _, error) = try SharedData.runMedpipe(["convert", recipe, "--cache", work + "/cache", "--key", work + "/key",
                                                              "--jobs", "1", "--strict"])
        #expect(status == 1)
        let lines = errorLines(error)
        #expect(lines.count == 1 && lines.first?.hasPrefix("medpipe: error: \(bad[0].path): ") == true, "\(error)")
    }

    @Test func anonymizeWithholdsEachBadFileWritesTheRestAndFails() throws {
        let work = temporaryDirectory("batch-anonymize")
        defer { try? FileManager.default.removeItem(atPath: work) }
        // Anonymize copies voxels without decoding them: the complex-valued image is de-identified.
        let bad = try images(in: work).filter { !$0.path.hasSuffix("complex.nii") }
        try "notes, not data".write(toFile: work + "/images/README.txt", atomically: true, encoding: .utf8)
        let arguments = ["anonymize", work + "/images", "--out", work + "/out", "--report", work + "/report.json", "--key", work + "/key"]
        let (status, output, error) = try SharedData.runMedpipe(arguments)
        #expect(status == 1, "\(error)")
        #expect(errorLines(error) == ["medpipe: error: \(work)/report.json: 2 of 6 input(s) failed (listed above)"])
        for (path, reason) in bad {
            let line = output.split(separator: "\n").first { $0.contains("failed \(path) (") }
            #expect(line?.contains(reason) == true, "\(path) not reported with '\(reason)' in:\n\(output)")
        }
        #expect(output.contains("withheld \(work)/images/README.txt ("), "a file of no known format is passed over, not failed:\n\(output)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: work + "/report.json"))) as? [String: Any])
        #expect(report["failures"] as? Int == 2)
        #expect((report["files"] as? [Any])?.count == 3)
        #expect((report["withheld"] as? [[String: String]])?.count == 3)
        // The report names inputs by token only.
        #expect(!(try String(contentsOfFile: work + "/report.json", encoding: .utf8)).contains(work))

        let strict = try SharedData.runMedpipe(arguments.map { $0 == work + "/out" ? work + "/strict" : $0 } + ["--strict", "--jobs", "1"])
        #expect(strict.status == 1)
        let lines = errorLines(strict.error)
        #expect(lines.count == 1 && lines.first?.hasPrefix("medpipe: error: \(bad[0].path): ") == true, "\(strict.error)")
    }

    /// Past `SummaryList.shown` bad inputs, the summaries show the first ones, how many more and the most common
    /// reasons instead of a line each (an archive can hold tens of thousands), and the list options write every one;
    /// `cache info` cuts its list of rejected sources the same way (`--json` gives them all).
    @Test func manyBadInputsAreCountedInTheSummaryAndListedInFull() throws {
        let work = temporaryDirectory("batch-many")
        defer { try? FileManager.default.removeItem(atPath: work) }
        try FileManager.default.createDirectory(atPath: work + "/images/a", withIntermediateDirectories: true)
        try CraftedNIfTI.write(to: work + "/images/a/good.nii", first: 7)
        let bad = (0..<25).map { String(format: "%@/images/a/bad-%02d.nii", work, $0) }
        // Distinct bytes: identical files would be one unit of the cache.
        for path in bad { try Data("not a NIfTI file at all: \(path.suffix(6))".utf8).write(to: URL(fileURLWithPath: path)) }
        let recipe = try self.recipe(in: work)
        let convert = try SharedData.runMedpipe(["convert", recipe, "--cache", work + "/cache", "--key", work + "/key",
                                                 "--list-rejected", work + "/rejected.txt"])
        #expect(convert.status == 1)
        #expect(errorLines(convert.error) == ["medpipe: error: \(recipe): 25 of 26 source(s) rejected (the first 20 listed above); the cache holds the others"])
        let shown = convert.output.split(separator: "\n").filter { $0.hasPrefix("  rejected: ") }
        #expect(shown.count == 20 && shown.first?.hasPrefix("  rejected: \(bad[0]): ") == true, "\(convert.output)")
        #expect(convert.output.contains("  … and 5 more rejected (25 in all; --list-rejected FILE lists every one), most often for:\n    25 × "))
        let listed = try String(contentsOfFile: work + "/rejected.txt", encoding: .utf8).split(separator: "\n")
        #expect(listed.map { String($0.prefix { $0 != ":" }) } == bad)
        let info = try SharedData.runMedpipe(["cache", "info", work + "/cache"])
        #expect(info.status == 0 && info.output.contains("  rejected: 25\n"))
        #expect(info.output.contains("    … and 5 more rejected (25 in all; --json lists every one), most often for:\n      25 × "), "\(info.output)")

        let anonymize = try SharedData.runMedpipe(["anonymize", work + "/images", "--out", work + "/out", "--report", work + "/report.json",
                                                   "--key", work + "/key", "--list-withheld", work + "/withheld.txt"])
        #expect(anonymize.status == 1)
        #expect(errorLines(anonymize.error) == ["medpipe: error: \(work)/report.json: 25 of 26 input(s) failed (the first 20 withheld listed above)"])
        #expect(anonymize.output.split(separator: "\n").filter { $0.hasPrefix("  failed ") }.count == 20)
        #expect(anonymize.output.contains("  … and 5 more withheld (25 in all; --list-withheld FILE lists every one), most often for:\n    25 × "))
        let withheld = try String(contentsOfFile: work + "/withheld.txt", encoding: .utf8).split(separator: "\n")
        #expect(withheld.count == 25 && zip(withheld, bad).allSatisfy { $0.hasPrefix("failed \($1) (") })
    }
}
