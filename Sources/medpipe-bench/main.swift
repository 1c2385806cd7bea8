import Foundation
import MedPipeCore

/// `medpipe-bench read|gradcam|train|augment|conv ...`: the in-process timings behind tools/bench/.
enum Benchmarks {
    static func run() throws {
        let arguments = Array(CommandLine.arguments.dropFirst())
        let rest = Array(arguments.dropFirst())
        switch arguments.first {
        case "read": try ReadBenchmark.run(rest)
        case "gradcam": try GradCAMBenchmark.run(rest)
        case "train": try TrainBenchmark.run(rest)
        case "augment": try AugmentBenchmark.run(rest)
        case "conv": try ConvolutionBenchmark.run(rest)
        default: fail(usage: "read|gradcam|train|augment|conv ...")
        }
    }

    /// Prints the usage of a benchmark and exits with status 2.
    /// `--name value` pairs and bare `--flag`s (those in `flags`, given the value "1") keyed by name;
    /// anything else ends the run with `usage`.
    static func options(_ arguments: [String], flags: Set<String> = [], usage: String) -> [String: String] {
        var options: [String: String] = [:]
        var args = arguments[...]
        while let a = args.popFirst() {
            guard a.hasPrefix("--") else { fail(usage: usage) }
            let name = String(a.dropFirst(2))
            if flags.contains(name) {
                options[name] = "1"
            } else if let value = args.popFirst() {
                options[name] = value
            } else {
                fail(usage: usage)
            }
        }
        return options
    }

    static func fail(usage: String) -> Never {
        StandardError.write("usage: medpipe-bench \(usage)\n")
        exit(2)
    }
}

try Benchmarks.run()
