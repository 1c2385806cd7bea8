import Foundation
import MedPipeCore
import MedPipeFormats
import MedPipeStages

/// The preprocessing a model was trained with: the cache's stages and the statistics fitted on its
/// training split. A checkpoint carries it (metadata `pipeline` and `fitted`, the cache's own JSON),
/// so that `medpipe predict --model M INPUT...` prepares raw inputs exactly as the training data was.
public struct Preprocessing: Sendable {

    public var pipeline: StagePipeline
    public var fitted: FittedPipeline
    /// The sampling frequency (Hz) of the prepared training signals, nil for other samples (and in models written
    /// before it was kept): the same stages give a record sampled otherwise beats of other durations.
    public var frequency: Double?
    /// What a value of the training signals stood for where the fitted stages took them (their units and ADC scale),
    /// nil for dimensionless values and other samples (and in models written before it was kept).
    public var scale: SignalScale?
    /// How the rows of a CSV table become the model's inputs, nil for other samples (and in models written before it
    /// was kept, which cannot predict a table).
    public var table: TableInput?

    public init(pipeline: StagePipeline, fitted: FittedPipeline, frequency: Double? = nil, scale: SignalScale? = nil, table: TableInput? = nil) {
        self.pipeline = pipeline
        self.fitted = fitted
        self.frequency = frequency
        self.scale = scale
        self.table = table
    }

    /// The preprocessing stored in a checkpoint's metadata, or nil when it has none (older checkpoints).
    /// - Throws: ``MedPipeError`` naming `subject`: metadata that is not JSON of stages and statistics, or statistics
    ///   that the stages cannot apply (``FittedPipeline/problem(for:)``: a model edited or damaged).
    public init?(metadata: [String: String], subject: String) throws {
        guard let pipelineText = metadata[PreparationKeys.pipeline], let fittedText = metadata[PreparationKeys.fitted] else { return nil }
        pipeline = try JSONCoding.decode(StagePipeline.self, from: pipelineText, subject: subject, "its preprocessing metadata '\(PreparationKeys.pipeline)'")
        fitted = try JSONCoding.decode(FittedPipeline.self, from: fittedText, subject: subject, "its preprocessing metadata '\(PreparationKeys.fitted)'")
        try fitted.requireApplicable(by: pipeline, subject: subject, place: "metadata '\(PreparationKeys.fitted)'")
        if let text = metadata[PreparationKeys.frequency] {
            guard let value = Double(text), value.isFinite, value > 0 else {
                throw MedPipeError.malformed(subject, "its metadata '\(PreparationKeys.frequency)' is not a sampling frequency in Hz: '\(text)'")
            }
            frequency = value
        }
        if let text = metadata[PreparationKeys.scale] {
            scale = try JSONCoding.decode(SignalScale.self, from: text, subject: subject, "its preprocessing metadata '\(PreparationKeys.scale)'")
        }
        if let text = metadata[PreparationKeys.table] {
            table = try JSONCoding.decode(TableInput.self, from: text, subject: subject, "its preprocessing metadata '\(PreparationKeys.table)'")
        }
    }

    /// Fails unless a prepared sample sampled at `frequency` Hz (nil: not a signal) is sampled as the training signals
    /// were: the stages of a model trained at 360 Hz without `resample-signal` cut a 250 Hz record into beats 1.44
    /// times as long, and its predictions were made without a word.
    public func requireTrainedFrequency(_ frequency: Double?, of input: String) throws {
        guard let trained = self.frequency, let frequency, abs(frequency - trained) > 1e-9 * trained else { return }
        throw MedPipeError.invalidArgument(input, "prepares to signals sampled at \(CanonicalParameters.format(frequency)) Hz; the model was trained on signals at \(CanonicalParameters.format(trained)) Hz: train with a `resample-signal: { frequency: \(CanonicalParameters.format(trained)) }` stage, which prepares every record at one frequency")
    }

    /// Fails unless a sample whose values are on `scale` (nil: dimensionless) reaches the fitted stages on the scale the
    /// training signals reached them: MIT-BIH's digital values count 200 per mV, other databases' 1,000, and a model
    /// whose stages normalize no record took one number for one voltage.
    public func requireTrainedScale(_ scale: SignalScale?, of input: String) throws {
        guard let trained = self.scale, let scale, scale != trained else { return }
        throw MedPipeError.invalidArgument(input, "holds values in \(scale) where the model's training signals held \(trained) at the same stage: the same numbers stand for other voltages; train with a recipe that normalizes every record (`lead-zscore`) before any fitted stage")
    }

    /// Fails unless `dataset` was prepared as the model at `model` was trained (`metadata`: its checkpoint's): by the same
    /// stages, with the same fitted statistics, from table rows of the same columns. A model's scores on a cache prepared
    /// otherwise (another recipe's stages, statistics fitted on another training split, a table's columns in another
    /// order) were computed without a word on inputs unlike any it was trained on. Where a `beats` stage takes its R
    /// peaks from is not part of the preparation (``StagePipeline/withPeaks(from:)``): a model trained at annotated
    /// peaks is judged on new patients' detected ones. A checkpoint without preprocessing (written before models kept
    /// it) is not checked.
    public static func requireSame(in dataset: CacheDataset, asModel model: String, metadata: [String: String]) throws {
        guard let trained = try Preprocessing(metadata: metadata, subject: model) else { return }
        let prepared = dataset.preprocessing
        try trained.requireTrainedFrequency(prepared.frequency, of: dataset.cache.directory)
        try trained.requireTrainedScale(prepared.scale, of: dataset.cache.directory)
        if trained.pipeline.withPeaks(from: .annotations) != prepared.pipeline.withPeaks(from: .annotations) {
            let names = { (p: StagePipeline) in p.stages.isEmpty ? "no stage" : "[" + p.stages.map(\.name).joined(separator: ", ") + "]" }
            let (ours, theirs) = (names(trained.pipeline), names(prepared.pipeline))
            throw MedPipeError.invalidArgument(model, "was trained on inputs prepared by the stages \(ours); the cache \(dataset.cache.directory) was prepared by \(ours == theirs ? "the same stages with other parameters" : theirs): convert the data with the recipe of the model's training cache")
        }
        // Rows of other columns, or of the same columns in another order, are other inputs under the same positions.
        if let trainedTable = trained.table, let preparedTable = prepared.table, trainedTable.features != preparedTable.features {
            throw MedPipeError.invalidArgument(model, "was trained on the table columns \(trainedTable.features.joined(separator: ", ")); the cache \(dataset.cache.directory) holds the columns \(preparedTable.features.joined(separator: ", ")): convert the data with the recipe of the model's training cache")
        }
        guard try sameStatistics(trained.fitted, prepared.fitted) else {
            throw MedPipeError.invalidArgument(model, "was trained with statistics fitted on another training split than those of the cache \(dataset.cache.directory): convert the data with `medpipe convert --fit-from` the model's training cache")
        }
    }

    /// Whether two sets of fitted statistics are the same. Statistics that are NaN are equal to none: then the texts are
    /// compared.
    public static func sameStatistics(_ a: FittedPipeline, _ b: FittedPipeline) throws -> Bool {
        let encoder = JSONCoding.encoder()
        return try a == b || encoder.encode(a) == encoder.encode(b)
    }

    /// The metadata entries that store this preprocessing.
    public func metadata() throws -> [String: String] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var entries = [PreparationKeys.pipeline: String(decoding: try encoder.encode(pipeline), as: UTF8.self),
                       PreparationKeys.fitted: String(decoding: try encoder.encode(fitted), as: UTF8.self)]
        if let frequency { entries[PreparationKeys.frequency] = "\(frequency)" }
        if let scale { entries[PreparationKeys.scale] = String(decoding: try encoder.encode(scale), as: UTF8.self) }
        if let table { entries[PreparationKeys.table] = String(decoding: try encoder.encode(table), as: UTF8.self) }
        return entries
    }

    /// One prepared sample: where it came from, its label when the input carries one (a beat's
    /// annotation), and the model input in channels-first layout.
    public struct Prepared: Sendable {
        /// When a beat's R peak lies, in seconds from the record's start (its `r_peak` sample at the prepared
        /// signal's frequency, which resampling may have changed from the record's own), or nil.
        public var rPeakSeconds: Double? {
            guard case .int(let peak)? = metadata["r_peak"], case .temporal(let frequency)? = geometry, frequency > 0 else { return nil }
            return Double(peak) / frequency
        }

        public var source: SourceReference
        public var label: String?
        public var metadata: [String: MetadataValue]
        /// The prepared sample's geometry (a beat's: the sampling frequency its `r_peak` counts in).
        public var geometry: Geometry?
        public var shape: [Int]
        public var values: [Float]
    }

    /// Reads a raw input (any format MedPipe reads) and runs every stage with the fitted statistics, calling `body`
    /// with the samples prepared from each record in turn: a folder of DICOM series one series at a time
    /// (``RecordReading/forEachRecord(_:options:_:)``), so that predicting over an archive needs the memory of one
    /// series. Returns the readers' warnings (problems that did not stop the read, such as a file of a series skipped)
    /// and what the preparation did otherwise than training, each once. Stages that select training data by label
    /// (`keep-labels`) are skipped: every part is predicted. A record without beat annotations (no `.atr`) has its R
    /// peaks detected (``QRSDetector``) where the model's `beats` stage reads them from annotations, with a warning
    /// saying so. A model trained on a table takes a CSV table, read as `convert` read its training table
    /// (``TableInput/rows(of:)``): one sample per row, its columns found by name (a label or other column is not read),
    /// rows with a missing value left out, with a warning, where the recipe dropped incomplete rows. An image set
    /// (``imageSet(_:kind:)``) gives one sample per image, its part `image` and its index in the set.
    /// - Parameter leadNames: leads of the input to read under another name (`ii` as `MLII`), for stages
    ///   that select leads by name; leads are named as `convert` names them (``SourceLoader/metadata(of:)``: a
    ///   description that is no plain signal name is `sig0`, `sig1`...).
    /// - Throws: ``MedPipeError`` naming `path` first, a stage's error too (`PATH: stage: problem`), and what `body`
    ///   throws; for a table given to a model that carries no table input (trained before models kept it, or not on
    ///   a table), and for another input given to a model that does.
    public func prepare(_ path: String, leadNames: [String: String] = [:], _ body: ([Prepared]) throws -> Void) throws -> [String] {
        do { return try readAndRunStages(path, leadNames: leadNames, body) } catch let error as MedPipeError {
            throw Converter.naming(path, error)
        }
    }

    private func readAndRunStages(_ path: String, leadNames: [String: String], _ body: ([Prepared]) throws -> Void) throws -> [String] {
        let stages = StagePipeline(pipeline.stages.filter { if case .keepLabels = $0 { false } else { true } })
        // Fitted statistics are indexed by stage: re-index them for the stages kept.
        var entries: [FittedPipeline.Entry] = []
        var kept = 0
        for (index, stage) in pipeline.stages.enumerated() {
            if case .keepLabels = stage { continue }
            if var entry = fitted.entries.first(where: { $0.stage == index }) {
                entry.stage = kept
                entries.append(entry)
            }
            kept += 1
        }
        let keptFitted = FittedPipeline(entries: entries)
        let kind = try? FormatKind.detect(path)
        if let table {
            // A file of another format is not read as text (an unknown name is: a table need not end in .csv).
            if let kind, kind != .csv { throw MedPipeError.invalidArgument(path, "is \(kind.rawValue) data; the model takes the rows of a CSV table") }
            let (rows, incomplete) = try table.rows(of: path)
            try body(try run(rows, through: stages, fitted: keptFitted))
            guard let first = incomplete.first else { return [] }
            let left = incomplete.count == 1 ? "row \(first) holds a missing value" : "\(incomplete.count) rows hold a missing value (the first: row \(first))"
            return ["\(left): not predicted, as the model's recipe left such rows out of training (drop-incomplete-rows)"]
        }
        if let images = try Self.imageSet(path, kind: kind) {
            // As `convert` reads an image set: each image its own sample, named by its place in the set.
            let samples = images.enumerated().map { index, record in
                var sample = Sample(record: record)
                sample.source = SourceReference(record: record.source, part: "image", index: index)
                sample.metadata = SourceLoader.metadata(of: record)
                return sample
            }
            try body(try run(samples, through: stages, fitted: keptFitted))
            return []
        }
        if kind == .csv {
            throw MedPipeError.invalidArgument(path, "is a CSV table, and the model carries no table input (the recipe's table options and feature columns): it was trained before models kept them, or not on a table; convert its recipe again and retrain it to predict tables")
        }
        var warnings: [String] = [], notes: [String] = []
        var seen: Set<String> = []
        let late = try RecordReading.forEachRecord(path, options: .forStages) { record in
            warnings += record.warnings.filter { seen.insert($0).inserted }
            // As `convert` refuses it (``SourceLoader``): the stages told of it as a filter's "signal of 0 samples too short".
            guard record.tensor.count > 0 else {
                throw MedPipeError.malformed(record.source, "holds no values (shape \(record.tensor.shape)): nothing to predict")
            }
            var sample = Sample(record: record)
            // The metadata `convert` keeps, named as it names it: a lead the model's stages choose as `sig0` is found
            // in a record whose description is free text.
            sample.metadata = SourceLoader.metadata(of: record)
            sample.label = nil
            if !leadNames.isEmpty { try Self.rename(leadNames, in: &sample) }
            var recordStages = stages
            if !record.annotations.contains(where: { AAMIClass.beatSymbols.contains($0.symbol) }),
               let detecting = stages.detectingBeats() {
                recordStages = detecting
                notes.append("\(sample.source): the record has no beat annotations: its R peaks were detected (the model was trained on annotated ones)")
            }
            try body(try run([sample], through: recordStages, fitted: keptFitted))
        }
        return warnings + late + notes
    }

    /// The images of an image set, one record each, as `convert` reads them: FER2013's CSV layout, a MedMNIST `.npz`
    /// (its splits' images in turn), an MNIST idx image file (`N × rows × columns`); nil for any other input. A label
    /// the set holds is kept, and predictions say it.
    static func imageSet(_ path: String, kind: FormatKind?) throws -> [Record]? {
        switch kind {
        case .csv?: return FERDataset.isFERLayout(path) ? try FERDataset.load(path).records() : nil
        case .npz?: return try MedMNISTDataset.loadIfSplits(path)?.records()
        case .idx?: return try MNISTDataset.unlabeled(images: path)?.records()
        default: return nil
        }
    }

    /// `samples` through `stages` with the `fitted` statistics, in the model's input layout.
    private func run(_ samples: [Sample], through stages: StagePipeline, fitted: FittedPipeline) throws -> [Prepared] {
        // The values must reach the fitted stages on the training signals' scale.
        let boundary = stages.fitBoundary
        let unfitted = try stages.run(samples, through: boundary).samples
        for prepared in unfitted { try requireTrainedScale(SignalScale(metadata: prepared.metadata), of: prepared.source.description) }
        return try stages.run(unfitted, from: boundary, fitted: fitted).samples.map { output in
            let (shape, values) = ModelInputLayout.arrange(output.tensor, geometry: output.geometry)
            return Prepared(source: output.source, label: output.label, metadata: output.metadata, geometry: output.geometry,
                            shape: shape, values: values)
        }
    }

    /// Renames the sample's leads (metadata `signalNames`); every lead renamed must exist, and the names stay
    /// distinct.
    static func rename(_ leadNames: [String: String], in sample: inout Sample) throws {
        guard case .strings(let names)? = sample.metadata["signalNames"] else {
            throw MedPipeError.invalidArgument(sample.source.description, "has no named leads to rename (it is not a signal record)")
        }
        for from in leadNames.keys.sorted() where !names.contains(from) {
            throw MedPipeError.invalidArgument(sample.source.description, "has no lead named \(from) to rename (it has \(names.joined(separator: ", ")))")
        }
        let renamed = names.map { leadNames[$0] ?? $0 }
        guard Set(renamed).count == renamed.count else {
            throw MedPipeError.invalidArgument(sample.source.description, "renaming its leads \(names.joined(separator: ", ")) gives two leads one name (\(renamed.joined(separator: ", ")))")
        }
        sample.metadata["signalNames"] = .strings(renamed)
    }
}

extension StagePipeline {
    /// These stages with every `beats` stage that reads the annotated R peaks detecting them instead, or nil
    /// when no stage reads them.
    func detectingBeats() -> StagePipeline? {
        let detecting = withPeaks(from: .detect)
        return detecting == self ? nil : detecting
    }
}
