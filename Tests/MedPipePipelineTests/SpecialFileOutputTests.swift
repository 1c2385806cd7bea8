import Foundation
import Testing
import MedPipeCore
import MedPipeFormats
import TestSupport

/// A file output given as a device, a FIFO or a socket (or as no file at all) is refused before any work, naming it: `inspect --array
/// /dev/null`, `predict --out`, `train --out` and `report --out` renamed their file over it (as root, /dev/null became
/// a regular file), and `train` did so after training. A FIFO stands for them here (a test makes it without root).
@Suite(.enabled(if: SharedData.medpipeBinary != nil && SharedData.isAvailable, "needs the built medpipe binary and ../shared/data"))
struct SpecialFileOutputTests {
    @Test func fileOutputsRefuseAFIFOAndLeaveIt() throws {
        let work = temporaryDirectory("special-file-output")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let (cache, model) = try HeartModel.train(in: work), fifo = work + "/fifo"
        #expect(mkfifo(fifo, 0o644) == 0)
        let batch = work + "/x.npy"
        try NPYWriter.write(Tensor(shape: [4, 13], values: (0..<52).map { Float($0 % 5) }), to: batch)
        for arguments in [["inspect", SharedData.path("wfdb/100.hea"), "--array", fifo],
                          ["predict", "--model", model, "--npy", batch, "--out", fifo],
                          ["train", "--cache", cache, "--model", "heart-mlp", "--epochs", "1", "--out", fifo],
                          ["report", "--model", model, "--cache", cache, "--out", fifo],
                          ["anonymize", SharedData.path("wfdb/100.hea"), "--out", work + "/anonymized", "--report", fifo, "--key", work + "/project.key"]] {
            let run = try SharedData.runMedpipe(arguments)
            #expect(run.status == 1 && run.error == "medpipe: error: \(fifo): is a FIFO, not a file: MedPipe writes an output whole under a temporary name and renames it into place, which would replace it; give the path of a file\n",
                    "\(arguments[0]): \(run.error)")
            var status = stat()
            #expect(lstat(fifo, &status) == 0 && status.st_mode & S_IFMT == S_IFIFO, "\(arguments[0]) replaced the FIFO")
        }
        #expect(!FileManager.default.fileExists(atPath: work + "/anonymized"), "anonymize wrote before refusing")
        // A path that cannot name a file: inspect decoded the record, then could not create (or rename) its temporary file.
        for (path, problem) in [("", "'': is an empty path; give the path of the file to write"),
                                (work + "/a.npy/", "\(work)/a.npy/: ends in '/', as a folder does; give the path of the file to write")] {
            let run = try SharedData.runMedpipe(["inspect", SharedData.path("wfdb/100.hea"), "--array", path])
            #expect(run.status == 1 && run.error == "medpipe: error: \(problem)\n" && run.output.isEmpty, "\(run.error)")
        }
        #expect(!FileManager.default.fileExists(atPath: work + "/a.npy"))
    }
}
