import Foundation
import TestSupport

/// A real run of the command-line tool on the bundled demo (`Fixtures/recipes/demo.yaml`, 240 PNGs in two
/// classes), made once per test process: convert, train two epochs with metrics, Grad-CAM on six test
/// samples, and anonymize the bundled DICOM series with a report.
struct DemoRun: Sendable {
    let folder: String
    var cache: String { folder + "/cache" }
    var model: String { folder + "/model.safetensors" }
    var metrics: String { folder + "/metrics.jsonl" }
    var gradcam: String { folder + "/gradcam" }
    var deid: String { folder + "/anonymized/report.json" }
    /// What `medpipe train` printed.
    let trainOutput: String

    /// True when the `medpipe` binary is built (`swift build --build-tests`).
    static var isPossible: Bool { SharedData.medpipeBinary != nil }

    /// The run, made at first use.
    static let shared: Result<DemoRun, Failure> = Result { try DemoRun() }.mapError { Failure(description: "\($0)") }

    struct Failure: Error, CustomStringConvertible { var description: String }

    /// The run's folder, removed when the test process ends (the run is shared by every test).
    nonisolated(unsafe) private static var removeAtExit: String?

    private init() throws {
        folder = temporaryDirectory("report-demo")
        Self.removeAtExit = folder
        atexit { if let folder = DemoRun.removeAtExit { try? FileManager.default.removeItem(atPath: folder) } }
        let environment = ["MEDPIPE_KEY": folder + "/project.key"]
        func run(_ arguments: [String]) throws -> String {
            let result = try SharedData.runMedpipe(arguments, environment: environment)
            guard result.status == 0 else { throw Failure(description: "medpipe \(arguments.joined(separator: " ")) failed: \(result.error)") }
            return result.output
        }
        _ = try run(["convert", SharedData.fixture("recipes/demo.yaml"), "--cache", folder + "/cache"])
        trainOutput = try run(["train", "--cache", folder + "/cache", "--model", "mnist-cnn", "--epochs", "2", "--batch", "16", "--seed", "1",
                               "--out", folder + "/model.safetensors", "--metrics", folder + "/metrics.jsonl", "--threads", "2"])
        _ = try run(["gradcam", "--model", folder + "/model.safetensors", "--cache", folder + "/cache", "--split", "test", "--limit", "6",
                     "--out", folder + "/gradcam", "--threads", "2"])
        _ = try run(["anonymize", SharedData.fixture("demo/dicom"), "--out", folder + "/anonymized", "--report", folder + "/anonymized/report.json"])
    }
}
