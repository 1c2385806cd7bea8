import Foundation
import Testing
import MedPipeCache
import MedPipeStages
import TestSupport
@testable import MedPipePipeline

/// Labels from a sidecar table (`label: { sidecar: FILE, key: K, label: L }`), read once per run for all sources.
struct SidecarLabelTests {
    /// A file is found by its name or its name without extension, the first row holding it gives its label, a file
    /// no row names is rejected, and so is every file of a source whose table lacks the label column.
    @Test func eachFileTakesTheLabelOfTheFirstRowThatNamesIt() async throws {
        let work = temporaryDirectory("sidecar")
        defer { try? FileManager.default.removeItem(atPath: work) }
        for folder in ["one", "two"] { try FileManager.default.createDirectory(atPath: work + "/" + folder, withIntermediateDirectories: true) }
        for (index, name) in ["a", "b", "d", "e"].enumerated() { try CraftedNIfTI.write(to: "\(work)/one/\(name).nii", first: UInt8(index)) }
        try CraftedNIfTI.write(to: work + "/two/f.nii", first: 9)
        try "file,diagnosis\na.nii,x\nb,y\na.nii,z\nd,7\n".write(toFile: work + "/labels.csv", atomically: true, encoding: .utf8)
        let recipe = try sidecarRecipe(in: work, sources: """
              - path: one/*.nii
                label: { sidecar: labels.csv, key: file, label: diagnosis }
              - path: two/*.nii
                label: { sidecar: labels.csv, key: file, label: stage }
            """)
        let summary = try await Converter(recipe: recipe, pseudonyms: testPseudonyms).run(ConvertOptions(cache: work + "/cache"))
        #expect(try DatasetCache(directory: work + "/cache").entries().map(\.label) == ["x", "y", "7"])
        #expect(summary.rejected.map(\.source) == [work + "/one/e.nii", work + "/two/f.nii"])
        #expect(summary.rejected.first?.reason.contains("no row in \(work)/labels.csv gives its label") == true, "\(summary.rejected)")
        #expect(summary.rejected.last?.reason.contains("needs columns 'file' and 'stage'") == true, "\(summary.rejected)")

        // Unchanged, nothing is read again; an edited table gives the files their new labels (the cache kept the old
        // ones: the table's contents were not part of the units' keys).
        let again = try await Converter(recipe: recipe, pseudonyms: testPseudonyms).run(ConvertOptions(cache: work + "/cache"))
        #expect(again.computed == 0)
        try "file,diagnosis\na.nii,x\nb,w\nd,7\ne,v\n".write(toFile: work + "/labels.csv", atomically: true, encoding: .utf8)
        let edited = try await Converter(recipe: recipe, pseudonyms: testPseudonyms).run(ConvertOptions(cache: work + "/cache"))
        #expect(try DatasetCache(directory: work + "/cache").entries().map(\.label) == ["x", "w", "7", "v"])
        #expect(edited.rejected.map(\.source) == [work + "/two/f.nii"])
    }

    /// A label holding a control character or line break (a quoted sidecar cell over two lines, a tab, U+2028) rejects
    /// its file, naming the character: it went into the cache, and export's classes.txt, one name a line, listed it as
    /// two classes, shifting the names of the classes after it.
    @Test func aLabelHoldingALineBreakRejectsItsFile() async throws {
        let work = temporaryDirectory("sidecar-breaks")
        defer { try? FileManager.default.removeItem(atPath: work) }
        try FileManager.default.createDirectory(atPath: work + "/one", withIntermediateDirectories: true)
        for (index, name) in ["a", "b", "c", "d"].enumerated() { try CraftedNIfTI.write(to: "\(work)/one/\(name).nii", first: UInt8(index)) }
        try "file,diagnosis\na,\"first\nsecond\"\nb,tab\there\nc,line\u{2028}separator\nd,\"plain text, fine\"\n".write(toFile: work + "/labels.csv", atomically: true, encoding: .utf8)
        let recipe = try sidecarRecipe(in: work, sources: """
              - path: one/*.nii
                label: { sidecar: labels.csv, key: file, label: diagnosis }
            """)
        let summary = try await Converter(recipe: recipe, pseudonyms: testPseudonyms).run(ConvertOptions(cache: work + "/cache"))
        #expect(try DatasetCache(directory: work + "/cache").entries().map(\.label) == ["plain text, fine"])
        #expect(summary.rejected.map(\.source) == ["a", "b", "c"].map { "\(work)/one/\($0).nii" })
        let codePoints: [String] = summary.rejected.map { String($0.reason.components(separatedBy: " holds ").last?.prefix(6) ?? "") }
        #expect(codePoints == ["U+000A", "U+0009", "U+2028"], "\(summary.rejected)")
        #expect(summary.rejected.first?.reason == "label \"first\\nsecond\" holds U+000A, a control character or line break, which no class name may hold (class names are listed one a line)", "\(summary.rejected)")
    }

    /// A recipe `recipe.yaml` in `work` whose `sources:` are the given lines, split wholly into train.
    private func sidecarRecipe(in work: String, sources: String) throws -> Recipe {
        try "name: sidecar\nsources:\n\(sources)\nsplit: { by: patient, ratios: { train: 1.0 } }\n"
            .write(toFile: work + "/recipe.yaml", atomically: true, encoding: .utf8)
        return try Recipe.load(work + "/recipe.yaml", knownStages: StageFactory.names)
    }
}

