import Foundation

/// `medpipe-bench read|gradcam|train|augment ...`: the in-process timings behind tools/bench/.
enum Benchmarks {
    static func run() throws {
        let arguments = Array(CommandLine.arguments.dropFirst())
        let rest = Array(arguments.dropFirst())
        switch arguments.first {
        case "read": try ReadBenchmark.run(rest)
        case "gradcam": try GradCAMBenchmark.run(rest)
        case "train": try TrainBenchmark.run(rest)
        case "augment": try AugmentBenchmark.run(rest)
        default: fail(usage: "read|gradcam|train|augment ...")
        }
    }

    /// Prints the usage of a benchmark and exits with status 2.
    static func fail(usage: String) -> Never {
        FileHandle.standardError.write(Data("usage: medpipe-bench \(usage)\n".utf8))
        exit(2)
    }
}

try Benchmarks.run()
