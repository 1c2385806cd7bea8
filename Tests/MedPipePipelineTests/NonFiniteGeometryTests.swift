import Foundation
import Testing
import MedPipeCache
import MedPipeCore
import MedPipeStages
import TestSupport
@testable import MedPipePipeline

/// A NIfTI whose sform holds NaN or infinite voxel sizes is a file nibabel reads: MedPipe reads it,
/// shows it (`inspect --json` writes such numbers as the strings "nan", "inf"), and caches it with
/// its geometry intact, instead of trapping on JSON that cannot hold such numbers.
@Suite struct NonFiniteGeometryTests {
    @Test(.enabled(if: SharedData.medpipeBinary != nil, "needs the built medpipe binary"))
    func inspectJSONWritesNonFiniteNumbersAsText() throws {
        let work = temporaryDirectory("nonfinite-inspect")
        defer { try? FileManager.default.removeItem(atPath: work) }
        for (name, size, text) in [("nan", Float.nan, "nan"), ("inf", Float.infinity, "inf")] {
            let path = "\(work)/\(name).nii"
            try CraftedNIfTI.write(to: path, pixdim: [size, 1, 1])
            let (status, output, error) = try SharedData.runMedpipe(["inspect", path, "--json"])
            #expect(status == 0, "\(error)")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
            let affine = try #require(object["affine"] as? [[Any]])
            #expect(affine[0][0] as? String == text)
            #expect((affine[1][1] as? NSNumber)?.doubleValue == 1)
        }
    }

    @Test func aCacheKeepsNonFiniteGeometry() async throws {
        let work = temporaryDirectory("nonfinite-cache")
        defer { try? FileManager.default.removeItem(atPath: work) }
        try CraftedNIfTI.write(to: work + "/nan.nii", pixdim: [.nan, 1, 1])
        try """
        name: nonfinite
        sources:
          - path: nan.nii
        split: { by: patient, ratios: { train: 1.0 } }
        """.write(toFile: work + "/recipe.yaml", atomically: true, encoding: .utf8)
        let recipe = try Recipe.load(work + "/recipe.yaml", knownStages: StageFactory.names)
        let summary = try await Converter(recipe: recipe, pseudonyms: testPseudonyms).run(ConvertOptions(cache: work + "/cache"))
        #expect(summary.entries == 1 && summary.rejected.isEmpty)
        let entry = try #require(try DatasetCache(directory: work + "/cache").entries().first)
        guard case .spatial(let spacing, let affine)? = entry.geometry else {
            Issue.record("no spatial geometry cached: \(String(describing: entry.geometry))")
            return
        }
        #expect(affine.matrix[0][0].isNaN && affine.matrix[1][1] == 1)
        #expect(spacing.count == 3)
        #expect(try DatasetCache(directory: work + "/cache").verify().isSound)
    }
}
