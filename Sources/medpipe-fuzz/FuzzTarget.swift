import Foundation
import MedPipeCache
import MedPipeCore
import MedPipeData
import MedPipeDeidentify
import MedPipeFormats
import MedPipePipeline
import MedPipeStages
import MedPipeTrain

/// One thing to fuzz: how the fuzzer's bytes become files, and what reads them.
///
/// Bytes that make several files (a WFDB header and its signal, slices of a series) are split at a
/// marker line (`#DAT`, `#ATR`, `#SLICE`); `tools/fuzz` seeds each target with real files joined that way.
/// A ``MedPipeError`` (or any other thrown error) is the expected outcome of bad input; only a trap,
/// a signal, a sanitizer report, a timeout or running out of memory is a finding.
enum FuzzTarget: String, CaseIterable {
    /// Any file, its format detected from content, as `inspect` reads it.
    case any
    case nifti, dicom
    /// A DICOM file de-identified as `anonymize` does (Clean Descriptors, burned-in text allowed so that pixels are
    /// kept), its output serialized in memory and scanned for the input's identifiers.
    case dicomDeid = "dicom-deid"
    /// Up to 4 DICOM files (split at `#SLICE` lines) read as one series.
    case dicomSeries = "dicom-series"
    /// A WFDB header, then `#DAT` and the bytes of every signal file it names, then `#ATR` and an annotation file.
    case wfdb
    /// An annotation file beside a fixed one-signal record.
    case wfdbAnnotation = "wfdb-annotation"
    case csv, idx, npy
    /// An `.npz`, read as arrays and as a MedMNIST data set.
    case npz
    /// A PNG, read as a record; what decodes is written again by the row-run encoder and must decode the same.
    case png
    /// A model checkpoint written by `medpipe train`, read as `predict` and `inspect` read it: the network, its inference
    /// batch, the preprocessing in its metadata (stages, fitted statistics, a table model's table input) and its
    /// training patients.
    case safetensors
    /// A CSV table predicted by a model trained on a table, as `predict` reads it: the model's preprocessing metadata
    /// `pipeline`, then `#FITTED` and `fitted`, `#TABLE` and `table` (the recipe's table options, label and features,
    /// JSON), then `#CSV` and the table.
    case table
    /// A recipe, parsed and its stages built.
    case recipe
    /// A recipe whose sources name `table.csv`, then `#CSV` and that table, read as `convert` reads a table source
    /// with each source's label rule: the recipe's `table:` options (columns, header, missing values, delimiter,
    /// group column, incomplete rows), the label column or threshold, and the rows' patient groups.
    case tableConvert = "table-convert"
    /// A NIfTI file through the image stages (reorient, resample, crop, normalize, slice, resize).
    case niftiStages = "nifti-stages"
    /// A dataset cache: its `manifest.sqlite`, then `#SHARD` and its first shard, read as `cache verify`, `train` and
    /// `evaluate` read a cache: verified, opened with its stages and fitted statistics, every split's samples read and
    /// prepared, and its training patients counted.
    case cache
    /// A WFDB record (as `wfdb` lays it out) through the ECG stages: filtered, resampled, and cut into beats
    /// at its annotations and at the R peaks detected, with RR features and the record's median beat.
    case wfdbStages = "wfdb-stages"

    /// Writes `bytes` as this target's file(s) in `folder` and reads them; errors are swallowed.
    func run(_ bytes: [UInt8], in folder: String) {
        do { try read(bytes, in: folder) } catch {}
    }

    private func read(_ bytes: [UInt8], in folder: String) throws {
        switch self {
        case .any: _ = try RecordReading.read(try write(bytes, folder + "/input"))
        case .nifti: _ = try NIfTIReader().read(try write(bytes, folder + "/input.nii"))
        case .dicom: _ = try DICOMFileReader().read(try write(bytes, folder + "/input.dcm"))
        case .dicomDeid:
            if case .deidentified(let output) = try Self.deidentifier.deidentify(try write(bytes, folder + "/input.dcm")) {
                _ = try OutputScan.dicom(output.file, output: output.output, name: "fuzz", scanner: ResidualScanner(identifiers: output.identifiers))
            }
        case .dicomSeries:
            let series = folder + "/series"
            try? FileManager.default.removeItem(atPath: series)
            try FileManager.default.createDirectory(atPath: series, withIntermediateDirectories: true)
            for (index, part) in Self.split(bytes, at: "#SLICE").prefix(4).enumerated() { _ = try write(part, "\(series)/\(index).dcm") }
            // The volume written as decoded (`inspect --array`), then read whole.
            _ = try? DICOMSeriesReader().forEachSeries(series, streamingOneVolumeTo: folder + "/array.npy") { _ in }
            _ = try DICOMSeriesReader().read(series)
        case .wfdb:
            let path = try writeRecord(bytes, in: folder)
            for physical in [false, true] {   // the array written as decoded (`inspect --array`), then read whole
                _ = try? WFDBReader(options: ReadOptions(physical: physical)).read(path, arrayTo: folder + "/array.npy")
            }
            _ = try WFDBReader().read(path)
            _ = try WFDBReader(options: ReadOptions(physical: true)).read(path)
        case .wfdbStages:
            let record = try WFDBReader(options: ReadOptions(physical: true)).read(try writeRecord(bytes, in: folder))
            for converter in Self.ecgStages { _ = try? converter.pipeline.run([Sample(record: record, group: "fuzz")]) }
        case .wfdbAnnotation:
            _ = try write(Array("rec 1 360 4\nrec.dat 16 200 12 0 0 0 0 lead\n".utf8), folder + "/rec.hea")
            _ = try write([UInt8](repeating: 0, count: 8), folder + "/rec.dat")
            _ = try WFDBAnnotationReader().read(try write(bytes, folder + "/rec.atr"))
        case .csv: _ = try CSVReader().read(try write(bytes, folder + "/input.csv")).record()
        case .idx: _ = try IDXReader().read(try write(bytes, folder + "/input.idx"))
        case .npy: _ = try NPYReader().read(try write(bytes, folder + "/input.npy"))
        case .npz:
            let path = try write(bytes, folder + "/input.npz")
            _ = try? NPZReader().records(path)
            _ = try MedMNISTDataset.load(path).records()
        case .png:
            let record = try PNGReader().read(try write(bytes, folder + "/input.png"))
            // Whatever decodes, written again by the row-run encoder (Grad-CAM's), decodes to the same samples.
            let again = try PNGReader().decode(try PNGWriter(rowRuns: true).encode(record.tensor), source: "round trip")
            guard again.tensor == record.tensor else { fatalError("the row-run PNG encoder changed a \(record.tensor.dtype) picture shaped \(record.tensor.shape)") }
        case .safetensors:
            let path = try write(bytes, folder + "/model.safetensors")
            let checkpoint = try Checkpoint.read(path)
            _ = try checkpoint.inferenceBatch(file: path)
            _ = try? TrainingGroups(metadata: checkpoint.extra, subject: path)
            _ = try Preprocessing(metadata: checkpoint.extra, subject: path)
        case .table:
            let (pipeline, afterPipeline) = Self.cut(bytes, at: "#FITTED")
            let (fitted, afterFitted) = Self.cut(afterPipeline, at: "#TABLE")
            let (table, csv) = Self.cut(afterFitted, at: "#CSV")
            let text = { (part: [UInt8]) in String(decoding: part, as: UTF8.self) }
            let metadata = [PreparationKeys.pipeline: text(pipeline), PreparationKeys.fitted: text(fitted), PreparationKeys.table: text(table)]
            guard let preprocessing = try Preprocessing(metadata: metadata, subject: "model") else { return }
            _ = try preprocessing.prepare(try write(csv, folder + "/input.csv")) { _ in }
        case .recipe:
            _ = try write(Array("x".utf8), folder + "/data.csv")
            let path = try write(bytes, folder + "/recipe.yaml")
            let recipe = try Recipe.parse(String(decoding: bytes, as: UTF8.self), file: path, knownStages: StageFactory.names)
            _ = try Converter(recipe: recipe, pseudonyms: Self.pseudonyms)
        case .tableConvert:
            let (recipeBytes, csv) = Self.cut(bytes, at: "#CSV")
            _ = try write(csv, folder + "/table.csv")
            let path = try write(recipeBytes, folder + "/recipe.yaml")
            let recipe = try Recipe.parse(String(decoding: recipeBytes, as: UTF8.self), file: path, knownStages: StageFactory.names)
            let loader = SourceLoader(recipe: recipe, pseudonyms: Self.pseudonyms)
            for spec in recipe.sources { for source in spec.paths { _ = try? loader.load(source, spec: spec) } }
        case .niftiStages:
            let record = try NIfTIReader().read(try write(bytes, folder + "/input.nii"))
            _ = try Self.stages.pipeline.run([Sample(record: record, group: "fuzz")])
        case .cache:
            let cache = folder + "/cache", (manifest, shard) = Self.cut(bytes, at: "#SHARD")
            try? FileManager.default.removeItem(atPath: cache)
            try FileManager.default.createDirectory(atPath: cache + "/shards", withIntermediateDirectories: true)
            _ = try write(manifest, cache + "/manifest.sqlite")
            _ = try write(shard, cache + "/shards/000001.bin")
            _ = try? DatasetCache(directory: cache).verify()
            let dataset = try CacheDataset(directory: cache)
            for split in DataSplit.allCases { _ = try? dataset.batchSource(only: [split]) }
            _ = try TrainingGroups(trainingSplitOf: dataset)
        }
    }

    private static let pseudonyms = Pseudonyms(fingerprint: "fuzz") { "P-" + $0.utf8.count.description }

    private static let deidentifier: DICOMDeidentifier = {
        guard let key = try? ProjectKey(bytes: [UInt8](repeating: 7, count: ProjectKey.byteCount)) else { fatalError("the fuzz key does not build") }
        return DICOMDeidentifier(options: [.cleanDescriptors], pseudonymizer: Pseudonymizer(key: key), burnedInText: BurnedInTextPolicy(allow: true))
    }()

    /// Writes a WFDB record laid out as the `wfdb` target says: the header as `rec.hea`, the bytes after `#DAT`
    /// as every signal file it names (names as the fuzzer made them, plain names only), and those after `#ATR`
    /// as `rec.atr`. Returns the header's path.
    private func writeRecord(_ bytes: [UInt8], in folder: String) throws -> String {
        let parts = Self.split(bytes, at: "#DAT")
        let header = parts[0], rest = parts.count > 1 ? Self.split(parts[1], at: "#ATR") : [[]]
        let path = try write(header, folder + "/rec.hea")
        if let parsed = try? WFDBHeader(text: String(decoding: header, as: UTF8.self), path: path) {
            for name in Set(parsed.signals.map(\.fileName)) where Self.isPlainName(name) { _ = try write(rest[0], folder + "/" + name) }
        }
        if rest.count > 1 { _ = try write(rest[1], folder + "/rec.atr") } else { try? FileManager.default.removeItem(atPath: folder + "/rec.atr") }
        return path
    }

    /// The ECG stages, built once from recipes (their source is never read): beats at the annotations and at
    /// the detected R peaks.
    private static let ecgStages: [Converter] = ["annotations", "detect"].map { peaks in
        converter(source: "x.hea", stages: """
            stages:
              - leads: { leads: [0] }
              - bandpass: { low: 0.5, high: 40, order: 4 }
              - resample-signal: { frequency: 180 }
              - lead-zscore: {}
              - beats: { before: 45, after: 81, rr: true, template: true, peaks: \(peaks) }
            """)
    }

    /// The image stages, built once from a recipe (its source is never read).
    private static let stages = converter(source: "x.nii", stages: """
            stages:
              - reorient-ras: {}
              - resample-spacing: { spacing: [2, 2, 2] }
              - crop-or-pad: { shape: [8, 8, 8] }
              - percentile-clip: { lower: 1, upper: 99 }
              - zscore: { over: nonzero }
              - slices: { axis: 0 }
              - resize: { rows: 6, columns: 6 }
            """)

    /// A converter of the recipe with one empty source file named `source` (only its name is used) and the
    /// `stages:` section given; a recipe that does not build is a bug of this harness.
    private static func converter(source: String, stages: String) -> Converter {
        let folder = NSTemporaryDirectory() + "medpipe-fuzz-stages-\(getpid())"
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: folder + "/" + source, contents: Data())
        do {
            let text = "sources: [{ path: \(source) }]\n" + stages
            return try Converter(recipe: try Recipe.parse(text, file: folder + "/stages.yaml", knownStages: StageFactory.names), pseudonyms: pseudonyms)
        } catch {
            fatalError("the fuzz stages do not build: \(error)")
        }
    }

    /// A file name without folders, so that a fuzzed header cannot write outside the work folder.
    private static func isPlainName(_ name: String) -> Bool {
        !name.isEmpty && name != "." && name != ".." && !name.contains("/") && !name.contains("\0") && name.utf8.count < 200
    }

    /// `bytes` cut at every line that is exactly `marker` (the marker lines dropped).
    static func split(_ bytes: [UInt8], at marker: String) -> [[UInt8]] {
        let line = Array(("\n" + marker + "\n").utf8)
        var parts: [[UInt8]] = [], start = 0, i = 0
        while i + line.count <= bytes.count {
            if bytes[i..<(i + line.count)].elementsEqual(line) {
                parts.append(Array(bytes[start..<i]))
                i += line.count
                start = i
            } else {
                i += 1
            }
        }
        parts.append(Array(bytes[start...]))
        return parts
    }

    /// `bytes` cut at the first line that is exactly `marker` (the marker line dropped): what comes before and after it
    /// (nothing after when no line is the marker).
    static func cut(_ bytes: [UInt8], at marker: String) -> (before: [UInt8], after: [UInt8]) {
        let parts = split(bytes, at: marker)
        return (parts[0], Array(parts.dropFirst().joined(separator: Array(("\n" + marker + "\n").utf8))))
    }

    private func write(_ bytes: [UInt8], _ path: String) throws -> String {
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else { throw MedPipeError.io(path, "cannot write") }
        return path
    }
}
