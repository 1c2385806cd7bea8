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
            abstract: "Check the manifest, every entry's SHA-256 and every unit's completeness; exit 0 only if all are sound.",
            discussion: """
            The manifest is checked by SQLite (damaged pages; indexes that disagree with their tables, through which \
            a split would read short without an error) and its sampling plans against the entries. A cache whose \
            files are sound is then opened as `train` opens it: stage metadata that does not decode is a problem \
            too. Entries a killed or failed convert left without a split are sound; the summary says how many.

            Example: medpipe cache verify out/mnist-cache
            """
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
            var problems = result.problems
            // Entries without a split are a convert's unfinished work, not damage: sound, and said.
            let unsplit = problems.isEmpty ? try cache.unsplitCount() : 0
            if problems.isEmpty, result.entries > 0, unsplit == 0 {
                do { _ = try CacheDataset(directory: directory) } catch let error as MedPipeError {
                    problems.append(error.subject == directory ? error.message : error.description)
                }
            }
            for problem in problems { printError("\(directory): \(problem)") }
            guard problems.isEmpty else {
                printError("\(directory): \(result.entries) entries, not sound (the problems are listed above)")
                throw ExitCode.failure
            }
            let unfinished = unsplit == 0 ? "" : "; \(unsplit) of them have no split yet: the last convert did not finish, and `train` refuses the cache until `medpipe convert` runs again"
            printLines(["\(directory): \(result.entries) entries, all sound\(unfinished)"])
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

        @Option(parsing: .unconditional, help: "The seed given to `medpipe train`.") var seed: UInt64 = 0
        @Option(parsing: .unconditional, help: "The epoch, from 0.") var epoch: Int = 0
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
