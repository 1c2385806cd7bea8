import Foundation
import Testing
import MedPipeCore
import MedPipeFormats
import MedPipeTrain
@testable import MedPipeExplain

@Suite struct ExplanationWriterTests {
    private func explainAndWrite(_ specs: [LayerSpec], inputShape: [Int]) throws -> (dir: String, entry: ExplanationWriter.IndexEntry) {
        let count = inputShape.reduce(1, *)
        let input = (0..<count).map { Float(($0 * 7919) % 97) / 97 }
        var cam = try GradCAM(model: Sequential(specs, seed: 2))
        let explanation = try #require(try cam.explain(Activation(shape: [1] + inputShape, data: input)).first)
        let dir = NSTemporaryDirectory() + "medpipe-cam-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let writer = ExplanationWriter(directory: dir, colormap: .inferno, alpha: 0.5, modelHash: "abc123", classNames: ["x", "y"])
        let entry = try writer.write(name: "s", input: input, inputShape: inputShape, explanation: explanation, trueLabel: "x")
        try writer.writeIndex([entry], extra: ["layer": String(cam.layer)])
        return (dir, entry)
    }

    @Test func volumeMapIsTrilinearlyAlignedAndDrawnAsAMontage() throws {
        let (dir, entry) = try explainAndWrite([
            .convolution(rank: 3, inChannels: 1, outChannels: 2, kernel: 3, stride: 2), .relu,
            .globalAvgPool(rank: 3), .flatten, .linear(inFeatures: 2, outFeatures: 2),
        ], inputShape: [1, 9, 10, 11])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // The raw map lives at the convolution's 4×4×5 grid and is saved upsampled to the input's 9×10×11.
        let map = try NPYReader().read(dir + "/s.npy").tensor
        #expect(map.shape == [9, 10, 11])
        let values = map.values(as: Float.self)
        #expect(values.min() == entry.mapMinimum && values.max() == entry.mapMaximum)
        let png = try PNGReader().readImage(dir + "/s.png")
        // Three views side by side: 10×11 (axial), 9×11 and 9×10, with 4-pixel gaps.
        #expect(png.tensor.shape == [10, 11 + 11 + 10 + 8, 3])
        #expect(png.text("medpipe:model-sha256") == "abc123")
        #expect(png.text("medpipe:class") == entry.explainedClass)
        #expect(FileManager.default.fileExists(atPath: dir + "/index.json"))
    }

    @Test func signalMapFollowsTheTrace() throws {
        let (dir, _) = try explainAndWrite([
            .convolution(rank: 1, inChannels: 1, outChannels: 3, kernel: 5, padding: 2), .relu,
            .maxPool(rank: 1, kernel: 2, stride: 2), .flatten, .linear(inFeatures: 3 * 50, outFeatures: 2),
        ], inputShape: [1, 100])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(try NPYReader().read(dir + "/s.npy").tensor.shape == [100])
        #expect(try PNGReader().read(dir + "/s.png").tensor.shape == [200, 200, 3])
    }
}
