import Foundation
import MedPipeCache
import MedPipeCore
import MedPipeDeidentify
import MedPipeExport
import MedPipePipeline
import MedPipeStages
import TestSupport

/// Deterministic stand-in pseudonyms for tests (the CLI uses the HMAC project key).
let testPseudonyms = Pseudonyms(fingerprint: "test") { "P-" + ContentHash.of(Array(("test:" + $0).utf8)).prefix(12) }

/// New UIDs from a random project key, as the CLI makes them.
let testUIDs: @Sendable (String) -> String = { [pseudonymizer = Pseudonymizer(key: ProjectKey.random())] in pseudonymizer.uid($0) }


/// A cache written directly with ``CacheWriter``: one unit per item, splits assigned in order.
func makeCache(_ directory: String, items: [CacheItem], splits: [String], meta: [String: String] = ["recipe_hash": "test-recipe-hash"]) throws {
    let writer = try CacheWriter(directory: directory)
    for (i, item) in items.enumerated() {
        let key = UnitKey.make(sourceHash: ContentHash.of(Array("item \(i)".utf8)), reader: "test", stages: [])
        try writer.add(CacheUnit(key: key, source: "P-source\(i)", items: [item]))
    }
    let entries = try writer.entries()
    try writer.finalize(splits: Dictionary(uniqueKeysWithValues: zip(entries.map(\.id), splits)), plans: [:], meta: meta)
}

/// Converts a shipped recipe into `cache` with the test pseudonyms.
func convert(_ recipe: String, into cache: String) async throws {
    let loaded = try Recipe.load(SharedData.fixture("recipes/" + recipe), knownStages: StageFactory.names)
    _ = try await Converter(recipe: loaded, pseudonyms: testPseudonyms).run(ConvertOptions(cache: cache))
}

/// An oblique affine (rotation about z and x, anisotropic voxels, an offset) in RAS.
let obliqueAffine: Affine = {
    let a = 0.3, b = 0.2
    let rotation = [[cos(a), -sin(a) * cos(b), sin(a) * sin(b)],
                    [sin(a), cos(a) * cos(b), -cos(a) * sin(b)],
                    [0, sin(b), cos(b)]]
    let spacing = [0.8, 0.9, 2.5], offset = [-40.5, 12.25, 7.0]
    var m: [[Double]] = (0..<3).map { (r: Int) -> [Double] in (0..<3).map { (c: Int) -> Double in rotation[r][c] * spacing[c] } + [offset[r]] }
    m.append([0, 0, 0, 1])
    return Affine(matrix: m)
}()
