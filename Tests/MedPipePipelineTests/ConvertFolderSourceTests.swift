import Foundation
import Testing
import MedPipeCache
import MedPipeCore
import MedPipeFormats
import MedPipeStages
import TestSupport
@testable import MedPipePipeline

/// Folder sources (a DICOM series, a PNG class folder) in `convert`. What a reader tolerates but warns about (a file
/// of a series skipped, a PNG whose name cannot be opened) is reported with its source, as `inspect` reports it,
/// never dropped without a word: a data engineer converting an archive must learn that a volume lost a slice. A
/// cache inside a source folder is refused.
@Suite(.enabled(if: SharedData.isAvailable, "needs ../shared/data"))
struct ConvertFolderSourceTests {
    /// The Latin-1 name `Müller.dcm`, which no Swift path can open.
    static let latin1Name = Array("M".utf8) + [0xFC] + Array("ller.dcm".utf8)

    /// A folder of the first `slices` slices of the MR series, and a copy of one of them under a Latin-1 name.
    static func series(_ folder: String, slices: Int, withUndecodableName: Bool) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let source = SharedData.path("dicom/mr_series/In")
        for name in try FileManager.default.contentsOfDirectory(atPath: source).sorted().prefix(slices) {
            try FileManager.default.copyItem(atPath: source + "/" + name, toPath: folder + "/" + name)
        }
        if withUndecodableName { #expect(createFile(in: folder, rawName: latin1Name)) }
    }

    static func recipe(_ path: String, sources: [String], format: String) throws {
        try """
        name: warnings
        sources:
        \(sources.map { "  - { path: \($0), format: \(format), label: none }" }.joined(separator: "\n"))
        stages:
          - minmax: {}
        split: { by: patient, ratios: { train: 1.0, val: 0.0, test: 0.0 }, seed: 1 }
        """.write(toFile: path, atomically: true, encoding: .utf8)
    }

    static let skipped = "skipped %@/M\u{FFFD}ller.dcm: " + FolderWalk.undecodableName

    @Test func aSeriesFileThatCannotBeOpenedIsReportedWithItsSource() async throws {
        let work = temporaryDirectory("convert-warnings")
        defer { try? FileManager.default.removeItem(atPath: work) }
        try Self.series(work + "/series", slices: 4, withUndecodableName: true)
        try Self.recipe(work + "/recipe.yaml", sources: ["series"], format: "dicom-series")
        func convert() async throws -> ConvertSummary {
            let recipe = try Recipe.load(work + "/recipe.yaml", knownStages: StageFactory.names)
            return try await Converter(recipe: recipe, pseudonyms: testPseudonyms).run(ConvertOptions(cache: work + "/cache"))
        }
        let first = try await convert()
        #expect(first.entries == 1 && first.rejected.isEmpty)
        #expect(first.warnings.map(\.source) == [work + "/series"])
        #expect(first.warnings.map(\.warning) == [String(format: Self.skipped, work + "/series")])
        #expect(try DatasetCache(directory: work + "/cache").entries().first?.shape.first == 4, "the four readable slices")
        // A source reused from the cache is not read again: the run that read it reported its warnings.
        let again = try await convert()
        #expect(again.reused == 1 && again.warnings.isEmpty)

        // The command's summary lists it, under the entries.
        guard SharedData.medpipeBinary != nil else { return }
        let run = try SharedData.runMedpipe(["convert", work + "/recipe.yaml", "--cache", work + "/cli-cache", "--key", work + "/project.key",
                                             "--list-warnings", work + "/lists/warnings.txt"])
        #expect(run.status == 0, "\(run.error)")
        #expect(run.output.contains("  warning: \(work)/series: " + String(format: Self.skipped, work + "/series")), "\(run.output)")
        #expect(try String(contentsOfFile: work + "/lists/warnings.txt", encoding: .utf8) == "\(work)/series: " + String(format: Self.skipped, work + "/series") + "\n")
    }

    /// A file of a series folder that is not DICOM or is malformed (a truncated slice, an empty file) was a warning on
    /// the folder's first series, whatever folder it lay in, and the run succeeded: it is now a rejected source of its
    /// own, named with its problem, at every run (as a listed file that cannot be read is), and `convert` fails after
    /// caching the rest. With `--strict` the first one stops the run.
    @Test func anUnreadableFileOfASeriesFolderIsARejectedSource() async throws {
        let work = temporaryDirectory("convert-unreadable-slice")
        defer { try? FileManager.default.removeItem(atPath: work) }
        try Self.series(work + "/archive/a", slices: 3, withUndecodableName: false)
        try FileManager.default.createDirectory(atPath: work + "/archive/b", withIntermediateDirectories: true)
        let slice = try FileBytes.read(SharedData.path("dicom/mr_series/In/00001.dcm"))
        try Data(slice.prefix(slice.count - 1000)).write(to: URL(fileURLWithPath: work + "/archive/b/truncated.dcm"))
        try Data().write(to: URL(fileURLWithPath: work + "/archive/b/empty.dcm"))
        try Self.recipe(work + "/recipe.yaml", sources: ["archive"], format: "dicom-series")
        func convert(strict: Bool = false) async throws -> ConvertSummary {
            let recipe = try Recipe.load(work + "/recipe.yaml", knownStages: StageFactory.names)
            return try await Converter(recipe: recipe, pseudonyms: testPseudonyms).run(ConvertOptions(cache: work + "/cache", strict: strict))
        }
        for run in 0..<2 {
            let summary = try await convert()
            #expect(summary.entries == 1 && summary.sources == 3 && summary.warnings.isEmpty, "run \(run): \(summary.warnings)")
            #expect(summary.rejected.map(\.source) == [work + "/archive/b/empty.dcm", work + "/archive/b/truncated.dcm"], "run \(run)")
            #expect(summary.rejected.first?.reason.contains("not a DICOM file") == true && summary.rejected.last?.reason.contains("truncated pixel data") == true,
                    "\(summary.rejected)")
        }
        await #expect(throws: MedPipeError.self) { try await convert(strict: true) }
        guard SharedData.medpipeBinary != nil else { return }
        let cli = try SharedData.runMedpipe(["convert", work + "/recipe.yaml", "--cache", work + "/cli-cache", "--key", work + "/project.key"])
        #expect(cli.status == 1 && cli.error.contains("2 of 3 source(s) rejected"), "\(cli.error)")
    }

    /// A folder source holding several series (an archive's patient/series folders) gives one unit per series, each
    /// read and cached on its own, and a changed file converts its series again, not the others. The folder was one
    /// unit: every volume read at once, and all of them converted again when one file changed.
    @Test func eachSeriesOfAFolderSourceIsAUnitOfItsOwn() async throws {
        let work = temporaryDirectory("convert-archive")
        defer { try? FileManager.default.removeItem(atPath: work) }
        try Self.series(work + "/archive/patient-a/series", slices: 3, withUndecodableName: false)
        try Self.series(work + "/archive/patient-b/series", slices: 4, withUndecodableName: false)
        func edit(_ folder: String, _ tag: String, _ value: String) throws {
            for name in try FileManager.default.contentsOfDirectory(atPath: folder) {
                let file = try DICOMFile(path: folder + "/" + name)
                try file.replace(tag, value)
                try file.save(to: folder + "/" + name)
            }
        }
        try edit(work + "/archive/patient-b/series", "(0020,000E)", "1.2.826.0.1.3680043.10.1424.2")   // a series of its own
        try Self.recipe(work + "/recipe.yaml", sources: ["archive"], format: "dicom-series")
        let read = FilesRead()
        func convert() async throws -> ConvertSummary {
            let recipe = try Recipe.load(work + "/recipe.yaml", knownStages: StageFactory.names)
            return try await Converter(recipe: recipe, pseudonyms: testPseudonyms).run(ConvertOptions(cache: work + "/cache", planning: { read.add() }))
        }
        let first = try await convert()
        #expect(first.sources == 2 && first.computed == 2 && first.entries == 2 && first.rejected.isEmpty)
        #expect(read.count == 7, "the plan tells each of the 7 files it reads to list the series")
        #expect(try DatasetCache(directory: work + "/cache").entries().compactMap(\.shape.first).sorted() == [3, 4])
        try edit(work + "/archive/patient-a/series", "(0008,103E)", "edited")
        let again = try await convert()
        #expect(again.computed == 1 && again.reused == 1 && again.entries == 2, "\(again)")
    }

    /// A PNG of a class folder whose name is not UTF-8 is left out of the plan, and the summary says so.
    @Test func aPNGLeftOutOfAClassFolderIsReported() async throws {
        let work = temporaryDirectory("convert-warnings-png")
        defer { try? FileManager.default.removeItem(atPath: work) }
        try FileManager.default.copyItem(atPath: SharedData.fixture("demo/images"), toPath: work + "/images")
        #expect(createFile(in: work + "/images/left", rawName: Array("caf".utf8) + [0xE9] + Array(".png".utf8)))
        try Self.recipe(work + "/recipe.yaml", sources: ["images"], format: "png-folder")
        let recipe = try Recipe.load(work + "/recipe.yaml", knownStages: StageFactory.names)
        let read = FilesRead()
        let summary = try await Converter(recipe: recipe, pseudonyms: testPseudonyms).run(ConvertOptions(cache: work + "/cache", planning: { read.add() }))
        #expect(summary.entries == 240)
        #expect(read.count == 240, "the plan tells each image it hashes")
        #expect(summary.warnings.map(\.source) == [work + "/images"])
        #expect(summary.warnings.map(\.warning) == ["skipped left/caf\u{FFFD}.png: " + FolderWalk.undecodableName])
    }

    /// Under `mpirun -np 2`, the rank that read a series sends its warnings to rank 0 with its units, and rank 0's
    /// summary lists them as one process's does.
    @Test(.enabled(if: MPIRun.isPossible, "needs mpirun (tools/setup installs Open MPI) and the built medpipe"))
    func ranksSendTheirWarningsToRankZero() throws {
        let work = temporaryDirectory("convert-warnings-mpi")
        defer { try? FileManager.default.removeItem(atPath: work) }
        try Self.series(work + "/a", slices: 3, withUndecodableName: false)
        try Self.series(work + "/b", slices: 4, withUndecodableName: true)
        try Self.recipe(work + "/recipe.yaml", sources: ["a", "b"], format: "dicom-series")
        let run = try MPIRun.medpipe(ranks: 2, ["convert", work + "/recipe.yaml", "--cache", work + "/cache", "--key", work + "/project.key", "--jobs", "1"])
        #expect(run.status == 0 && !run.timedOut, "\(run.error)")
        let warnings = run.output.split(separator: "\n").filter { $0.contains("warning:") }
        #expect(warnings.map(String.init) == ["  warning: \(work)/b: " + String(format: Self.skipped, work + "/b")], "\(run.output)")
    }

    /// A cache inside a source folder would be read as part of the source (and change it at every run, so that it
    /// is converted again each time): refused before anything is written, however the path is spelt.
    @Test func aCacheInsideASourceFolderIsRefused() async throws {
        let work = temporaryDirectory("convert-cache-inside")
        defer { try? FileManager.default.removeItem(atPath: work) }
        try Self.series(work + "/series", slices: 2, withUndecodableName: false)
        try Self.recipe(work + "/recipe.yaml", sources: ["series"], format: "dicom-series")
        let recipe = try Recipe.load(work + "/recipe.yaml", knownStages: StageFactory.names)
        for cache in [work + "/series/cache", work + "/series/../series", work + "/series/new/deeper"] {
            let error = await #expect(throws: MedPipeError.self) {
                try await Converter(recipe: recipe, pseudonyms: testPseudonyms).run(ConvertOptions(cache: cache))
            }
            #expect(error?.subject == cache && error?.message.contains("lies inside the source folder") == true, "\(String(describing: error))")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: work + "/series").sorted() == ["00001.dcm", "00002.dcm"], "nothing written")
        let beside = try await Converter(recipe: recipe, pseudonyms: testPseudonyms).run(ConvertOptions(cache: work + "/series-cache"))
        #expect(beside.entries == 1)
    }
}

/// Counts the files that `convert` tells it reads while planning (``ConvertOptions/planning``), from any thread.
final class FilesRead: @unchecked Sendable {
    // Safety: `counted` is touched under `lock` only.
    private let lock = NSLock()
    private var counted = 0
    func add() { lock.lock(); counted += 1; lock.unlock() }
    var count: Int { lock.lock(); defer { lock.unlock() }; return counted }
}
