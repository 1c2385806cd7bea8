import Foundation
import MedPipeCache
import MedPipeCore
import MedPipeFormats
import MedPipePipeline

/// What to export and where.
public struct ExportOptions: Sendable {
    public var format: ExportFormat
    /// Output directory (created if needed); files of the same names are replaced, and an export that would leave
    /// an earlier one's other files beside its own is refused (``EarlierExport``). Nothing is moved into it before
    /// the last sample is written (``PartialOutputs``): a failed export leaves it as it was.
    public var output: String
    /// Only this split (`train`, `val`, `test`); nil for all.
    public var split: String?
    /// At most this many samples, the first in cache order (after the split filter).
    public var limit: Int?
    /// Apply the cache's fitted stages (z-score, standardize...) before writing.
    public var fitted: Bool
    /// Write samples read from DICOM images that may hold burned-in text (``DICOMBurnedInText``); without it such a
    /// sample stops the export before anything is written. DICOM files written with it say Burned In Annotation YES.
    public var allowBurnedIn: Bool
    /// Maps a stable string to a new DICOM UID (the CLI passes the keyed `Pseudonymizer.uid`).
    public var makeUID: @Sendable (String) -> String

    public init(format: ExportFormat, output: String, split: String? = nil, limit: Int? = nil, fitted: Bool = false,
                allowBurnedIn: Bool = false, makeUID: @escaping @Sendable (String) -> String) {
        self.format = format
        self.output = output
        self.split = split
        self.limit = limit
        self.fitted = fitted
        self.allowBurnedIn = allowBurnedIn
        self.makeUID = makeUID
    }
}

/// What an export wrote.
public struct ExportSummary: Sendable {
    public var output: String
    public var format: ExportFormat
    /// Samples written per split.
    public var samples: [(split: String, count: Int)]
    /// Every file written, in order.
    public var files: [String]
}

/// Writes the de-identified samples of a dataset cache as files of one format.
///
/// Files are named by split and position (`train/train_00001.nii.gz`, `train.csv`), never by source:
/// the cache holds no source path, and the pseudonymous group is the only patient reference that
/// reaches a file (DICOM Patient Name/ID). Per-sample formats write into one folder per split.
public struct Exporter: Sendable {
    public let cache: DatasetCache
    private let dataset: CacheDataset?

    /// Opens the cache; with `fitted`, also its fitted stages (which needs a finished convert run).
    public init(cacheDirectory: String, fitted: Bool = false) throws {
        if fitted {
            let dataset = try CacheDataset(directory: cacheDirectory)
            self.dataset = dataset
            cache = dataset.cache
        } else {
            cache = try DatasetCache(directory: cacheDirectory)
            dataset = nil
        }
    }

    /// The entries an export with `options` writes, grouped by split in train, val, test order.
    public func plan(_ options: ExportOptions) throws -> [(split: String, entries: [CacheEntry])] {
        var entries = try cache.entries(split: options.split)
        if let split = options.split, entries.isEmpty {
            let splits = Set(try cache.entries().map { $0.split ?? "unsplit" }).sorted()
            throw MedPipeError.invalidArgument(cache.directory, "the cache has no entry in split '\(split)' (it has: \(splits.joined(separator: ", ")))")
        }
        guard !entries.isEmpty else { throw MedPipeError.invalidArgument(cache.directory, "the cache holds no entries") }
        try cache.requireFinishedConvert()
        if let limit = options.limit {
            guard limit > 0 else { throw MedPipeError.invalidArgument("--limit", "must be at least 1, not \(limit)") }
            entries = Array(entries.prefix(limit))
        }
        try check(entries, fit: options.format)
        if !options.allowBurnedIn { try refuseBurnedIn(entries) }
        let grouped = Dictionary(grouping: entries) { $0.split ?? "unsplit" }
        let order = DatasetCache.splitNames
        let names = grouped.keys.sorted { a, b in
            let (i, j) = (order.firstIndex(of: a) ?? order.count, order.firstIndex(of: b) ?? order.count)
            return i != j ? i < j : a < b
        }
        let plan = names.map { ($0, grouped[$0]!) }
        if options.format == .csv || options.format == .npz {
            for (split, entries) in plan { try checkOneArray(split, entries, format: options.format, fitted: options.fitted) }
        }
        return plan
    }

    /// Fails when the entries of a split do not share one shape (and, unfitted, one dtype), which a per-split file needs:
    /// found before anything is written, not at the sample that differs, which left a truncated file in place of
    /// the previous export's. Fitted stages may change the dtype, the same for every entry.
    private func checkOneArray(_ split: String, _ entries: [CacheEntry], format: ExportFormat, fitted: Bool) throws {
        guard let first = entries.first,
              let other = entries.first(where: { $0.shape != first.shape || !fitted && $0.dtype != first.dtype }) else { return }
        throw MedPipeError.invalidArgument(cache.directory, "\(format.rawValue) holds one array per split: entry \(other.id) of split \(split) is \(other.dtype) \(other.shape), its first entry \(first.id) is \(first.dtype) \(first.shape) (add resize or crop-or-pad to the recipe, or export another format)")
    }

    /// Writes the samples; `progress` gets (done, total) after each sample.
    public func run(_ options: ExportOptions, progress: ((Int, Int) -> Void)? = nil) throws -> ExportSummary {
        let plan = try plan(options)
        let total = plan.reduce(0) { $0 + $1.entries.count }
        if options.format != .csv && options.format != .npz {
            for (split, entries) in plan {
                let directory = options.output + "/" + split
                let stale = EarlierExport.leftovers(in: directory, split: split, entries: entries, format: options.format)
                if let first = stale.first {
                    throw MedPipeError.invalidArgument(directory, "holds \(stale.count) file\(stale.count == 1 ? "" : "s") of an earlier export that this one (\(entries.count) sample\(entries.count == 1 ? "" : "s")) would not replace, first \(first): remove \(stale.count == 1 ? "it" : "them"), or export into an empty folder")
                }
            }
        }
        try Self.makeDirectory(options.output)
        _ = try PartialOutputs.removeLeftovers(in: options.output)
        // Every file is written into a hidden folder of partial outputs and moved into place after the last sample: an
        // export that fails on the way (a sample the format cannot hold, a full disk) leaves the output folder as it
        // was, instead of the samples before the failure passing for a whole export.
        let staging = PartialOutputs.folder(in: options.output)
        Interruption.removeOnInterrupt(staging)
        try Self.makeDirectory(staging)
        defer {
            try? FileManager.default.removeItem(atPath: staging)
            Interruption.keep(staging)
        }
        let recipeHash = try cache.meta("recipe_hash") ?? ""
        var files: [String] = []
        var counts: [(split: String, count: Int)] = []
        var done = 0

        let sampleWriter: SampleWriter? = switch options.format {
        case .dicom: DICOMExportWriter(makeUID: options.makeUID)
        case .nifti: NIfTIExportWriter()
        case .wfdb: WFDBExportWriter()
        case .png: PNGExportWriter(recipeHash: recipeHash)
        case .csv, .npz: nil
        }
        let arrays = options.format == .npz ? NPZExportWriter(classNames: try classNames()) : nil
        if let arrays, let first = EarlierExport.arraysRelabelled(in: options.output, splits: plan.map(\.split), classNames: arrays.classNames).first {
            throw MedPipeError.invalidArgument(options.output, "holds \(first), whose labels index its classes.txt, which this export would replace with other classes (\(arrays.classNames.joined(separator: ", "))): remove the earlier export, or export into an empty folder")
        }
        let splitWriter: SplitWriter? = options.format == .csv ? CSVExportWriter() : arrays
        if let arrays { files.append(try arrays.writeClassNames(into: staging)) }
        for (split, entries) in plan {
            let directory = sampleWriter == nil ? staging : staging + "/" + split
            try Self.makeDirectory(directory)
            try splitWriter?.begin(split: split, count: entries.count, into: directory)
            for (index, entry) in entries.enumerated() {
                let sample = try exportSample(entry, split: split, index: index)
                do {
                    if let sampleWriter { files += try sampleWriter.write(sample, into: directory) }
                    try splitWriter?.add(sample)
                } catch let error as MedPipeError where error.subject == sample.name || error.subject == LinearQuantization.subject {
                    // The writers name the sample's file stem, which no file has yet: the cache and its entry are named.
                    throw MedPipeError(error.kind, cache.directory, "entry \(entry.id), to be written as \(sample.name): \(error.message)")
                }
                done += 1
                progress?(done, total)
            }
            if let path = try splitWriter?.finish() { files.append(path) }
            counts.append((split, entries.count))
        }
        // Fitted statistics and entries read from two convert runs would pass for one export.
        try cache.requireUnchangedSinceOpened()
        try PartialOutputs.moveContents(of: staging, into: options.output)
        return ExportSummary(output: options.output, format: options.format, samples: counts,
                             files: files.map { options.output + $0.dropFirst(staging.count) })
    }

    /// One entry as a sample to write, with the fitted stages applied when asked. Its bytes are read with `pread`: read
    /// through the shards' mappings, every page written stayed in the process's resident memory, the export's size at the end.
    func exportSample(_ entry: CacheEntry, split: String, index: Int) throws -> ExportSample {
        let name = split + "_" + String(format: "%05d", index + 1)
        let identity = "\(entry.unit):\(entry.item)"
        if let dataset {
            let sample = try dataset.fittedSample(entry)
            return ExportSample(name: name, split: split, label: entry.label, group: entry.group, tensor: sample.tensor,
                                geometry: sample.geometry, metadata: sample.metadata, identity: identity)
        }
        return ExportSample(name: name, split: split, label: entry.label, group: entry.group, tensor: try cache.readTensor(for: entry),
                            geometry: entry.geometry, metadata: entry.metadata, identity: identity)
    }

    /// Every label of the cache, numbers in numeric order, as ``CacheDataset`` numbers the classes.
    /// - Throws: `.malformed` naming the cache for a label that cannot be a class name (a cache converted before
    ///   convert refused such labels): `classes.txt` lists them one a line.
    func classNames() throws -> [String] {
        let names = CacheDataset.classOrder(try cache.labels())
        if let problem = names.lazy.compactMap(ClassLabel.problem).first {
            throw MedPipeError.malformed(cache.directory, "\(problem): convert the cache again")
        }
        return names
    }

    /// Fails when the format cannot hold what the cache holds, naming the formats that can.
    private func check(_ entries: [CacheEntry], fit format: ExportFormat) throws {
        for entry in entries {
            let kind = SampleKind(shape: entry.shape, geometry: entry.geometry)
            guard let kind, format.accepts.contains(kind) else {
                let what = kind.map { "\($0)s" } ?? "tensors"
                let fitting = kind.map { k in ExportFormat.allCases.filter { $0.accepts.contains(k) }.map(\.rawValue) } ?? ["npz"]
                throw MedPipeError.invalidArgument(cache.directory, "\(format.rawValue) export cannot hold this cache's \(what) (entry \(entry.id): \(entry.dtype) \(entry.shape)); formats that fit: \(fitting.joined(separator: ", "))")
            }
        }
    }

    /// Fails at the first entry read from a DICOM image that may hold burned-in text: the cache keeps its pixels as they
    /// were (a model may learn from them), but an export publishes them, and the text may name the patient.
    private func refuseBurnedIn(_ entries: [CacheEntry]) throws {
        let flagged = entries.filter { $0.metadata[DICOMBurnedInText.metadataKey] != nil }
        guard let first = flagged.first else { return }
        throw MedPipeError.invalidArgument(cache.directory, "entry \(first.id)\(flagged.count > 1 ? " and \(flagged.count - 1) more" : "") \(flagged.count > 1 ? "were" : "was") read from DICOM images that may hold burned-in text (Burned In Annotation YES, or absent on an ultrasound, secondary capture or similar image), which an export would publish: check the images, then pass --allow-burned-in")
    }

    private static func makeDirectory(_ path: String) throws {
        try Folder.create(path, what: "output directory")
    }
}
