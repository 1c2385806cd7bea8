import Foundation
import Testing
import MedPipeCache
import MedPipeCore
import MedPipeFormats
import MedPipeTrain
import TestSupport

/// A run given nothing to work on says so, naming what it was given, instead of succeeding on nothing.
@Suite(.enabled(if: SharedData.medpipeBinary != nil, "needs the built medpipe binary"))
struct NothingToDoTests {
    /// `predict --npy` of a batch of 0 samples wrote an empty array and exited 0.
    @Test func aBatchOfNoSampleIsRefused() throws {
        let work = temporaryDirectory("nothing-predict")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let model = work + "/m.safetensors", batch = work + "/x.npy"
        try Checkpoint(model: try Sequential([.linear(inFeatures: 4, outFeatures: 2)], seed: 1), classNames: ["a", "b"], inputShape: [4]).write(to: model)
        try NPYWriter.write(Tensor(shape: [0, 4], values: [Float]()), to: batch)
        let run = try SharedData.runMedpipe(["predict", "--model", model, "--npy", batch, "--out", work + "/y.npy"])
        #expect(run.status == 1 && run.error == "medpipe: error: \(batch): holds no sample (shape [0, 4]): nothing to run the model on\n", "\(run.error)")
        #expect(!FileManager.default.fileExists(atPath: work + "/y.npy"))
    }

    /// `anonymize` of a folder without a file (empty, or hidden files only) reported "anonymized 0 file(s)" and exited 0.
    @Test func anonymizingAFolderOfNoFileIsAnError() throws {
        let work = temporaryDirectory("nothing-anonymize")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let folder = work + "/scans"
        try FileManager.default.createDirectory(atPath: folder + "/empty", withIntermediateDirectories: true)
        try "hidden".write(toFile: folder + "/.DS_Store", atomically: true, encoding: .utf8)
        let run = try SharedData.runMedpipe(["anonymize", folder, "--out", work + "/out", "--report", work + "/r.json", "--key", work + "/project.key"])
        #expect(run.status == 1 && run.error == "medpipe: error: \(folder): holds no file to de-identify\n", "\(run.error)")
    }

    /// `anonymize` of images that may hold burned-in text, without `--allow-burned-in`, withheld every one, wrote nothing
    /// and exited 0: a script took the empty folder for an anonymized one. It fails, saying so; a run that writes some
    /// files and withholds others still succeeds.
    @Test(.enabled(if: SharedData.isAvailable, "needs ../shared/data"))
    func anonymizingThatWritesNothingIsAnError() throws {
        let work = temporaryDirectory("nothing-written")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let ultrasound = SharedData.path("dicom/pydicom_subset/SC_rgb_rle.dcm"), mr = SharedData.path("dicom/pydicom_subset/MR_small.dcm")
        let withheld = try SharedData.runMedpipe(["anonymize", ultrasound, "--out", work + "/out", "--report", work + "/r.json", "--key", work + "/project.key"])
        #expect(withheld.status == 1 && withheld.error.hasSuffix("medpipe: error: \(work)/r.json: no file was written: every one of the 1 input(s) was withheld (listed above)\n"),
                "\(withheld.error)")
        let some = try SharedData.runMedpipe(["anonymize", ultrasound, mr, "--out", work + "/out2", "--report", work + "/r2.json", "--key", work + "/project.key"])
        #expect(some.status == 0 && some.output.contains("anonymized 1 file(s)") && some.output.contains("withheld 1"), "\(some.output)\(some.error)")
    }

    /// `cache info CACHE/manifest.sqlite` said "not a MedPipe cache (no manifest.sqlite)" of the manifest itself.
    @Test func theManifestNamedInsteadOfItsCacheIsToldSo() throws {
        let work = temporaryDirectory("nothing-manifest")
        defer { try? FileManager.default.removeItem(atPath: work) }
        _ = try CacheWriter(directory: work + "/cache")
        for arguments in [["cache", "info", work + "/cache/manifest.sqlite"], ["cache", "verify", work + "/cache/manifest.sqlite"]] {
            let run = try SharedData.runMedpipe(arguments)
            #expect(run.status == 1 && run.error == "medpipe: error: \(work)/cache/manifest.sqlite: is a cache's manifest; give the cache's folder, \(work)/cache\n",
                    "\(run.error)")
        }
    }
}
