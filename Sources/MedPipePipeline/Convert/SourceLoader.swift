import Foundation
import MedPipeCore
import MedPipeFormats
import MedPipeStages

/// Reads one source path into de-identified samples: the reader for its format, the recipe's label
/// rule, a pseudonymous patient group and source reference, and only metadata that cannot identify.
package struct SourceLoader: Sendable {
    let recipe: Recipe
    let pseudonyms: Pseudonyms
    /// The run's sidecar tables, read once for all its sources.
    var sidecars: SidecarLabels

    package init(recipe: Recipe, pseudonyms: Pseudonyms) {
        self.init(recipe: recipe, pseudonyms: pseudonyms, sidecars: SidecarLabels())
    }

    init(recipe: Recipe, pseudonyms: Pseudonyms, sidecars: SidecarLabels) {
        (self.recipe, self.pseudonyms, self.sidecars) = (recipe, pseudonyms, sidecars)
    }

    /// Record metadata that may pass into the cache (everything else may identify: UIDs, names, dates, free text).
    /// `signalNames` are WFDB signal descriptions, kept when they are plain lead names such as MLII or V1, else replaced by
    /// neutral names (``WFDBSignalName``, as `anonymize` and `export` do). The leads' units (``SignalUnits``) are kept when
    /// written with unit symbols, else `NU` (``WFDBSignalUnits``), with the ADC scale of the digital values read.
    /// ``DICOMBurnedInText/metadataKey`` marks an image that may hold burned-in text, which `export` writes only when allowed.
    static let safeMetadata: Set<String> = ["columns", "split", "Modality", "PhotometricInterpretation", "signalNames",
                                            SignalUnits.key, SignalUnits.gainsKey, SignalUnits.baselinesKey,
                                            DICOMBurnedInText.metadataKey]

    /// The metadata of `record` that may pass into the cache (``safeMetadata``), its signal names and units made safe.
    /// The ADC scale stays only while the values are digital (a WFDB record not read as physical values).
    static func metadata(of record: Record) -> [String: MetadataValue] {
        var metadata = record.metadata.filter { safeMetadata.contains($0.key) }
        if case .strings(let names)? = metadata["signalNames"] { metadata["signalNames"] = .strings(WFDBSignalName.safe(names)) }
        if case .strings(let units)? = metadata[SignalUnits.key] { metadata[SignalUnits.key] = .strings(units.map(WFDBSignalUnits.safe)) }
        if record.metadata["physical"] != .int(0) {
            metadata[SignalUnits.gainsKey] = nil
            metadata[SignalUnits.baselinesKey] = nil
        }
        return metadata
    }

    /// The samples of `path`, and the readers' warnings (problems that did not stop the read: a file of a series
    /// skipped, a tolerated header quirk), each once, in order.
    /// - Parameters:
    ///   - image: set when `path` is one image of a PNG class-folder set.
    ///   - series: set when `path` is the folder of one series of a DICOM folder source.
    package func load(_ path: String, spec: SourceSpec, image: PNGFolderReader.Image? = nil,
              series: DICOMSeriesReader.SeriesFiles? = nil) throws -> (samples: [Sample], warnings: [String]) {
        let kind = try spec.format ?? FormatKind.detect(path)
        if kind == .csv { return (try loadTable(path, spec: spec), []) }
        let records: [Record]
        var perImage = false
        if let image {
            records = [try PNGFolderReader().read(image)]
            perImage = true
        } else if let series {
            records = try DICOMSeriesReader().read(series)
        } else if kind == .idx, let labels = spec.labelsFile {
            records = try MNISTDataset.load(images: path, labels: labels).records()
            perImage = true
        } else if kind == .npz, spec.label == .dataset {
            records = try MedMNISTDataset.load(path).records()
            perImage = true
        } else if kind == .ferCSV {
            records = try FERDataset.load(path).records()
            perImage = true
        } else {
            records = try RecordReading.read(path, options: .forStages)
            perImage = kind == .pngFolder
        }
        return (try records.map { record in
            guard record.tensor.count > 0 else {
                throw MedPipeError.malformed(record.source, "holds no values (shape \(record.tensor.shape)): nothing to convert")
            }
            // Image sets carry no patient: each image is its own group.
            let patient = perImage ? "\(record.source)#\(record.metadata["split"]?.description ?? "")#\(record.metadata["index"]?.description ?? "")"
                                   : record.patientKey ?? path
            var sample = Sample(record: record, group: pseudonyms.make(patient))
            sample.source = SourceReference(record: pseudonyms.make("source:" + record.source))
            sample.metadata = Self.metadata(of: record)
            sample.label = try label(for: record, path: path, spec: spec)
            return sample
        }, records.distinctWarnings)
    }

    private func label(for record: Record, path: String, spec: SourceSpec) throws -> String? {
        switch spec.label {
        case .none, .annotations: return nil
        case .dataset: return record.label
        case .folder: return URL(fileURLWithPath: record.source).deletingLastPathComponent().lastPathComponent
        case .attribute(let name):
            guard let value = record.metadata[name] else {
                throw MedPipeError.malformed(path, "has no \(name) to take the label from")
            }
            return value.description
        case .column:
            throw MedPipeError.invalidArgument(path, "a label column applies to CSV sources only")
        case .sidecar(let file, let keyColumn, let labelColumn):
            let name = URL(fileURLWithPath: record.source).lastPathComponent
            let candidates = [name, URL(fileURLWithPath: name).deletingPathExtension().lastPathComponent, record.patientKey].compactMap { $0 }
            return try sidecars.label(file: file, keyColumn: keyColumn, labelColumn: labelColumn, candidates: candidates, path: path)
        }
    }

    /// A CSV source: one sample per row (``TableOptions/rows(of:source:label:features:)``), each row its own patient
    /// unless a group column says otherwise.
    private func loadTable(_ path: String, spec: SourceSpec) throws -> [Sample] {
        let options = recipe.tableOptions
        var rows = try options.rows(of: path, source: SourceReference(record: pseudonyms.make("source:" + path)), label: TableInput.Label(spec.label)).rows
        for i in rows.indices {
            let key = options.groupColumn.map { _ in rows[i].group ?? "" } ?? "\(path)#row \(rows[i].source.index ?? 0)"
            rows[i].group = pseudonyms.make(key)
        }
        return rows
    }
}
