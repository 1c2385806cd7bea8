import ArgumentParser
import Foundation
import MedPipeCore
import MedPipeData
import MedPipeMPI
import MedPipePipeline
import MedPipeStages
import MedPipeTrain
import MedPipeTrees

extension TrainSpec.OptimizerName: ExpressibleByArgument {}
extension TrainSpec.ScheduleName: ExpressibleByArgument {}
extension CacheDataset.Balance: ExpressibleByArgument {}
extension TrainSpec.MonitorName: ExpressibleByArgument {}

/// `medpipe train`: a CNN or MLP on a converted dataset cache.
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a model on a dataset cache's training split, validating every epoch.",
        discussion: """
        The best model by validation loss (or --monitor) is kept, as a real copy, and written as \
        safetensors that load into a PyTorch nn.Sequential of the same layers; a cache without a \
        validation split keeps the epoch of lowest training loss and refuses --monitor. One JSON line \
        per epoch goes to --metrics. With class weights (balance class-weights), the losses it prints and \
        monitors, validation's too, are weighted by them as training minimizes them; `evaluate` and `report` \
        give the unweighted cross-entropy, so their loss differs on such a cache.

        Settings come from the flags, else from the `train:` section of the recipe that made the cache \
        (model, epochs, batch, optimizer, lr, weight-decay, schedule, balance, class-weight-power, monitor, \
        patience, seed, ensemble), \
        else from the defaults shown. The same settings and seed give the same model.

        Ensemble: --ensemble K trains K networks one after the other, from seeds --seed, --seed + 1, …, \
        each keeping its own best epoch, and writes them into one file (tensors member0.*, member1.*, …; \
        metadata ensemble = K); evaluate, predict and report average the members' class probabilities. \
        It takes K times as long and cuts what the figures owe to the seed; --metrics gets each member's \
        epochs in turn.

        Models: mnist-cnn, mnist-mlp, heart-mlp, ecg-cnn, ecg-beat-cnn, medmnist-cnn, fer-cnn, cnn3d, or a YAML list of \
        layers; or the tree baselines random-forest and gradient-boosting (XGBoost), on any cache (images \
        and signals flattened), written as XGBoost's JSON model with MedPipe's metadata in its attributes \
        (loads in Python with xgboost.Booster(model_file=...)); they take --seed, --threads, --balance and \
        the tree options below; a network's flags (--epochs, --batch, --lr, --optimizer, --metrics...) are refused \
        for them, as the tree options are for a network. The recipe's train: settings for a network are not used.
        Balance: recipe (the cache's plan), none, oversample, undersample, class-weights, smote (tables).

        Memory: when the cache's training and validation splits (the test split is not read), as the \
        float32 inputs the network takes, exceed --memory-budget, \
        batches are streamed from the cache's shards instead of loaded: each batch read when it is made, \
        on a worker thread a few batches ahead, within the budget. The batches and the trained model are \
        the same either way; streaming costs reading and the fitted stages once per sample per epoch.

        Ctrl-C (or SIGTERM) stops the training after the batch it is on and writes the best epoch so far \
        (with an ensemble, the members trained so far), then exits with status 130 (143); a second one \
        stops at once. Under MPI an interruption ends every rank at once, as any signal does.

        Examples:
          medpipe train --cache out/mnist-cache --model mnist-cnn --epochs 3 \\
              --out mnist.safetensors
          # as the recipe's train: section says
          medpipe train --cache out/mitbih-ds1-cache --out ds1.safetensors
          medpipe train --cache out/mnist-cache --model random-forest --trees 100 \\
              --out forest.json
          medpipe train --cache out/mr-cache --model cnn3d --memory-budget 1G \\
              --out mr.safetensors

        Data-parallel on several processes (CNNs and MLPs): run it under `mpirun -np N` (or `srun`). Every rank \
        trains on its slice of each global batch (--batch stays the global batch); every step each rank sums the \
        ranks' gradients of its own block of the parameters, updates that block and sends it to the others, so \
        the model equals the one-process model up to float summation order; \
        BatchNorm uses each rank's own batch statistics. Rank 0 prints the epochs and writes --out and --metrics. \
        Give each rank its share of the cores with --threads, e.g.
          mpirun -np 2 medpipe train --cache out/mnist-cache --model mnist-cnn \\
              --threads 1 --out mnist.safetensors
        """
    )

    @Option(help: "The dataset cache written by `medpipe convert`.") var cache: String
    @Option(help: ArgumentHelp("A built-in model name, or a YAML list of layers, each like { type: Conv2d, in_channels: 1, out_channels: 8, kernel_size: 3 } (PyTorch's class and argument names) (default: the recipe's).", valueName: "NAME|SPEC.yaml")) var model: String?
    @Option(parsing: .unconditional, help: "Passes over the training split (default: 10).") var epochs: Int?
    @Option(help: ArgumentHelp("Where to write the best model.", valueName: "MODEL.safetensors")) var out: String
    @Option(parsing: .unconditional, help: "Samples per batch (default: 64).") var batch: Int?
    @Option(parsing: .unconditional, help: "Learning rate (default: 0.001).") var lr: Double?
    @Option(help: "Optimizer; sgd has momentum 0.9 (default: adam).") var optimizer: TrainSpec.OptimizerName?
    @Option(parsing: .unconditional, help: "Weight decay, L2 (default: 0).") var weightDecay: Double?
    @Option(help: "Learning-rate schedule; step is ×0.1 every third of the epochs (default: constant).") var schedule: TrainSpec.ScheduleName?
    @Option(parsing: .unconditional, help: "Seed for initialization, shuffling, dropout and resampling (default: 0).") var seed: UInt64?
    @Option(parsing: .unconditional, help: "Networks to train from seeds --seed, --seed + 1, …, their probabilities averaged (default: 1).") var ensemble: Int?
    @Option(help: "Rebalancing of the training split (default: recipe).") var balance: CacheDataset.Balance?
    @Option(parsing: .unconditional, help: "With class weights, the power of the balanced weights, from 0 to 4: 1 balanced, 0.5 their square roots, 0 none (default: 1).") var classWeightPower: Double?
    @Option(parsing: .unconditional, help: "Threads for the matrix products (oneDNN, or OpenBLAS with MEDPIPE_GEMM=openblas) and the layers (default: the cores, shared among the MPI ranks on this node).") var threads: Int = Train.defaultThreads
    @Option(parsing: .unconditional, help: "Stop after this many epochs without improvement (default: never).") var patience: Int?
    @Option(help: "What picks the kept model (default: val_loss); val_aami_mean_se is the mean sensitivity over heartbeat classes N, S and V.") var monitor: TrainSpec.MonitorName?
    @Option(help: ArgumentHelp("Append one JSON line per epoch to this file.", valueName: "FILE.jsonl")) var metrics: String?
    @Option(help: ArgumentHelp("Data augmentation of training batches: recipe (the augment: section of the recipe that made the cache, if any), none, or a YAML file listing transforms.", valueName: "recipe|none|FILE.yaml")) var augment: String = "recipe"
    @Option(help: ArgumentHelp("Most memory for the training data: above it, batches are streamed from the cache (K, M, G: binary units).", valueName: "SIZE")) var memoryBudget = MemorySize(bytes: 300 << 20)
    @OptionGroup(title: "Tree models (random-forest, gradient-boosting)") var trees: TreeOptions

    func validate() throws {
        for (flag, value) in [("--epochs", epochs), ("--batch", batch), ("--patience", patience), ("--threads", threads)] {
            if let value, value < 1 { throw ValidationError("\(flag) must be at least 1, got \(value)") }
        }
        // The optimizers compute in Float: a rate past its range (1e300) became infinite and diverged the first epoch.
        if let lr, !(Float(lr).isFinite && lr > 0) { throw ValidationError("--lr must be a positive number, got \(lr)") }
        if let weightDecay, !(Float(weightDecay).isFinite && weightDecay >= 0) { throw ValidationError("--weight-decay must be a number ≥ 0, got \(weightDecay)") }
        if let classWeightPower, !TrainSpec.classWeightPowers.contains(classWeightPower) {
            throw ValidationError("--class-weight-power must be \(TrainSpec.classWeightPowersText), got \(classWeightPower)")
        }
        // As every other flag's (a recipe's `ensemble:` is checked when the recipe is read).
        if let ensemble, !(1...EnsembleSize.maximum).contains(ensemble) {
            throw ValidationError("--ensemble must be from 1 to \(EnsembleSize.maximum), got \(ensemble)")
        }
    }

    /// The cores, divided among the ranks that mpirun started on this node (OMPI_COMM_WORLD_LOCAL_SIZE).
    static var defaultThreads: Int {
        let local = ProcessInfo.processInfo.environment["OMPI_COMM_WORLD_LOCAL_SIZE"].flatMap { Int($0) } ?? 1
        return max(1, ProcessInfo.processInfo.activeProcessorCount / max(local, 1))
    }

    /// The settings the flags give (nil where a flag is absent).
    private var flags: TrainSpec {
        TrainSpec(model: model, epochs: epochs, batch: batch, optimizer: optimizer, learningRate: lr, weightDecay: weightDecay,
                  schedule: schedule, balance: balance, classWeightPower: classWeightPower, monitor: monitor, patience: patience, seed: seed,
                  ensemble: ensemble)
    }

    func run() throws {
        try refuseOutputsOverInputs()
        if ProcessGroup.isLeader { try OutputPath.prepare(out) }
        // Opened before any work: a path that cannot be written was told of after the cache had been read.
        let metricsFile = ProcessGroup.isLeader ? try metrics.map(MetricsLog.init) : nil
        let warmUp = BLAS.startWarmUp()   // while the cache is opened and read
        defer { warmUp.wait() }
        let dataset = try CacheDataset(directory: cache)
        let recipeSpec = try TrainSpec.of(recipeText: try dataset.cache.meta("recipe") ?? "", file: "\(cache) (its recipe)")
        let spec = recipeSpec.overridden(by: flags)
        guard let modelName = spec.model else {
            throw MedPipeError.invalidArgument("--model", "no model: give --model, or declare `train: { model: ... }` in the recipe")
        }
        let members = spec.ensembleOrDefault   // in range: the flag is validated, a recipe's `ensemble:` when it is read
        guard spec.seedOrDefault <= UInt64.max - UInt64(members - 1) else {
            throw MedPipeError.invalidArgument("--seed", "\(spec.seedOrDefault) leaves no room for the seeds of \(members) ensemble members")
        }
        try dataset.requireTrainingSamples()
        if let kind = TreeKind(rawValue: modelName) {
            guard members == 1 else { throw MedPipeError.invalidArgument("--ensemble", "trains networks; \(modelName) is a tree model (its trees are an ensemble already)") }
            if let flag = networkFlagsGiven.first {
                throw MedPipeError.invalidArgument(flag, "applies to networks; \(modelName) is a tree model, which takes --seed, --threads, --balance and the tree options (--trees, --max-depth...) instead")
            }
            guard ProcessGroup.isLeader else { return }   // under MPI, rank 0 trains the trees alone
            return try trees.train(kind, cache: cache, out: out, balance: spec.balanceOrDefault, seed: spec.seedOrDefault, threads: threads)
        }
        if let flag = trees.given.first {
            throw MedPipeError.invalidArgument(flag, "applies to the tree models (random-forest, gradient-boosting), not to \(modelName)")
        }
        let augmentation: Augmentation? = switch augment {
        case "recipe": try dataset.recipeAugmentation()
        case "none": nil
        default: try AugmentSpec.load(augment)
        }
        if try dataset.entryCount(.validation) == 0 {
            if let monitor = spec.monitor {
                throw MedPipeError.invalidArgument(cache, "has no validation split, so '\(monitor.rawValue)' cannot pick the kept model; give the recipe's split a 'val' ratio, or leave out --monitor (the kept model is then the epoch of lowest training loss)")
            }
            if ProcessGroup.isLeader { log("no validation split: keeping the epoch of lowest training loss") }
        }
        let configuration = spec.configuration(classWeights: try dataset.classWeights(spec.balanceOrDefault, power: spec.classWeightPower ?? 1), threads: threads)
        // Training reads the test split never: it stays on disk.
        let used: Set<DataSplit> = [.train, .validation]
        let bytes = try dataset.inMemoryBytes(only: used)
        let source: any BatchSource
        if bytes > memoryBudget.bytes {
            let streaming = try dataset.streamingBatchSource(balance: spec.balanceOrDefault, seed: spec.seedOrDefault, augmentation: augmentation,
                                                             memoryBudget: memoryBudget.bytes)
            let depth = try streaming.prefetchDepth(batchSize: configuration.batchSize)
            if ProcessGroup.isLeader { log("streaming batches from the cache: its training and validation splits take \(MemorySize.mebibytes(bytes)) as inputs, over the --memory-budget of \(memoryBudget); up to \(depth) batches read ahead") }
            source = streaming
        } else {
            source = try dataset.batchSource(balance: spec.balanceOrDefault, seed: spec.seedOrDefault, augmentation: augmentation, only: used,
                                             workers: threads)
        }
        // What the model carries of the cache (its training patients among it), read with the samples it trains on.
        let carried = ProcessGroup.isLeader ? try dataset.modelMetadata() : [:]
        try dataset.cache.requireUnchangedSinceOpened()
        let (name, specs, outputs) = try ModelChoice.specs(modelName, inputShape: dataset.sampleShape, classes: dataset.classNames.count)
        // A batch holds at most the samples of the largest split (`train: { batch: 2^63 − 1 }` trains in whole splits).
        let largestBatch = min(configuration.batchSize, DataSplit.allCases.map(source.sampleCount).max() ?? 0)
        let parameters = LayerSpec.parameterCount(of: specs)
        try BatchMemory(layerOutputs: outputs, stateBytes: BatchMemory.trainingBytes(parameters: parameters)).require(batch: largestBatch, model: modelName)
        if let augmentation, ProcessGroup.isLeader { log("augmenting training batches: \(augmentation.transforms.map(\.name).joined(separator: ", "))") }
        if ProcessGroup.isLeader { log("training \(name) on \(source.sampleCount(.train)) samples per epoch (\(dataset.classNames.count) classes: \(dataset.classNames.joined(separator: ", "))), input \(dataset.sampleShape), \(parameters) parameters") }
        var trainer = Trainer(configuration)
        // Every epoch of every member, as --metrics gets them: the model carries their digest (``EpochMetrics/curveDigest(_:)``).
        var curve: [EpochMetrics] = []
        trainer.group = ProcessGroup.world
        if let world = trainer.group, world.size > 1 {
            log("data-parallel on \(world.size) ranks: this rank trains on its 1/\(world.size) of each batch of \(configuration.batchSize), with \(threads) thread(s)")
        }
        if ProcessGroup.isLeader {
            let bar = ProgressBar("epoch")
            trainer.onBatch = { epoch, done, total in bar.update(done: done, total: total, note: "epoch \(epoch)") }
            trainer.onEpoch = { m in
                bar.finish()
                log(EpochLine(m).text)
                metricsFile?.append(m.jsonLine)
                curve.append(m)
            }
        }
        var trained: [Sequential] = [], keptEpochs: [String] = []
        // Ctrl-C stops one process's training after the batch it is on, and the best epoch so far is written (the ranks
        // of an MPI job could not stop together: they end at once).
        let note = "stopping after this batch; the best epoch so far will be written to \(out)" + (members > 1 ? ", with the ensemble members trained so far" : "")
        try Interruption.stoppable(note, when: trainer.group == nil) {
            for member in 0..<members {
                trainer.configuration.seed = configuration.seed + UInt64(member)
                if members > 1, ProcessGroup.isLeader { log("ensemble member \(member + 1) of \(members): seed \(trainer.configuration.seed)") }
                let result: TrainingResult
                do {
                    result = try trainer.train(Sequential(specs, seed: trainer.configuration.seed), on: source)
                } catch let error as MedPipeError where !trained.isEmpty && Interruption.isStopRequested {
                    log("ensemble member \(member + 1): \(error.message)")
                    break
                }
                trained.append(result.best)
                keptEpochs.append("\(result.bestEpoch)\(result.stoppedEarly ? " (stopped early)" : "")"
                                  + (result.divergedAt.map { " (stopped at epoch \($0): the training loss was not finite)" } ?? "")
                                  + (result.interruptedAt.map { " (interrupted in epoch \($0))" } ?? ""))
                if result.interruptedAt != nil { break }
            }
        }
        guard ProcessGroup.isLeader else { return }
        let checkpoint = Checkpoint(ensemble: Ensemble(trained), classNames: dataset.classNames, inputShape: dataset.sampleShape,
                                    normalization: "cache \(dataset.recipeHash)", recipeHash: dataset.recipeHash, modelName: name,
                                    extra: carried.merging([EpochMetrics.curveMetadataKey: EpochMetrics.curveDigest(curve)]) { $1 })
        try checkpoint.write(to: out)
        log("kept epoch\(members > 1 ? "s" : "") \(keptEpochs.joined(separator: ", ")); wrote \(out)"
            + (trained.count < members ? " (\(trained.count) of \(members) ensemble members: interrupted)" : ""))
        Interruption.exitIfStopped()
    }
}

extension Train {
    /// The flags given that only a network's training reads: a tree model is refused them rather than ignore them.
    var networkFlagsGiven: [String] {
        let given: [(String, Bool)] = [("--epochs", epochs != nil), ("--batch", batch != nil), ("--lr", lr != nil), ("--optimizer", optimizer != nil),
                                      ("--weight-decay", weightDecay != nil), ("--schedule", schedule != nil), ("--class-weight-power", classWeightPower != nil),
                                      ("--patience", patience != nil), ("--monitor", monitor != nil), ("--metrics", metrics != nil), ("--augment", augment != "recipe")]
        return given.filter(\.1).map(\.0)
    }

    /// Refuses `--out` or `--metrics` naming the cache (or a file in it), a YAML model or augmentation read, or each other.
    func refuseOutputsOverInputs() throws {
        let inputs = [.cache(cache)] + OutputPath.inputs(["--model": model, "--augment": augment])
        for output in [out, metrics].compactMap({ $0 }) { try OutputPath.refuseOverwriting(output, inputs: inputs) }
        try OutputPath.refuseSharing([("--out", out), ("--metrics", metrics)])
    }
}

/// One human-readable line per epoch.
struct EpochLine {
    let m: EpochMetrics
    init(_ m: EpochMetrics) { self.m = m }

    var text: String {
        var parts = [String(format: "epoch %d  loss %.4f  acc %.4f  bal-acc %.4f", m.epoch, m.loss, m.accuracy, m.balancedAccuracy)]
        if let v = m.valLoss { parts.append(String(format: "val-loss %.4f", v)) }
        if let v = m.valAccuracy { parts.append(String(format: "val-acc %.4f", v)) }
        if let v = m.valBalancedAccuracy { parts.append(String(format: "val-bal-acc %.4f", v)) }
        if let v = m.valROCAUC { parts.append(String(format: "val-auc %.4f", v)) }
        parts.append(String(format: "%.0f samples/s", m.samplesPerSecond))
        if m.best { parts.append("*") }
        return parts.joined(separator: "  ")
    }
}

/// Appends JSON lines to a file (created, with its missing folders, when absent; a FIFO or a device takes them as a stream).
final class MetricsLog: @unchecked Sendable {
    // Safety: used from the training loop only.
    private let path: String, descriptor: Int32
    private var failed = false

    /// Opens `path` for appending, before the training starts.
    /// - Throws: `.io` naming the file and why it cannot be written.
    init(_ path: String) throws {
        _ = try OutputPath.createFolder(of: path)
        descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw MedPipeError.io(path, "cannot write metrics: \(String(cString: strerror(errno)))") }
        self.path = path
    }

    deinit { close(descriptor) }

    /// Appends `line` and a line break. A line that cannot be written (a full disk) is told of once, as a warning,
    /// and the training goes on: it trapped, ending the training with nothing written.
    func append(_ line: String) {
        guard !failed else { return }
        do {
            var text = line + "\n"
            try text.withUTF8 { try AtomicFile.writeAll(descriptor, [UnsafeRawBufferPointer($0)], path: path) }
        } catch {
            failed = true
            printWarning("\(error); the training goes on without writing its metrics")
        }
    }
}
