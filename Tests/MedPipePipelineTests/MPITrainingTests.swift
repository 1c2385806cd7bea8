import Foundation
import Testing
import MedPipeCore
import MedPipeMPI
import MedPipeTrain
import TestSupport
@testable import MedPipePipeline

/// Open MPI as an optional runtime: a plain process never loads libmpi.
@Suite struct MPIRuntimeTests {
    @Test func aPlainProcessHasNoGroupAndDoesNotLoadLibmpi() throws {
        #expect(ProcessGroup.world == nil)
        #expect(ProcessGroup.isLeader)
        #expect(ProcessGroup.logPrefix == "")
        let maps = try procFileText("/proc/self/maps")
        #expect(!maps.contains("libmpi"), "libmpi is mapped into a process that no launcher started")
    }

    @Test(.enabled(if: SharedData.medpipeBinary != nil, "needs the built medpipe binary"))
    func theBinaryDoesNotLinkLibmpi() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/ldd")
        process.arguments = [SharedData.medpipeBinary!]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let libraries = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(libraries.contains("libc.so"), "ldd listed: \(libraries)")
        #expect(!libraries.contains("libmpi"))
    }
}

/// `mpirun -np 2 medpipe train`: data-parallel training equals one process up to float summation order.
@Suite(.enabled(if: MPIRun.isPossible, "needs mpirun (tools/setup installs Open MPI), the built medpipe and ../shared/data"), .serialized)
struct MPITrainingTests {
    /// One SGD step (momentum's first step is the plain gradient) with learning rate 1 on one batch of 200 digits:
    /// w₁ = w₀ − g, so the two runs' weights differ by the difference of their gradients, which must stay within 1e-5,
    /// while the step itself moves the weights far more. mnist-cnn has dropout, whose masks must match too. Three
    /// ranks take unequal slices (66, 67, 67 rows) and split the parameters at other places than two. On a batch of
    /// 32 digits the ranks compute the 9216 × 128 layer's weight gradient from each other's inputs and output
    /// gradients instead of exchanging it (`DataParallel.prepare`), each rank its block's rows of it (three ranks: 10,
    /// 11, 11 rows, blocks that start and end within rows of the weight).
    @Test(arguments: [(2, 200), (3, 200), (2, 32), (3, 32)]) func oneStepGradientsEqualOneProcess(ranks: Int, digits: Int) throws {
        let work = temporaryDirectory("mpi-gradient")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let cache = try convertMNIST(into: work, trainFraction: Double(digits) / 10_000)
        let common = ["train", "--cache", cache, "--model", "mnist-cnn", "--epochs", "1", "--batch", "\(digits)", "--optimizer", "sgd",
                      "--lr", "1", "--seed", "3", "--threads", "1"]
        let one = try SharedData.runMedpipe(common + ["--out", work + "/one.safetensors"])
        #expect(one.status == 0, "\(one.error)")
        let job = try MPIRun.medpipe(ranks: ranks, common + ["--out", work + "/ranks.safetensors"])
        #expect(job.status == 0 && !job.timedOut, "\(job.error)")
        #expect(job.output.contains("[rank 1/\(ranks)] data-parallel on \(ranks) ranks"))
        let a = try Checkpoint.read(work + "/one.safetensors").model.stateDict()
        let b = try Checkpoint.read(work + "/ranks.safetensors").model.stateDict()
        let initial = try Sequential(BuiltinModel.mnistCNN.specs(classes: 10, inputShape: [1, 28, 28]), seed: 3).stateDict()
        var largestDifference: Float = 0, largestStep: Float = 0
        for ((name, x), ((_, y), (_, w0))) in zip(a, zip(b, initial)) where x.dtype == .float32 {
            let u = x.values(as: Float.self), v = y.values(as: Float.self), w = w0.values(as: Float.self)
            for i in u.indices {
                largestDifference = max(largestDifference, abs(u[i] - v[i]))
                largestStep = max(largestStep, abs(u[i] - w[i]))
            }
            #expect(u.count == v.count, "\(name)")
        }
        print("mnist-cnn, one step on \(digits) digits: largest gradient difference 1 vs \(ranks) ranks \(largestDifference), largest step \(largestStep)")
        #expect(largestDifference <= 1e-5)
        #expect(largestStep > 1e-2)
    }

    /// One epoch of mnist-cnn on the 8,000 training digits (Adam, batch 32), one process against two ranks:
    /// the same test accuracy within 0.5 percentage points.
    @Test func twoRanksReachTheTestAccuracyOfOne() throws {
        let work = temporaryDirectory("mpi-mnist")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let cache = try convertMNIST(into: work, trainFraction: 0.8)
        let common = ["train", "--cache", cache, "--model", "mnist-cnn", "--epochs", "1", "--batch", "32", "--seed", "1", "--threads", "1"]
        let one = try SharedData.runMedpipe(common + ["--out", work + "/one.safetensors"])
        #expect(one.status == 0, "\(one.error)")
        let two = try MPIRun.medpipe(ranks: 2, common + ["--out", work + "/two.safetensors", "--metrics", work + "/two.jsonl"])
        #expect(two.status == 0 && !two.timedOut, "\(two.error)")
        let epochLines = try String(contentsOfFile: work + "/two.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(epochLines.count == 1, "only rank 0 writes the metrics")
        let source = try CacheDataset(directory: cache).batchSource()
        var accuracies: [Double] = []
        for file in ["one", "two"] {
            var model = try Checkpoint.read("\(work)/\(file).safetensors").model
            accuracies.append(try Trainer.evaluate(&model, on: source, split: .test).accuracy)
        }
        print("MNIST, mnist-cnn, 1 epoch on 8,000 digits: test accuracy 1 process \(accuracies[0]), 2 ranks \(accuracies[1])")
        #expect(accuracies[0] >= 0.93)
        #expect(abs(accuracies[0] - accuracies[1]) <= 0.005)
    }

    /// A rank that fails (here: rank 1 is given a cache that does not exist) ends the whole job with its error,
    /// while rank 0 waits in a collective: no hang.
    @Test func oneRankFailingEndsTheJobWithItsError() throws {
        let work = temporaryDirectory("mpi-failure")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let cache = try convertMNIST(into: work, trainFraction: 0.02)
        let arguments = ["train", "--model", "mnist-cnn", "--epochs", "50", "--threads", "1", "--out", work + "/model.safetensors"]
        let job = try MPIRun.medpipe(perRank: [arguments + ["--cache", cache], arguments + ["--cache", work + "/missing-cache"]], timeout: 120)
        #expect(!job.timedOut, "the job hung after rank 1's error")
        #expect(job.status != 0)
        #expect(job.error.contains("[rank 1/2] medpipe: error: \(work)/missing-cache"), "\(job.error)")
        #expect(!FileManager.default.fileExists(atPath: work + "/model.safetensors"))
    }

    /// The MNIST recipe's 10,000 digits converted with `trainFraction` of them to train and the rest to test.
    private func convertMNIST(into work: String, trainFraction: Double) throws -> String {
        let recipe = """
        name: mnist
        sources:
          - path: \(SharedData.path("images/mnist/t10k-images-idx3-ubyte.gz"))
            format: idx
            labels-file: \(SharedData.path("images/mnist/t10k-labels-idx1-ubyte.gz"))
            label: dataset
        stages:
          - minmax: {}
          - dataset-zscore: {}
        split: { by: patient, ratios: { train: \(trainFraction), val: 0.0, test: \(1 - trainFraction) }, seed: 0 }
        """
        try recipe.write(toFile: work + "/mnist.yaml", atomically: true, encoding: .utf8)
        let cache = work + "/cache"
        let run = try SharedData.runMedpipe(["convert", work + "/mnist.yaml", "--cache", cache])
        guard run.status == 0 else { throw MedPipeError.io(cache, "convert failed: \(run.error)") }
        return cache
    }
}
