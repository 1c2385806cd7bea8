#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
import MedPipeCore
import MedPipeFormats
import MedPipeStages
import TestSupport
@testable import MedPipeCache
@testable import MedPipePipeline

/// `convert` run again over sources unchanged since the last run reads none of their files: the cache records each
/// file's content hash (and a DICOM file's series) under a pseudonym of its path. An archive's engineer who adds a
/// few files to 100,000 waits for those few, not for every byte read and every header parsed again.
@Suite(.enabled(if: SharedData.isAvailable, "needs ../shared/data"))
struct ConvertUnchangedSourcesTests {
    static func recipe(_ path: String, source: String) throws {
        try """
        name: archive
        sources:
          - { path: \(source), format: dicom-series, label: none }
        stages:
          - minmax: {}
        split: { all: test }
        """.write(toFile: path, atomically: true, encoding: .utf8)
    }

    static func convert(_ work: String, rehash: Bool = false) async throws -> (summary: ConvertSummary, read: Int) {
        let read = FilesRead()
        let recipe = try Recipe.load(work + "/recipe.yaml", knownStages: StageFactory.names)
        let summary = try await Converter(recipe: recipe, pseudonyms: testPseudonyms)
            .run(ConvertOptions(cache: work + "/cache", rehash: rehash, planning: { read.add() }))
        return (summary, read.count)
    }

    @Test func anUnchangedArchiveIsNotReadAgain() async throws {
        let work = temporaryDirectory("convert-unchanged")
        defer { try? FileManager.default.removeItem(atPath: work) }
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        let archive = SharedData.path("dicom/dwv_subset")
        try Self.recipe(work + "/recipe.yaml", source: archive)
        let files = try FileManager.default.contentsOfDirectory(atPath: archive).count
        let first = try await Self.convert(work)
        #expect(first.summary.sources > 1 && first.summary.entries > 0 && first.read == files, "every file parsed to list the series")
        let again = try await Self.convert(work)
        #expect(again.read == 0, "no file read again")
        #expect(again.summary.reused == first.summary.sources - first.summary.rejected.count && again.summary.computed == 0)
        #expect(again.summary.entries == first.summary.entries && again.summary.rejected.map(\.reason) == first.summary.rejected.map(\.reason))
        let rehashed = try await Self.convert(work, rehash: true)
        #expect(rehashed.read == files && rehashed.summary.computed == 0, "--rehash reads every file, and finds it unchanged")

        // The records name no file, folder or series: pseudonyms only.
        let records = try Manifest(directory: work + "/cache", readOnly: true).sourceFileStates()
        #expect(records.count == files)
        var identifiers = ["dwv_subset", "bbmri", ".dcm"]
        for name in try FileManager.default.contentsOfDirectory(atPath: archive) {
            if let file = try? DICOMFile(path: archive + "/" + name), let uid = try file.string(DICOMTag(0x0020, 0x000E)) {
                identifiers.append(uid)
            }
        }
        #expect(identifiers.count > 3)
        let stored = records.map { $0.key + " " + ($0.value.listing ?? "") }.joined(separator: "\n")
        for identifier in identifiers { #expect(!stored.contains(identifier), "\(identifier) stored") }
    }

    /// A file edited in place, its size and modification time kept (`touch -r`), is read again, and only its series
    /// converted again.
    @Test func anEditedFileIsReadAgain() async throws {
        let work = temporaryDirectory("convert-edited")
        defer { try? FileManager.default.removeItem(atPath: work) }
        try ConvertFolderSourceTests.series(work + "/archive/patient-a/series", slices: 3, withUndecodableName: false)
        try ConvertFolderSourceTests.series(work + "/archive/patient-b/series", slices: 4, withUndecodableName: false)
        for name in try FileManager.default.contentsOfDirectory(atPath: work + "/archive/patient-b/series") {
            let path = work + "/archive/patient-b/series/" + name
            let file = try DICOMFile(path: path)
            try file.replace("(0020,000E)", "1.2.826.0.1.3680043.10.1424.2")   // a series of its own
            try file.save(to: path)
        }
        try Self.recipe(work + "/recipe.yaml", source: "archive")
        // Files written less than two seconds before they are read are not recorded (they could change again within
        // the same tick of the file system's clock): these are left to settle.
        try await Task.sleep(for: .milliseconds(2_100))
        let first = try await Self.convert(work)
        #expect(first.read == 7 && first.summary.computed == 2)
        #expect(try await Self.convert(work).read == 0)

        let edited = work + "/archive/patient-a/series/00002.dcm"
        var before = stat()
        #expect(stat(edited, &before) == 0)
        let handle = try #require(FileHandle(forUpdatingAtPath: edited))
        try handle.seek(toOffset: UInt64(before.st_size) - 2)   // the last pixel's value
        try handle.write(contentsOf: [0x7F])
        try handle.close()
        var times = [before.st_atim, before.st_mtim]
        #expect(utimensat(AT_FDCWD, edited, &times, 0) == 0)
        let again = try await Self.convert(work)
        #expect(again.read == 1, "the edited file only")
        #expect(again.summary.computed == 1 && again.summary.reused == 1, "\(again.summary)")
    }
}
