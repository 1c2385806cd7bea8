import MedPipeCore
import Testing
import TestSupport
@testable import MedPipeTrain

/// `Sequential` lets a convolution apply the ReLU after it in its own pass (forward) and mask its gradient
/// in its own pass (backward): the results must be the layers' one by one, bit for bit, whatever is captured.
@Suite(.serialized) struct FusedReLUTests {
    static let specs: [LayerSpec] = [
        .convolution(rank: 2, inChannels: 1, outChannels: 3, kernel: 3, padding: 1), .relu,
        .convolution(rank: 2, inChannels: 3, outChannels: 4, kernel: 3), .relu,
        .maxPool(rank: 2, kernel: 2, stride: 2), .flatten, .linear(inFeatures: 64, outFeatures: 3),
    ]
    static let x = Activation(shape: [5, 1, 10, 10], data: GradientCheck.randomValues(500, seed: 11))
    static let seed = Activation(shape: [5, 3], data: GradientCheck.randomValues(15, seed: 12))

    /// Forward and backward through every layer on its own: the reference. Returns the logits, the output of
    /// each layer, the gradient with respect to each layer's output (index −1: the input) and the parameter gradients.
    static func layerByLayer(_ model: Sequential) -> (logits: Activation, outputs: [Activation], gradients: [Int: Activation], parameters: [String: [Float]]) {
        var layers = model.layers
        var a = x, outputs: [Activation] = []
        for i in layers.indices { layers[i].forward(&a, training: true); outputs.append(a) }
        var g = seed, gradients: [Int: Activation] = [layers.count - 1: seed]
        for i in layers.indices.reversed() { layers[i].backward(&g, needsInputGradient: true); gradients[i - 1] = g }
        var reference = Sequential(layers: layers), parameters: [String: [Float]] = [:]
        reference.forEachParameter { name, p in parameters[name] = p.gradient }
        return (a, outputs, gradients, parameters)
    }

    @Test(arguments: [1, 2]) func fusedPassesEqualTheLayersOneByOne(threads: Int) {
        withWorkerThreads(threads) { fusedPassesEqualTheLayersOneByOne() }
    }

    private func fusedPassesEqualTheLayersOneByOne() {
        let model = Sequential(Self.specs, seed: 4)
        let reference = Self.layerByLayer(model)
        #expect(reference.outputs[0].data.contains { $0 < 0 }, "the first convolution's output has negative values for the ReLU to clip")

        var fused = model
        let logits = fused.forward(Self.x, training: true)
        let inputGradient = fused.backward(Self.seed, capture: [-1])[-1]
        #expect(logits.data == reference.logits.data)
        #expect(inputGradient?.data == reference.gradients[-1]?.data)
        var parameters: [String: [Float]] = [:]
        fused.forEachParameter { name, p in parameters[name] = p.gradient }
        #expect(parameters == reference.parameters)
    }

    /// Grad-CAM captures a convolution's output (before its ReLU) and the gradient with respect to it
    /// (through the ReLU): then the pair is not fused.
    @Test func capturedConvolutionOutputIsTheUnrectifiedOne() {
        withWorkerThreads(1) { capturedConvolutionOutputIsTheUnrectifiedOneOnOneThread() }
    }

    private func capturedConvolutionOutputIsTheUnrectifiedOneOnOneThread() {
        let model = Sequential(Self.specs, seed: 4)
        let reference = Self.layerByLayer(model)
        var explained = model
        let (logits, outputs) = explained.forward(Self.x, training: true, capture: [2])
        let gradients = explained.backward(Self.seed, downTo: 3, capture: [2])
        #expect(logits.data == reference.logits.data)
        #expect(outputs[2]?.data == reference.outputs[2].data)
        #expect(outputs[2]?.data.contains { $0 < 0 } == true, "the captured output is the convolution's, not the ReLU's")
        #expect(gradients[2]?.data == reference.gradients[2]?.data)
    }

    /// A backward that stops at a fused ReLU still masks by its output.
    @Test func backwardStoppingAtAFusedReLU() {
        let model = Sequential(Self.specs, seed: 4)
        let reference = Self.layerByLayer(model)
        var stopped = model
        _ = stopped.forward(Self.x, training: true)
        let gradients = stopped.backward(Self.seed, downTo: 3, capture: [2])
        #expect(gradients[2]?.data == reference.gradients[2]?.data)
    }
}
