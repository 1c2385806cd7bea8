import Foundation
import MedPipeCache
import MedPipeCore
import MedPipeFormats
import MedPipeStages

/// Runs a recipe into a dataset cache: read, de-identify, run the stateless stages, cache, split by
/// patient, fit statistics on the training split, and plan the rebalancing.
///
/// Incremental: each source becomes one cache unit whose key hashes the source bytes, the reader, the
/// label rule, the stages before the first fitted one and the pseudonym key; a unit already in the
/// cache is not recomputed. Crash-safe: units are committed whole (see ``CacheWriter``), and the split,
/// plans and fitted statistics are written in one final transaction.
public struct Converter: Sendable {
    /// Version of the reading and de-identification code; part of every unit key.
    public static let readerVersion = "medpipe-formats 1"

    public let recipe: Recipe
    public let pipeline: StagePipeline
    public let pseudonyms: Pseudonyms

    /// Builds the stages the recipe declares (errors name the recipe line).
    public init(recipe: Recipe, pseudonyms: Pseudonyms) throws {
        self.recipe = recipe
        self.pipeline = StagePipeline(try recipe.stages.map { try StageFactory.make($0, file: recipe.file) })
        self.pseudonyms = pseudonyms
    }

    /// One source path of the recipe with the key of what it becomes.
    struct WorkItem: Sendable {
        var path: String
        var spec: SourceSpec
        var key: String
        /// Set when the item is one image of a PNG class-folder set (each image is a unit of its own).
        var image: PNGFolderReader.Image?
    }

    public func run(_ options: ConvertOptions = ConvertOptions()) async throws -> ConvertSummary {
        let cacheDirectory = options.cache ?? recipe.cache
        let fitted = try options.fitFrom.map(fittedStatistics(from:))
        let writer = try CacheWriter(directory: cacheDirectory)
        let work = try plan()
        let pending = work.filter { !writer.contains($0.key) }
        var progress = ConvertProgress(done: work.count - pending.count, total: work.count, reused: work.count - pending.count, rejected: 0, current: "")
        var rejected: [(source: String, reason: String)] = []
        var dropped: [String: Int] = [:]

        try await withThrowingTaskGroup(of: (WorkItem, Result<(CacheUnit, [String: Int]), MedPipeError>).self) { group in
            var next = pending.makeIterator()
            for _ in 0..<options.jobs {
                guard let item = next.next() else { break }
                group.addTask { (item, Result(catching: { () throws(MedPipeError) in try process(item) })) }
            }
            while let (item, result) = try await group.next() {
                switch result {
                case .success(let (unit, unitDropped)):
                    try writer.add(unit)
                    dropped.merge(unitDropped, uniquingKeysWith: +)
                case .failure(let error):
                    if options.strict {
                        group.cancelAll()
                        throw error
                    }
                    rejected.append((item.path, error.message))
                    try writer.reject(unitKey: item.key, source: pseudonyms.make("source:" + item.path), reason: error.message)
                    progress.rejected += 1
                }
                progress.done += 1
                progress.current = item.path
                options.progress?(progress)
                if let item = next.next() {
                    group.addTask { (item, Result(catching: { () throws(MedPipeError) in try process(item) })) }
                }
            }
        }
        let removed = try writer.removeUnits(notIn: Set(work.map(\.key)))
        let finish = try finalize(writer, fitted: fitted)
        return ConvertSummary(cache: cacheDirectory, sources: work.count, reused: work.count - pending.count,
                              computed: pending.count - rejected.count, rejected: rejected, removed: removed,
                              entries: finish.entries, balance: finish.report, dropped: dropped, splitIssues: finish.issues)
    }

    /// The fitted statistics of another cache, which must have been made by the same stages.
    func fittedStatistics(from directory: String) throws -> FittedPipeline {
        let other = try DatasetCache(directory: directory)
        guard let pipelineText = try other.meta("pipeline"), let fittedText = try other.meta("fitted") else {
            throw MedPipeError.invalidArgument(directory, "has no finished convert run to take fitted statistics from")
        }
        let decoder = JSONDecoder()
        let theirs = try decoder.decode(StagePipeline.self, from: Data(pipelineText.utf8))
        guard theirs == pipeline else {
            let ours = pipeline.stages.map(\.canonicalDescription), their = theirs.stages.map(\.canonicalDescription)
            let first = (0..<max(ours.count, their.count)).first { i in i >= ours.count || i >= their.count || ours[i] != their[i] } ?? 0
            let describe = { (list: [String]) in first < list.count ? list[first] : "no stage" }
            throw MedPipeError.invalidArgument(directory, "was made by other stages than \(recipe.file) (stage \(first + 1): \(describe(their)) there, \(describe(ours)) here): its fitted statistics do not apply")
        }
        return try decoder.decode(FittedPipeline.self, from: Data(fittedText.utf8))
    }

    /// Every source path with its unit key, in recipe order.
    func plan() throws -> [WorkItem] {
        let stages = pipeline.stages[..<pipeline.fitBoundary].map(\.canonicalDescription)
        var items: [WorkItem] = []
        for spec in recipe.sources {
            for path in spec.paths {
                let labelsHash = try spec.labelsFile.map { "+" + (try ContentHash.ofFile($0)) } ?? ""
                let reader = [Self.readerVersion, spec.format?.rawValue ?? "detect", "label \(spec.label)",
                              "table \(recipe.table.map { "\($0)" } ?? "-")", "pseudonyms \(pseudonyms.fingerprint)",
                              recipe.split.grouping == .timeBlock ? "time-blocks \(recipe.split.blocks)" : "groups"]
                if (spec.format ?? (try? FormatKind.detect(path))) == .pngFolder {
                    // One unit per image: a changed, added or removed image recomputes only itself.
                    for image in try PNGFolderReader().list(path).images {
                        let key = UnitKey.make(sourceHash: try ContentHash.ofFile(image.path) + labelsHash,
                                               reader: (reader + ["image \(image.relativePath)"]).joined(separator: "; "), stages: stages)
                        items.append(WorkItem(path: image.path, spec: spec, key: key, image: image))
                    }
                    continue
                }
                var isDirectory: ObjCBool = false
                _ = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
                let sourceHash = (isDirectory.boolValue ? try ContentHash.ofDirectory(path) : try ContentHash.ofFile(path)) + labelsHash
                items.append(WorkItem(path: path, spec: spec, key: UnitKey.make(sourceHash: sourceHash, reader: reader.joined(separator: "; "), stages: stages)))
            }
        }
        return items
    }

    /// Reads one source and runs the stages before the first fitted one.
    func process(_ item: WorkItem) throws(MedPipeError) -> (CacheUnit, [String: Int]) {
        do {
            let samples = try SourceLoader(recipe: recipe, pseudonyms: pseudonyms).load(item.path, spec: item.spec, image: item.image)
            var output = try pipeline.run(samples, from: 0, through: pipeline.fitBoundary)
            if recipe.split.grouping == .timeBlock {
                let blocks = TimeBlocks.groups(output.samples, blocks: recipe.split.blocks)
                for i in output.samples.indices { output.samples[i].group = blocks[i] }
            }
            let items = output.samples.map { sample in
                var metadata = sample.metadata
                if let part = sample.source.part { metadata["part"] = .string(part) }
                if let index = sample.source.index { metadata["index"] = .int(index) }
                return CacheItem(tensor: sample.tensor, label: sample.label, group: sample.group ?? pseudonyms.make(item.path),
                                 geometry: sample.geometry, metadata: metadata)
            }
            let source = pseudonyms.make("source:" + item.path)
            return (CacheUnit(key: item.key, source: source, items: items), output.dropped)
        } catch let error as MedPipeError {
            throw error
        } catch {
            throw MedPipeError.malformed(item.path, "\(error)")
        }
    }
}
