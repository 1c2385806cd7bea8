import Foundation
import MedPipeCore
import MedPipeStages
import Testing
import TestSupport
@testable import MedPipePipeline

/// A recipe's `augment:` section: parsed into transforms in order, with defaults, and refused by line
/// when a name, field or value is wrong.
@Suite struct AugmentSpecTests {
    private func parse(_ yaml: String) throws -> Augmentation? {
        try AugmentSpec.of(recipeText: "name: r\nsources: []\n" + yaml, file: "r.yaml")
    }

    @Test func parsesEveryTransformInOrder() throws {
        let augmentation = try #require(try parse("""
            augment:
              - flip: { axes: [0, 1], prob: 0.25 }
              - rotate: { degrees: 10 }
              - affine: { degrees: 5, scales: [0.9, 1.1], translate: [0.1, 0.05], prob: 1 }
              - affine: { shear: 8 }
              - elastic: { spacing: 12, magnitude-range: [1, 3] }
              - blur: { sigma: [0.5, 1], prob: 0.2 }
              - crop-pad: { padding: 3, padding-mode: edge }
              - crop-pad: {}
              - gaussian-noise: { std: 0.2 }
              - scale-intensity: { factors: 0.1 }
              - shift-intensity: { offsets: 0.3, prob: 0.1 }
              - gamma: { gamma: [0.5, 2] }
              - time-shift: { max-shift: 12 }
              - amplitude-scale: { scales: [0.9, 1.2] }
              - baseline-wander: { amplitude: 0.2, period: [100, 400] }
            """))
        #expect(augmentation.transforms == [
            .flip(axes: [0, 1], prob: 0.25),
            .affine(degrees: 10, scales: [1, 1], translate: [0, 0], prob: 0.5),
            .affine(degrees: 5, scales: [0.9, 1.1], translate: [0.1, 0.05], prob: 1),
            .affine(degrees: 0, scales: [1, 1], shear: 8, translate: [0, 0], prob: 0.5),
            .elastic(spacing: 12, magnitude: [1, 3], prob: 0.5),
            .blur(sigma: [0.5, 1], prob: 0.2),
            .cropPad(padding: 3, mode: .edge, prob: 0.5),
            .cropPad(padding: 4, mode: .constant, prob: 0.5),
            .gaussianNoise(mean: 0, std: 0.2, prob: 0.5),
            .scaleIntensity(factors: 0.1, prob: 0.5),
            .shiftIntensity(offsets: 0.3, prob: 0.1),
            .gamma(range: [0.5, 2], prob: 0.5),
            .timeShift(maxShift: 12, prob: 0.5),
            .amplitudeScale(scales: [0.9, 1.2], prob: 0.5),
            .baselineWander(amplitude: 0.2, period: [100, 400], prob: 0.5),
        ])
        #expect(try parse("stages: []\n") == nil)
    }

    @Test func affineTranslateTakesTwoSharesForImagesOrThreeForVolumes() throws {
        let volume = try #require(try parse("augment:\n  - affine: { translate: [0.1, 0.2, 0.05] }\n"))
        #expect(volume.transforms == [.affine(degrees: 0, scales: [1, 1], translate: [0.1, 0.2, 0.05], prob: 0.5)])
        #expect(throws: MedPipeError.self) { try parse("augment:\n  - affine: { translate: [0.1, 0.2, 0.05, 0.1] }\n") }
        #expect(throws: MedPipeError.self) { try parse("augment:\n  - affine: { translate: [0.1] }\n") }
    }

    @Test func mistakesNameTheLine() throws {
        let cases = [
            ("augment:\n  - twirl: { prob: 0.5 }\n", "r.yaml:4", "unknown transform 'twirl'"),
            ("augment:\n  - rotate: { degres: 10 }\n", "r.yaml:4", "unknown field 'degres'"),
            ("augment:\n  - flip: { prob: 1.5 }\n", "r.yaml:4", "flip 'prob' must be from 0 to 1, got 1.5"),
            ("augment:\n  - affine: { scales: [1.2, 0.8] }\n", "r.yaml:4", "'scales' must be [low, high]"),
            ("augment: { flip: {} }\n", "r.yaml:3", "must be a list of transforms"),
            ("augment:\n  - crop-pad: { padding-mode: reflect }\n", "r.yaml:4", "'padding-mode' must be constant (zeros) or edge"),
            ("augment:\n  - crop-pad: { padding: 1.5 }\n", "r.yaml:4", "whole number of pixels"),
            ("augment:\n  - affine: { shear: 80 }\n", "r.yaml:4", "affine 'shear' must be from 0 to 60, got 80"),
            // A whole number past Int's range trapped converting to Int.
            ("augment:\n  - flip: { axes: [1e300] }\n", "r.yaml:4", "flip 'axes' must list spatial axes"),
        ]
        for (yaml, line, message) in cases {
            do {
                _ = try parse(yaml)
                Issue.record("no error for \(yaml)")
            } catch let error as MedPipeError {
                #expect(error.subject == line && error.message.contains(message), "\(error)")
            }
        }
    }

    @Test func aRecipeCarriesItsAugmentation() throws {
        let dir = temporaryDirectory("augment-recipe")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = FileManager.default.createFile(atPath: dir + "/data.csv", contents: Data("x,num\n1,0\n".utf8))
        let path = dir + "/recipe.yaml"
        try "sources:\n  - path: data.csv\naugment:\n  - flip: {}\n".write(toFile: path, atomically: true, encoding: .utf8)
        let recipe = try Recipe.load(path, knownStages: [])
        #expect(recipe.augment == Augmentation([.flip(axes: [1], prob: 0.5)]))
    }
}
