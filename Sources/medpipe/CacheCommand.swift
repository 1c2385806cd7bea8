import ArgumentParser
import Foundation
import MedPipeCache
import MedPipeCore

/// `medpipe cache info|verify`: look into a dataset cache.
struct CacheCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cache",
        abstract: "Describe or verify a dataset cache written by `medpipe convert`.",
        subcommands: [Info.self, Verify.self]
    )

    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Entries, class counts per split, shapes, recipe, fitted statistics and rejected inputs.",
            discussion: "Example: medpipe cache info out/mnist-cache --json"
        )

        @Argument(help: "The cache directory.")
        var directory: String

        @Flag(help: "Print one JSON object instead of text.")
        var json = false

        func run() throws {
            let summary = try CacheSummary(cache: DatasetCache(directory: directory))
            print(json ? try summary.json() : summary.text())
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check every entry's SHA-256 and every unit's completeness; exit 0 only if all are sound.",
            discussion: "Example: medpipe cache verify out/mnist-cache"
        )

        @Argument(help: "The cache directory.")
        var directory: String

        func run() throws {
            let cache = try DatasetCache(directory: directory)
            let bar = ProgressBar("verify")
            let result = try cache.verify { done, total in
                if done % 256 == 0 || done == total { bar.update(done: done, total: total) }
            }
            bar.finish()
            for problem in result.problems { printError("\(directory): \(problem)") }
            guard result.isSound else {
                printError("\(directory): \(result.problems.count) problem(s) in \(result.entries) entries")
                throw ExitCode.failure
            }
            print("\(directory): \(result.entries) entries, all sound")
        }
    }
}
