import ArgumentParser
import Foundation
import MedPipeCache
import MedPipeCore
import MedPipePipeline

/// `medpipe cache info|verify|order`: look into a dataset cache.
struct CacheCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cache",
        abstract: "Describe or verify a dataset cache written by `medpipe convert`, or list a training epoch's order.",
        subcommands: [Info.self, Verify.self, Order.self]
    )

    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "info",
            abstract: "Entries, class counts per split, shapes, recipe, fitted statistics and rejected inputs.",
            discussion: "Example: medpipe cache info out/mnist-cache --json"
        )

        @Argument(help: "The cache directory.")
        var directory: String

        @Flag(help: "Print one JSON object instead of text.")
        var json = false

        func run() throws {
            let summary = try CacheSummary(cache: DatasetCache(directory: directory))
            if json { printJSON(try summary.json()) } else { printLines(summary.lines()) }
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify",
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
            printLines(["\(directory): \(result.entries) entries, all sound"])
        }
    }

    struct Order: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "order",
            abstract: "The training entries one epoch of `medpipe train` visits, in order: one entry id per line.",
            discussion: """
            The cache's rebalancing plan (or the --balance given) shuffled as the trainer shuffles epoch \
            --epoch (from 0) with --seed: what another framework needs to visit the same samples in the \
            same order (the Python package's EpochSampler does). Entry ids are the manifest's.

            Example: medpipe cache order out/mitbih-cache --seed 3 --epoch 0 | head
            """
        )

        @Argument(help: "The cache directory.")
        var directory: String

        @Option(help: "The seed given to `medpipe train`.") var seed: UInt64 = 0
        @Option(help: "The epoch, from 0.") var epoch: Int = 0
        @Option(help: "The rebalancing given to `medpipe train`: recipe, none, oversample, undersample, class-weights.")
        var balance: String = "recipe"

        func run() throws {
            guard let choice = CacheDataset.Balance(rawValue: balance) else {
                throw MedPipeError.invalidArgument("--balance", "expected one of \(CacheDataset.Balance.allCases.map(\.rawValue).joined(separator: ", ")), got '\(balance)'")
            }
            guard epoch >= 0 else { throw MedPipeError.invalidArgument("--epoch", "must be 0 or more, not \(epoch)") }
            let dataset = try CacheDataset(directory: directory)
            try dataset.requireTrainingSamples()   // an empty order printed one blank line, and exit status 0
            let order = try dataset.trainingOrder(balance: choice, seed: seed, epoch: epoch)
            printLines(order.map(String.init))
        }
    }
}
