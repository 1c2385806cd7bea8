import Foundation
import MedPipeData
import Testing
import MedPipeCore
import MedPipeTrain
@testable import MedPipeExplain

/// Images of 24×24 noise with one bright blob; the class is the half the blob sits in.
private func blobs(count: Int, seed: UInt64) -> (inputs: [Float], labels: [Int], centres: [(Int, Int)]) {
    var rng = SplitMix(seed: seed)
    var inputs: [Float] = [], labels: [Int] = [], centres: [(Int, Int)] = []
    for _ in 0..<count {
        let label = Int(rng.next() % 2)
        let cy = 4 + Int(rng.next() % 16)
        let cx = label == 0 ? 3 + Int(rng.next() % 7) : 14 + Int(rng.next() % 7)
        for y in 0..<24 {
            for x in 0..<24 {
                let d2 = Float((y - cy) * (y - cy) + (x - cx) * (x - cx))
                inputs.append(exp(-d2 / 4) + 0.1 * (Float(rng.next() % 1000) / 1000 - 0.5))
            }
        }
        labels.append(label)
        centres.append((cy, cx))
    }
    return (inputs, labels, centres)
}

private struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite struct GradCAMTests {
    @Test func mapMaximumFallsOnTheBlob() throws {
        let train = blobs(count: 600, seed: 1), test = blobs(count: 200, seed: 2)
        let source = try InMemoryBatchSource(sampleShape: [1, 24, 24], classNames: ["left", "right"], splits: [
            .train: .init(inputs: train.inputs, labels: train.labels),
            .validation: .init(inputs: test.inputs, labels: test.labels),
        ])
        let specs: [LayerSpec] = [
            .convolution(rank: 2, inChannels: 1, outChannels: 8, kernel: 3, padding: 1), .relu,
            .maxPool(rank: 2, kernel: 2, stride: 2),
            .convolution(rank: 2, inChannels: 8, outChannels: 16, kernel: 3, padding: 1), .relu,
            .flatten, .linear(inFeatures: 16 * 12 * 12, outFeatures: 2),
        ]
        let result = try Trainer(TrainingConfiguration(epochs: 4, batchSize: 32, seed: 3, threads: 1)).train(Sequential(specs, seed: 3), on: source)
        #expect(try #require(result.history.last?.valAccuracy) > 0.95)

        #expect(try GradCAM(model: result.best).layer == 3, "the default target is the last convolution")
        var cam = try GradCAM(model: result.best, layer: 4)
        let explanations = try cam.explain(Activation(shape: [200, 1, 24, 24], data: test.inputs))
        var hits = 0
        for (explanation, centre) in zip(explanations, test.centres) {
            #expect(explanation.mapShape == [12, 12])
            let map = Upsampling.resize(explanation.map, shape: [12, 12], to: [24, 24])
            let peak = map.indices.max { map[$0] < map[$1] }!
            let (y, x) = (peak / 24, peak % 24)
            if abs(y - centre.0) <= 3 && abs(x - centre.1) <= 3 { hits += 1 }
        }
        #expect(Double(hits) / 200 >= 0.95, "map maximum on the blob in \(hits) of 200")
    }

    @Test func gradCAMPlusPlusAlsoLocalizes() throws {
        var cam = try GradCAM(model: Sequential([
            .convolution(rank: 1, inChannels: 1, outChannels: 2, kernel: 3, padding: 1), .relu,
            .flatten, .linear(inFeatures: 2 * 8, outFeatures: 2),
        ], seed: 1), method: .gradCAMPlusPlus)
        let explanation = try #require(try cam.explain(Activation(shape: [1, 1, 8], data: [0, 0, 1, 3, 1, 0, 0, 0])).first)
        #expect(explanation.mapShape == [8])
        #expect(explanation.map.allSatisfy { $0 >= 0 })
    }

    /// A network without a convolution (an MLP) is refused, naming its file and how to choose a layer.
    @Test func aNetworkWithoutConvolutionIsRefusedByName() throws {
        let mlp = try Sequential([.linear(inFeatures: 4, outFeatures: 3), .relu, .linear(inFeatures: 3, outFeatures: 2)], seed: 1)
        let error = try #require(throws: MedPipeError.self) { try GradCAM(model: mlp, subject: "heart.safetensors") }
        #expect(error.subject == "heart.safetensors")
        #expect(error.message.contains("has no convolution") && error.message.contains("--layer"), "\(error.message)")
    }

    @Test func linearUpsamplingUsesHalfPixelCentres() {
        // OpenCV's INTER_LINEAR and torch's align_corners=False give these values.
        #expect(Upsampling.resize([0, 1], shape: [2], to: [4]) == [0, 0.25, 0.75, 1])
        let bilinear = Upsampling.resize([0, 1, 2, 3], shape: [2, 2], to: [4, 4])
        #expect(bilinear[0] == 0 && bilinear[15] == 3)
        #expect(bilinear[5] == 0.75) // (0.25, 0.25) between the four corners
    }

    @Test func colormapsRunFromColdToHot() {
        #expect(Colormap.jet.rgb(0) == (0, 0, 128))
        #expect(Colormap.jet.rgb(1) == (128, 0, 0))
        #expect(Colormap.viridis.rgb(0) == (68, 1, 84))
        #expect(Colormap.inferno.rgb(1) == (252, 255, 164))
    }
}
