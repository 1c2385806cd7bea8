import ArgumentParser
import Foundation
import MedPipeCore
import MedPipePipeline
import MedPipeTrain
import MedPipeTrees

/// `medpipe train --model random-forest|gradient-boosting`: the tree baselines through XGBoost, with their
/// hyper-parameters as flags (each defaults to the kind's own default when absent).
struct TreeOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Trees: the forest's size, or the boosting rounds (one tree per class each) (default: 100).") var trees: Int?
    @Option(parsing: .unconditional, help: "Deepest split level of a tree (default: 20 forest, 6 boosting).") var maxDepth: Int?
    @Option(parsing: .unconditional, help: "Shrinkage of each boosting round (default: 0.3; a forest uses 1).") var eta: Double?
    @Option(parsing: .unconditional, help: "Share of training rows each tree sees (default: 0.9 forest, 1 boosting).") var subsample: Double?
    @Option(parsing: .unconditional, help: "Share of features each split chooses from (default: 0.05 forest, 1 boosting).") var colsampleBynode: Double?
    @Option(parsing: .unconditional, help: "Histogram bins per feature (default: 8 forest, 256 boosting).") var bins: Int?
    @Option(parsing: .unconditional, help: "Least Hessian sum in a leaf (default: 0 forest, 1 boosting).") var minChildWeight: Double?
    @Option(parsing: .unconditional, help: "L2 regularization of leaf values (default: 1e-5 forest, 1 boosting).") var lambda: Double?

    /// Refuses a tree option out of XGBoost's range (NaN, infinite, negative...) before anything is read, as the
    /// network's options are; the defaults of either kind are within it.
    func validate() throws {
        do { try parameters(.gradientBoosting, seed: 0, threads: 1).validate(subject: "") } catch let error as MedPipeError {
            throw ValidationError("--" + error.message)
        }
    }

    /// The tree options given: a network is refused them rather than ignore them.
    var given: [String] {
        let given: [(String, Bool)] = [("--trees", trees != nil), ("--max-depth", maxDepth != nil), ("--eta", eta != nil), ("--subsample", subsample != nil),
                                      ("--colsample-bynode", colsampleBynode != nil), ("--bins", bins != nil), ("--min-child-weight", minChildWeight != nil),
                                      ("--lambda", lambda != nil)]
        return given.filter(\.1).map(\.0)
    }

    /// The kind's defaults with every given flag applied.
    func parameters(_ kind: TreeKind, seed: UInt64, threads: Int) -> TreeParameters {
        var p = TreeParameters.defaults(kind)
        p.trees = trees ?? p.trees
        p.maxDepth = maxDepth ?? p.maxDepth
        p.eta = eta ?? p.eta
        p.subsample = subsample ?? p.subsample
        p.colsampleByNode = colsampleBynode ?? p.colsampleByNode
        p.bins = bins ?? p.bins
        p.minChildWeight = minChildWeight ?? p.minChildWeight
        p.lambda = lambda ?? p.lambda
        p.seed = seed
        p.threads = threads
        return p
    }

    /// Trains `kind` on the cache's training split (rebalanced by `balance`) and writes the model to `out`.
    func train(_ kind: TreeKind, cache: String, out: String, balance: CacheDataset.Balance, seed: UInt64, threads: Int) throws {
        let dataset = try CacheDataset(directory: cache)
        let source = try dataset.batchSource(balance: balance, seed: seed, workers: threads)
        let carried = try dataset.modelMetadata(), classWeights = try dataset.classWeights(balance)
        try dataset.cache.requireUnchangedSinceOpened()
        let parameters = parameters(kind, seed: seed, threads: threads)
        printLines(["training \(kind.rawValue) (\(parameters.trees) trees per class, depth \(parameters.maxDepth)) on \(source.sampleCount(.train)) samples (\(dataset.classNames.count) classes: \(dataset.classNames.joined(separator: ", "))), \(dataset.sampleShape.reduce(1, *)) features from input \(dataset.sampleShape)"])
        let start = Date()
        let model = try TreeModel.train(kind, parameters: parameters, on: source, classWeights: classWeights,
                                        recipeHash: dataset.recipeHash, preparation: carried)
        let seconds = Date().timeIntervalSince(start)
        var line = String(format: "trained in %.1f s", seconds)
        if source.sampleCount(.validation) > 0 {
            line += String(format: "  val-acc %.4f", try model.evaluate(on: source, split: .validation).accuracy)
        }
        printLines([line])
        try model.write(to: out)
        printLines(["wrote \(out) (XGBoost JSON model; MedPipe's metadata in its attributes)"])
    }
}
