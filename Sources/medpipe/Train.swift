import ArgumentParser
import Foundation
import MedPipeCore
import MedPipePipeline
import MedPipeStages
import MedPipeTrain
import MedPipeTrees

/// `medpipe train`: a CNN or MLP on a converted dataset cache.
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a model on a dataset cache's training split, validating every epoch.",
        discussion: """
        The best model by validation loss (or --monitor) is kept, as a real copy, and written as \
        safetensors that load into a PyTorch nn.Sequential of the same layers. One JSON line per epoch \
        goes to --metrics.

        Models: mnist-cnn, mnist-mlp, heart-mlp, ecg-cnn, medmnist-cnn, cnn3d, or a YAML list of layers; \
        or the tree baselines random-forest and gradient-boosting (XGBoost), on any cache (images and \
        signals flattened), written as XGBoost's JSON model with MedPipe's metadata in its attributes \
        (loads in Python with xgboost.Booster(model_file=...)); they take --seed, --threads, --balance \
        and the tree options below, not the epochs, batches or optimizer.
        Balance: recipe (the cache's plan), none, oversample, undersample, class-weights.

        Example:
          medpipe train --cache out/mnist-cache --model mnist-cnn --epochs 3 --out mnist.safetensors
          medpipe train --cache out/mnist-cache --model random-forest --trees 100 --out forest.json
        """
    )

    @Option(help: "The dataset cache written by `medpipe convert`.") var cache: String
    @Option(help: "A built-in model name or a YAML layer list.") var model: String
    @Option(help: "Passes over the training split.") var epochs: Int = 10
    @Option(help: ArgumentHelp("Where to write the best model.", valueName: "MODEL.safetensors")) var out: String
    @Option(help: "Samples per batch.") var batch: Int = 64
    @Option(help: "Learning rate.") var lr: Double = 1e-3
    @Option(help: "adam or sgd (momentum 0.9).") var optimizer: String = "adam"
    @Option(help: "Weight decay (L2).") var weightDecay: Double = 0
    @Option(help: "constant, cosine or step (×0.1 every third of the epochs).") var schedule: String = "constant"
    @Option(help: "Seed for initialization, shuffling, dropout and resampling.") var seed: UInt64 = 0
    @Option(help: "Rebalancing of the training split.") var balance: String = "recipe"
    @Option(help: "Threads for the matrix products (oneDNN, or OpenBLAS with MEDPIPE_GEMM=openblas) and the layers.") var threads: Int = ProcessInfo.processInfo.activeProcessorCount
    @Option(help: "Stop after this many epochs without improvement.") var patience: Int?
    @Option(help: "val_loss or val_balanced_accuracy: what picks the kept model.") var monitor: String = "val_loss"
    @Option(help: ArgumentHelp("Append one JSON line per epoch to this file.", valueName: "FILE.jsonl")) var metrics: String?
    @Option(help: ArgumentHelp("Data augmentation of training batches: recipe (the augment: section of the recipe that made the cache, if any), none, or a YAML file listing transforms.", valueName: "recipe|none|FILE.yaml")) var augment: String = "recipe"
    @OptionGroup(title: "Tree models (random-forest, gradient-boosting)") var trees: TreeOptions

    func run() throws {
        guard let balanceChoice = CacheDataset.Balance(rawValue: balance) else {
            throw MedPipeError.invalidArgument("--balance", "expected one of \(CacheDataset.Balance.allCases.map(\.rawValue).joined(separator: ", ")), got '\(balance)'")
        }
        guard let monitorChoice = TrainingConfiguration.Monitor(rawValue: monitor) else {
            throw MedPipeError.invalidArgument("--monitor", "expected val_loss or val_balanced_accuracy, got '\(monitor)'")
        }
        if let kind = TreeKind(rawValue: model) {
            return try trees.train(kind, cache: cache, out: out, balance: balanceChoice, seed: seed, threads: threads)
        }
        let dataset = try CacheDataset(directory: cache)
        let augmentation: Augmentation? = switch augment {
        case "recipe": try dataset.recipeAugmentation()
        case "none": nil
        default: try AugmentSpec.load(augment)
        }
        let source = try dataset.batchSource(balance: balanceChoice, seed: seed, augmentation: augmentation)
        let (name, specs) = try ModelChoice.specs(model, inputShape: dataset.sampleShape, classes: dataset.classNames.count)
        let optimizerValue: any Optimizer = switch optimizer {
        case "adam": Adam(learningRate: Float(lr), weightDecay: Float(weightDecay))
        case "sgd": SGD(learningRate: Float(lr), momentum: 0.9, weightDecay: Float(weightDecay))
        default: throw MedPipeError.invalidArgument("--optimizer", "expected adam or sgd, got '\(optimizer)'")
        }
        let scheduleValue: LearningRateSchedule = switch schedule {
        case "constant": .constant
        case "cosine": .cosine(period: epochs)
        case "step": .step(stepSize: max(1, epochs / 3), gamma: 0.1)
        default: throw MedPipeError.invalidArgument("--schedule", "expected constant, cosine or step, got '\(schedule)'")
        }
        let configuration = TrainingConfiguration(
            epochs: epochs, batchSize: batch, seed: seed, optimizer: optimizerValue, schedule: scheduleValue,
            classWeights: try dataset.classWeights(balanceChoice), patience: patience, monitor: monitorChoice, threads: threads)
        if let augmentation { print("augmenting training batches: \(augmentation.transforms.map(\.name).joined(separator: ", "))") }
        print("training \(name) on \(source.sampleCount(.train)) samples per epoch (\(dataset.classNames.count) classes: \(dataset.classNames.joined(separator: ", "))), input \(dataset.sampleShape)")
        var trainer = Trainer(configuration)
        let bar = ProgressBar("epoch")
        let metricsFile = try metrics.map(MetricsLog.init)
        trainer.onBatch = { epoch, done, total in bar.update(done: done, total: total, note: "epoch \(epoch)") }
        trainer.onEpoch = { m in
            bar.finish()
            print(EpochLine(m).text)
            metricsFile?.append(m.jsonLine)
        }
        let result = try trainer.train(Sequential(specs, seed: seed), on: source)
        let checkpoint = Checkpoint(model: result.best, classNames: dataset.classNames, inputShape: dataset.sampleShape,
                                    normalization: "cache \(dataset.recipeHash)", recipeHash: dataset.recipeHash, modelName: name)
        try checkpoint.write(to: out)
        print("kept epoch \(result.bestEpoch)\(result.stoppedEarly ? " (stopped early)" : ""); wrote \(out)")
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

/// Appends JSON lines to a file.
final class MetricsLog: @unchecked Sendable {
    // Safety: used from the training loop only.
    private let handle: FileHandle

    init(_ path: String) throws {
        if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        guard let handle = FileHandle(forWritingAtPath: path) else { throw MedPipeError.io(path, "cannot write metrics") }
        handle.seekToEndOfFile()
        self.handle = handle
    }

    func append(_ line: String) { handle.write(Data((line + "\n").utf8)) }
}
