import Foundation
import Testing
import MedPipeCore
import MedPipeFormats
import MedPipeTrain
@testable import MedPipeExplain

@Suite struct ExplanationWriterTests {
    private func explainAndWrite(_ specs: [LayerSpec], inputShape: [Int], scale: Int? = nil) throws -> (dir: String, entry: ExplanationWriter.IndexEntry) {
        let count = inputShape.reduce(1, *)
        let input = (0..<count).map { Float(($0 * 7919) % 97) / 97 }
        var cam = try GradCAM(model: Sequential(specs, seed: 2))
        let explanation = try #require(try cam.explain(Activation(shape: [1] + inputShape, data: input)).first)
        let dir = NSTemporaryDirectory() + "medpipe-cam-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let writer = ExplanationWriter(directory: dir, colormap: .inferno, alpha: 0.5, modelHash: "abc123", classNames: ["x", "y"], scale: scale)
        let entry = try writer.write(name: "s", input: input, inputShape: inputShape, explanation: explanation, trueLabel: "x", entry: 42)
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
        // Three views side by side: 10×11 (axial), 9×11 and 9×10, with 4-pixel gaps, magnified 20× (to 200 ≥ 192 pixels).
        #expect(png.tensor.shape == [10 * 20, (11 + 11 + 10 + 8) * 20, 3])
        #expect(png.text("medpipe:model-sha256") == "abc123")
        #expect(png.text("medpipe:class") == entry.explainedClass)
        #expect(FileManager.default.fileExists(atPath: dir + "/index.json"))
    }

    private let imageModel: [LayerSpec] = [
        .convolution(rank: 2, inChannels: 1, outChannels: 2, kernel: 3, stride: 2), .relu,
        .globalAvgPool(rank: 2), .flatten, .linear(inFeatures: 2, outFeatures: 2),
    ]

    @Test func smallImageIsMagnifiedToAReadableSizeAndTheMapKeepsTheInputs() throws {
        let (dir, entry) = try explainAndWrite(imageModel, inputShape: [1, 28, 28])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // 28 pixels at 7× = 196 ≥ 192; each input pixel is a 7×7 block of one colour.
        let png = try PNGReader().readImage(dir + "/s.png").tensor
        #expect(png.shape == [196, 196, 3])
        let pixels = png.values(as: UInt8.self)
        func rgb(_ r: Int, _ c: Int) -> [UInt8] { Array(pixels[((r * 196 + c) * 3)..<((r * 196 + c) * 3 + 3)]) }
        #expect((0..<7).allSatisfy { dy in (0..<7).allSatisfy { dx in rgb(70 + dy, 133 + dx) == rgb(70, 133) } })
        #expect(try NPYReader().read(dir + "/s.npy").tensor.shape == [28, 28])
        #expect(entry.entry == 42)
        let index = try String(contentsOfFile: dir + "/index.json", encoding: .utf8)
        #expect(index.contains("\"entry\" : 42"))
    }

    @Test func scaleOneKeepsTheInputsSize() throws {
        let (dir, _) = try explainAndWrite(imageModel, inputShape: [1, 28, 28], scale: 1)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(try PNGReader().readImage(dir + "/s.png").tensor.shape == [28, 28, 3])
    }

    @Test func readableFactor() {
        #expect(RGBImage.readableFactor(rows: 28, columns: 28) == 7)
        #expect(RGBImage.readableFactor(rows: 28, columns: 100, minimum: 128) == 5)
        #expect(RGBImage.readableFactor(rows: 192, columns: 300) == 1)
        #expect(RGBImage.readableFactor(rows: 0, columns: 5) == 1)
        let tiny = RGBImage(rows: 1, columns: 2, pixels: [1, 2, 3, 4, 5, 6])
        #expect(tiny.magnified(by: 2).pixels == [1, 2, 3, 1, 2, 3, 4, 5, 6, 4, 5, 6, 1, 2, 3, 1, 2, 3, 4, 5, 6, 4, 5, 6])
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
