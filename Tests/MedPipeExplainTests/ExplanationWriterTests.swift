import Foundation
import Testing
import MedPipeCore
import MedPipeFormats
import MedPipeTrain
import TestSupport
@testable import MedPipeExplain

@Suite struct ExplanationWriterTests {
    private func explainAndWrite(_ specs: [LayerSpec], inputShape: [Int], scale: Int? = nil) throws -> (dir: String, entry: ExplanationWriter.IndexEntry, explanation: GradCAM.Explanation) {
        let count = inputShape.reduce(1, *)
        let input = (0..<count).map { Float(($0 * 7919) % 97) / 97 }
        var cam = try GradCAM(model: Sequential(specs, seed: 2))
        let explanation = try #require(try cam.explain(Activation(shape: [1] + inputShape, data: input)).first)
        let dir = NSTemporaryDirectory() + "medpipe-cam-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var writer = ExplanationWriter(directory: dir, colormap: .inferno, alpha: 0.5, modelHash: "abc123", classNames: ["x", "y"], scale: scale)
        try writer.start(count: 1, inputShape: inputShape)
        let entry = try writer.write(row: 0, name: "s", input: input, inputShape: inputShape, explanation: explanation, trueLabel: "x", entry: 42)
        try writer.finish([entry], extra: ["layer": String(cam.layer)])
        return (dir, entry, explanation)
    }

    /// The map of the one sample `explainAndWrite` explained: row 0 of `maps.npy`, shaped like the input's space.
    private func savedMap(_ dir: String) throws -> Tensor {
        let maps = try NPYReader().read(dir + "/" + ExplanationWriter.mapsFile).tensor
        try #require(maps.shape.first == 1)
        return Tensor(shape: Array(maps.shape.dropFirst()), values: maps.values(as: Float.self))
    }

    @Test func volumeMapIsTrilinearlyAlignedAndDrawnAsAMontage() throws {
        let (dir, entry, explanation) = try explainAndWrite([
            .convolution(rank: 3, inChannels: 1, outChannels: 2, kernel: 3, stride: 2), .relu,
            .globalAvgPool(rank: 3), .flatten, .linear(inFeatures: 2, outFeatures: 2),
        ], inputShape: [1, 9, 10, 11])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // The raw map lives at the convolution's 4×4×5 grid and is saved upsampled to the input's 9×10×11.
        #expect(explanation.mapShape == [4, 4, 5])
        let map = try savedMap(dir)
        #expect(map.shape == [9, 10, 11])
        let values = map.values(as: Float.self)
        #expect(values.contains { $0 != values[0] }, "a constant map cannot show alignment")
        // Half-pixel centres: the first and last voxels sample the raw map's first and last cells (clamped).
        #expect(values[0] == explanation.map[0] && values[values.count - 1] == explanation.map[explanation.map.count - 1])
        // Trilinear interpolation is a convex combination: no value leaves the raw map's range.
        #expect(values.min()! >= explanation.map.min()! - 1e-6 && values.max()! <= explanation.map.max()! + 1e-6)
        #expect(entry.mapMinimum == values.min() && entry.mapMaximum == values.max())
        let png = try PNGReader().readImage(dir + "/s.png")
        // Three views side by side: 10×11 (axial), 9×11 and 9×10, with 4-pixel gaps, magnified 20× (to 200 ≥ 192 pixels).
        #expect(png.tensor.shape == [10 * 20, (11 + 11 + 10 + 8) * 20, 3])
        #expect(png.text("medpipe:model-sha256") == "abc123")
        #expect(png.text("medpipe:class") == entry.explainedClass)
        #expect(FileManager.default.fileExists(atPath: dir + "/index.json"))
    }

    /// The saved map equals, voxel for voxel, PyTorch's trilinear interpolation (align_corners=False) of the raw map.
    @Test(.enabled(if: ReferencePython.available("torch", "numpy"), "needs python3 with torch and numpy (tools/setup --python)"))
    func volumeMapEqualsTorchTrilinearUpsampling() throws {
        let (dir, _, explanation) = try explainAndWrite([
            .convolution(rank: 3, inChannels: 1, outChannels: 2, kernel: 3, stride: 2), .relu,
            .globalAvgPool(rank: 3), .flatten, .linear(inFeatures: 2, outFeatures: 2),
        ], inputShape: [1, 9, 10, 11])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try NPYWriter.write(Tensor(shape: explanation.mapShape, values: explanation.map), to: dir + "/raw.npy")
        let run = try ReferencePython.run("""
            import sys, numpy as np, torch
            raw = torch.from_numpy(np.load(sys.argv[1]))[None, None]
            up = torch.nn.functional.interpolate(raw, size=(9, 10, 11), mode="trilinear", align_corners=False)[0, 0]
            ours = torch.from_numpy(np.load(sys.argv[2])[0])
            assert ours.shape == up.shape, (ours.shape, up.shape)
            print(float((up - ours).abs().max()), float(up.std()))
            """, [dir + "/raw.npy", dir + "/" + ExplanationWriter.mapsFile])
        try #require(run.status == 0, "\(run.output)")
        let numbers = run.output.split(separator: " ").compactMap { Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        try #require(numbers.count == 2, "\(run.output)")
        #expect(numbers[1] > 0, "a constant map cannot show alignment")
        #expect(numbers[0] < 1e-5, "largest difference from torch's trilinear upsampling: \(numbers[0])")
    }

    private let imageModel: [LayerSpec] = [
        .convolution(rank: 2, inChannels: 1, outChannels: 2, kernel: 3, stride: 2), .relu,
        .globalAvgPool(rank: 2), .flatten, .linear(inFeatures: 2, outFeatures: 2),
    ]

    @Test func smallImageIsMagnifiedToAReadableSizeAndTheMapKeepsTheInputs() throws {
        let (dir, entry, _) = try explainAndWrite(imageModel, inputShape: [1, 28, 28])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // 28 pixels at 7× = 196 ≥ 192; each input pixel is a 7×7 block of one colour.
        let png = try PNGReader().readImage(dir + "/s.png").tensor
        #expect(png.shape == [196, 196, 3])
        let pixels = png.values(as: UInt8.self)
        func rgb(_ r: Int, _ c: Int) -> [UInt8] { Array(pixels[((r * 196 + c) * 3)..<((r * 196 + c) * 3 + 3)]) }
        #expect((0..<7).allSatisfy { dy in (0..<7).allSatisfy { dx in rgb(70 + dy, 133 + dx) == rgb(70, 133) } })
        #expect(try savedMap(dir).shape == [28, 28])
        #expect(entry.entry == 42)
        let index = try String(contentsOfFile: dir + "/index.json", encoding: .utf8)
        #expect(index.contains("\"entry\" : 42"))
    }

    @Test func scaleOneKeepsTheInputsSize() throws {
        let (dir, _, _) = try explainAndWrite(imageModel, inputShape: [1, 28, 28], scale: 1)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(try PNGReader().readImage(dir + "/s.png").tensor.shape == [28, 28, 3])
    }

    /// A run into a folder of an earlier, larger run: the earlier index goes first, the overlays are replaced
    /// whole in place (no tail of the longer old file), maps.npy is replaced whole, no temporary file is left,
    /// and the index comes last; a run released before it finishes leaves no index and the earlier maps.npy as it was.
    @Test func aRunTakesAnEarlierIndexAwayFirstAndWritesItsOwnLast() throws {
        let (dir, first, explanation) = try explainAndWrite(imageModel, inputShape: [1, 28, 28], scale: 1)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let longer = [UInt8](repeating: 0xAB, count: 200_000)
        for name in ["s.png", "t.png", ExplanationWriter.mapsFile] { try Data(longer).write(to: URL(fileURLWithPath: dir + "/" + name)) }
        let input = (0..<784).map { Float(($0 * 7919) % 97) / 97 }
        do {   // a run cut off after its first sample
            var writer = ExplanationWriter(directory: dir, colormap: .inferno, alpha: 0.5, modelHash: "abc123", classNames: ["x", "y"], scale: 1)
            try writer.start(count: 2, inputShape: [1, 28, 28])
            #expect(!FileManager.default.fileExists(atPath: dir + "/index.json"), "a cut-off run must not leave the earlier run's index over its files")
            _ = try writer.write(row: 1, name: "t", input: input, inputShape: [1, 28, 28], explanation: explanation, trueLabel: "x")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == [ExplanationWriter.mapsFile, "s.png", "t.png"])
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/" + ExplanationWriter.mapsFile)).count == longer.count, "an unfinished run leaves the earlier maps.npy as it was")

        var writer = ExplanationWriter(directory: dir, colormap: .inferno, alpha: 0.5, modelHash: "abc123", classNames: ["x", "y"], scale: 1)
        try writer.start(count: 2, inputShape: [1, 28, 28])
        let second = try writer.write(row: 1, name: "t", input: input.reversed(), inputShape: [1, 28, 28], explanation: explanation, trueLabel: "y")
        let entry = try writer.write(row: 0, name: "s", input: input, inputShape: [1, 28, 28], explanation: explanation, trueLabel: "x")
        #expect(throws: MedPipeError.self) { try writer.write(row: 2, name: "u", input: input, inputShape: [1, 28, 28], explanation: explanation, trueLabel: "x") }
        try writer.finish([entry, second], extra: [:])
        #expect(try PNGReader().readImage(dir + "/s.png").tensor.shape == [28, 28, 3])
        let size = try #require(try FileManager.default.attributesOfItem(atPath: dir + "/s.png")[.size] as? Int)
        #expect(size < 10_000, "s.png keeps \(size) bytes: the longer old file was not truncated")
        let maps = try NPYReader().read(dir + "/" + ExplanationWriter.mapsFile).tensor
        #expect(maps.shape == [2, 28, 28] && maps.dtype == .float32)
        #expect(maps.values(as: Float.self).prefix(784).max() == entry.mapMaximum && entry.mapRow == 0 && second.mapRow == 1)
        let names = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        #expect(names == ["index.json", ExplanationWriter.mapsFile, "s.png", "t.png"])
        #expect(entry.mapMaximum == first.mapMaximum)
    }

    @Test func readableFactor() {
        #expect(RGBImage.readableFactor(rows: 28, columns: 28) == 7)
        #expect(RGBImage.readableFactor(rows: 28, columns: 100, minimum: 128) == 5)
        #expect(RGBImage.readableFactor(rows: 192, columns: 300) == 1)
        #expect(RGBImage.readableFactor(rows: 0, columns: 5) == 1)
        let tiny = RGBImage(rows: 1, columns: 2, pixels: [1, 2, 3, 4, 5, 6])
        #expect(tiny.magnified(by: 2).pixels == [1, 2, 3, 1, 2, 3, 4, 5, 6, 4, 5, 6, 1, 2, 3, 1, 2, 3, 4, 5, 6, 4, 5, 6])
        let small = RGBImage(rows: 3, columns: 2, pixels: (0..<18).map { UInt8($0 * 7) })
        let big = small.magnified(by: 3)
        #expect(big.rows == 9 && big.columns == 6 && big.pixels.count == 9 * 6 * 3)
        for r in 0..<9 { for c in 0..<6 { for k in 0..<3 {
            #expect(big.pixels[(r * 6 + c) * 3 + k] == small.pixels[((r / 3) * 2 + c / 3) * 3 + k], "pixel \(r), \(c)")
        } } }
    }

    @Test func signalMapFollowsTheTrace() throws {
        let (dir, _, _) = try explainAndWrite([
            .convolution(rank: 1, inChannels: 1, outChannels: 3, kernel: 5, padding: 2), .relu,
            .maxPool(rank: 1, kernel: 2, stride: 2), .flatten, .linear(inFeatures: 3 * 50, outFeatures: 2),
        ], inputShape: [1, 100])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(try savedMap(dir).shape == [100])
        #expect(try PNGReader().read(dir + "/s.png").tensor.shape == [200, 200, 3])
    }
}
