import ArgumentParser
import Foundation
import MedPipeCore
import MedPipeFormats
import MedPipePipeline
import MedPipeTrain
import MedPipeTrees

/// `medpipe predict`: a trained model on raw inputs (prepared as its training data was) or on a prepared batch.
struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Run a trained model on raw inputs, prepared exactly as its training data was, or on a .npy batch.",
        discussion: """
        A model written by `medpipe train` carries the stages of the cache it was trained on and the \
        statistics fitted there. Given raw inputs (a WFDB .hea record, DICOM files or series, NIfTI \
        volumes, PNGs...), predict runs those stages and prints one line per sample (per beat for ECG: \
        its number, R-peak time in seconds and annotated class) with the predicted class and every class's \
        probability; --out writes the same as CSV. keep-labels stages are skipped: every part is predicted. \
        A record without beat annotations (no .atr file) has its R peaks detected, with a warning. \
        An input whose prepared samples hold NaN or infinite values is refused, as --npy refuses them. \
        --rename-lead reads a record's lead under the name the model's stages select (a 12-lead ECG's \
        lead ii for a model trained on MIT-BIH's MLII: --rename-lead ii=MLII).

        An image set is predicted image by image, as convert reads it: a FER2013 CSV, a MedMNIST .npz, an MNIST idx \
        image file (`[image N]`, with the label the set holds).

        A model trained on a CSV table predicts each row of a table read with its recipe's table options \
        (named `row N`, counting from 0 as convert does): its feature columns are found by name in any \
        order, a label or other column is ignored, and a missing one is an error. A model trained before \
        models kept their table options is refused: convert the recipe again and retrain.

        A tree model (random-forest, gradient-boosting) predicts raw inputs the same way; it takes NaN for a \
        missing value.

        --npy takes a float32 batch already shaped (N, C, ...) and writes the logits (N, classes) to --out \
        (for an ensemble, the log of its members' mean probabilities); a tree model writes class probabilities instead.

        Examples:
          medpipe predict --model ds1.safetensors ../shared/data/wfdb/mitdb/209.hea \\
              --out 209.csv
          medpipe predict --model ds1.safetensors --rename-lead ii=MLII ecg12.hea
          find ecg -name '*.hea' -print0 | medpipe predict --model ds1.safetensors \\
              --inputs-from - --null --out ecg.csv
          medpipe predict --model mnist.safetensors --npy batch.npy --out logits.npy
          medpipe predict --model forest.json digit.png
          medpipe predict --model heart.json patients.csv --out heart.csv
        """
    )

    @Option(help: ArgumentHelp("A model written by `medpipe train`.", valueName: "MODEL.safetensors")) var model: String
    @Argument(help: ArgumentHelp("Raw inputs to prepare with the model's stages.", valueName: "INPUT")) var inputs: [String] = []
    @OptionGroup var inputList: InputList
    @Option(help: ArgumentHelp("Inputs already prepared: float32, shaped (N,) + the model's input shape.", valueName: "X.npy")) var npy: String?
    @Option(help: ArgumentHelp("With --npy, where to write the float32 logits; with raw inputs, a CSV of the predictions.", valueName: "FILE")) var out: String?
    @Option(help: ArgumentHelp("Read the inputs' lead FROM as the lead TO that the model's stages select (repeatable).", valueName: "FROM=TO"))
    var renameLead: [String] = []
    @Option(parsing: .unconditional, help: "Threads for the matrix products (oneDNN, or OpenBLAS with MEDPIPE_GEMM=openblas) and the layers.") var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    func validate() throws {
        guard (npy == nil) == inputList.isGiven(with: inputs) else { throw ValidationError("give raw inputs (INPUT... or --inputs-from FILE) or --npy X.npy (one of the two)") }
        if npy != nil, out == nil { throw ValidationError("--npy needs --out LOGITS.npy") }
        if threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
        if npy != nil, !renameLead.isEmpty { throw ValidationError("--rename-lead applies to raw inputs, not to --npy") }
        _ = try leadNames()
    }

    /// `--rename-lead` as a map from the inputs' lead names to the model's.
    func leadNames() throws -> [String: String] {
        var names: [String: String] = [:]
        for pair in renameLead {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw ValidationError("--rename-lead takes FROM=TO (e.g. ii=MLII), not '\(pair)'")
            }
            guard names.updateValue(parts[1], forKey: parts[0]) == nil else {
                throw ValidationError("--rename-lead renames \(parts[0]) twice")
            }
        }
        return names
    }

    func run() throws {
        let inputs = try inputList.paths(after: inputs)
        if let out {
            try OutputPath.refuseOverwriting(out, inputs: OutputPath.inputs(["--model": model, "--npy": npy]) + inputList.listFile + OutputPath.records(inputs))
            try OutputPath.prepare(out)
        }
        if let npy, let out, TreeModel.isTreeModel(model) { return try TreeModelCommands.predict(model, npy: npy, out: out) }
        let warmUp = BLAS.startWarmUp()   // while the model and inputs are read
        defer { warmUp.wait() }
        BLAS.setThreads(threads)
        if let npy, let out {
            var checkpoint = try Checkpoint.read(model)
            let input = try PreparedBatch(npy: npy, for: checkpoint)
            let batch = try checkpoint.inferenceBatch(file: model)
            let logits = try checkpoint.ensemble.scores(Activation(shape: input.shape, data: input.values), batchesOf: batch, model: model)
            try NPYWriter.write(Tensor(shape: logits.shape, values: logits.data), to: out)
            printLines(["wrote \(out): logits \(logits.shape) for classes \(checkpoint.classNames.joined(separator: ", "))"])
            return
        }
        var predictor = try TrainedModel(reading: model)
        guard let preprocessing = try Preprocessing(metadata: predictor.preparation, subject: model) else {
            throw MedPipeError.invalidArgument(model, "carries no preprocessing (it was written before models kept their stages): prepare the inputs yourself and use --npy")
        }
        let classes = predictor.classNames
        var csv = [(["input", "part", "index", "r_peak_seconds", "annotated", "predicted"] + classes.map { "p_" + $0 }).map(CSVField.quoted).joined(separator: ",")]
        let leadNames = try leadNames()
        for input in inputs {
            var predicted = 0
            // Record by record (a folder of DICOM series one series at a time), each predicted before the next is read.
            let warnings = try preprocessing.prepare(input, leadNames: leadNames) { prepared in
                if let bad = prepared.first(where: { $0.shape != predictor.inputShape }) {
                    throw MedPipeError.invalidArgument(input, "prepares to samples of shape \(bad.shape); the model takes \(predictor.inputShape)")
                }
                for sample in prepared {
                    if case .temporal(let frequency)? = sample.geometry { try preprocessing.requireTrainedFrequency(frequency, of: input) }
                }
                // As `--npy` refuses them (PreparedBatch): a NaN pixel passed the stages and the network's ReLUs, and its
                // image was given a class and probabilities like any other. (A tree model takes NaN for a missing value.)
                if predictor.needsFiniteInputs, let bad = NonFiniteSamples(of: prepared.count, where: { prepared[$0].values.contains { !$0.isFinite } }) {
                    throw MedPipeError.invalidArgument(input, bad.described(first: prepared[bad.first].source.part(orSample: bad.first)))
                }
                predicted += prepared.count
                csv += try predict(prepared, of: input, with: &predictor)
            }
            for warning in warnings { printWarning("\(input): \(Converter.warning(warning, path: input))") }
            // Said, not passed over: the run printed nothing for it and exited 0 (a record too short for one beat's window).
            guard predicted > 0 else {
                throw MedPipeError.invalidArgument(input, "gives no sample to predict: the model's stages kept nothing of it")
            }
        }
        if let out {
            try AtomicFile.write(out, text: csv.joined(separator: "\n") + "\n")
            printLines(["wrote \(out): \(csv.count - 1) predictions"])
        }
    }

    /// Prints each prepared sample's class and probabilities; returns the samples' CSV rows.
    private func predict(_ prepared: [Preprocessing.Prepared], of path: String, with predictor: inout TrainedModel) throws -> [String] {
        guard !prepared.isEmpty else { return [] }
        let classes = predictor.classNames
        let probabilities = try predictor.probabilities(prepared.flatMap(\.values), count: prepared.count)
        return prepared.enumerated().map { row, sample in
            let p = Array(probabilities[(row * classes.count)..<((row + 1) * classes.count)])
            let best = p.indices.max { p[$0] < p[$1] }!
            let peak = sample.rPeakSeconds.map { String(format: "%.4f", $0) } ?? ""
            let part = sample.source.part ?? "", index = sample.source.index.map(String.init) ?? ""
            let location = part.isEmpty ? "" : " [\(part) \(index)\(peak.isEmpty ? "" : ", R peak at \(peak) s")]"
            let annotated = sample.label.map { ", annotated \($0)" } ?? ""
            let scores = zip(classes, p).map { String(format: "%@ %.3f", $0, $1) }.joined(separator: ", ")
            printLines(["\(path)\(location)\(annotated): \(classes[best]) (\(scores))"])
            return [path, part, index, peak, sample.label ?? "", classes[best]].map(CSVField.quoted).joined(separator: ",")
                + "," + p.map { String(format: "%.6f", $0) }.joined(separator: ",")
        }
    }
}
