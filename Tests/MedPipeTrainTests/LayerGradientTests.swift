import MedPipeCore
import Testing
import TestSupport
@testable import MedPipeTrain

@Suite struct LayerGradientTests {
    static func rng() -> SeededGenerator { SeededGenerator(seed: 42) }

    static let cases: [(String, any Layer, [Int], Bool, Bool)] = {
        var r = rng()
        return [
            ("Conv1d k5 p2", Convolution(rank: 1, inChannels: 2, outChannels: 3, kernel: 5, stride: 1, padding: 2, rng: &r), [2, 2, 9], true, false),
            ("Conv1d k3 s2", Convolution(rank: 1, inChannels: 1, outChannels: 2, kernel: 3, stride: 2, padding: 1, rng: &r), [3, 1, 8], true, false),
            ("Conv2d k3 s2 p1", Convolution(rank: 2, inChannels: 2, outChannels: 3, kernel: 3, stride: 2, padding: 1, rng: &r), [2, 2, 5, 6], true, false),
            ("Conv2d k2 eval", Convolution(rank: 2, inChannels: 1, outChannels: 2, kernel: 2, rng: &r), [2, 1, 4, 3], false, false),
            ("Conv3d k3 p1", Convolution(rank: 3, inChannels: 2, outChannels: 2, kernel: 3, stride: 1, padding: 1, rng: &r), [2, 2, 3, 4, 3], true, false),
            ("Conv3d k2 s2", Convolution(rank: 3, inChannels: 1, outChannels: 2, kernel: 2, stride: 2, padding: 0, rng: &r), [2, 1, 4, 4, 5], true, false),
            ("Linear", Linear(inFeatures: 7, outFeatures: 4, rng: &r), [3, 7], true, false),
            ("ReLU", ReLU(), [2, 3, 5], true, true),
            ("MaxPool1d", MaxPool(rank: 1, kernel: 2, stride: 2), [2, 3, 9], true, true),
            ("MaxPool2d", MaxPool(rank: 2, kernel: 2, stride: 2), [2, 2, 5, 6], true, true),
            ("MaxPool2d k3 s2", MaxPool(rank: 2, kernel: 3, stride: 2), [1, 2, 7, 7], true, true),
            ("MaxPool3d", MaxPool(rank: 3, kernel: 2, stride: 2), [2, 2, 4, 4, 5], true, true),
            ("AvgPool1d", AvgPool(rank: 1, kernel: 3, stride: 2), [2, 2, 9], true, false),
            ("AvgPool2d", AvgPool(rank: 2, kernel: 2, stride: 2), [2, 2, 4, 5], true, false),
            ("AvgPool3d", AvgPool(rank: 3, kernel: 2, stride: 1), [1, 2, 3, 3, 4], true, false),
            ("GlobalAvgPool2d", GlobalAvgPool(rank: 2), [2, 3, 4, 5], true, false),
            ("GlobalAvgPool3d", GlobalAvgPool(rank: 3), [2, 2, 2, 3, 4], true, false),
            ("BatchNorm1d (N, C) train", BatchNorm(rank: 1, features: 4), [5, 4], true, false),
            ("BatchNorm1d (N, C, L) train", BatchNorm(rank: 1, features: 3), [3, 3, 5], true, false),
            ("BatchNorm2d train", BatchNorm(rank: 2, features: 3), [2, 3, 3, 4], true, false),
            ("BatchNorm3d train", BatchNorm(rank: 3, features: 2), [2, 2, 2, 3, 3], true, false),
            ("BatchNorm2d eval", BatchNorm(rank: 2, features: 3), [2, 3, 3, 4], false, false),
            ("Dropout train", Dropout(p: 0.4, seed: 9), [3, 20], true, false),
            ("Dropout eval", Dropout(p: 0.4, seed: 9), [3, 20], false, false),
            ("Flatten", Flatten(), [2, 3, 2, 2], true, false),
        ]
    }()

    @Test(arguments: 0..<cases.count)
    func backwardMatchesFiniteDifferences(_ index: Int) {
        let (name, layer, shape, training, distinct) = Self.cases[index]
        let outcome = GradientCheck().check(layer, input: shape, training: training, distinctInputs: distinct)
        #expect(outcome.checked > 0)
        #expect(outcome.worst == 0, "\(name): \(outcome.detail)")
    }

    /// Two workers split a batch of three (one sample, then two): the second worker's partial weight and bias
    /// gradients, summed after, and each worker's own column scratch.
    @Test func convolutionGradientsHoldWhenWorkersSplitTheBatch() {
        withWorkerThreads(2) { convolutionGradientsHoldOnTwoWorkers() }
    }

    private func convolutionGradientsHoldOnTwoWorkers() {
        var r = Self.rng()
        let conv = Convolution(rank: 2, inChannels: 2, outChannels: 3, kernel: 3, stride: 1, padding: 1, rng: &r)
        let outcome = GradientCheck().check(conv, input: [3, 2, 4, 4], training: true)
        #expect(outcome.checked > 0)
        #expect(outcome.worst == 0, "\(outcome.detail)")
    }

    @Test func batchNormGradientsStillHoldWithNonTrivialAffine() {
        var bn = BatchNorm(rank: 2, features: 2)
        bn.weight.value = [1.5, -0.7]
        bn.bias.value = [0.2, -0.3]
        let outcome = GradientCheck().check(bn, input: [3, 2, 2, 3], training: true)
        #expect(outcome.worst == 0, "\(outcome.detail)")
    }

    @Test func modelWithWeightedCrossEntropyMatchesFiniteDifferences() throws {
        let model = Sequential([
            .convolution(rank: 2, inChannels: 1, outChannels: 3, kernel: 3, padding: 1), .batchNorm(rank: 2, features: 3), .relu,
            .maxPool(rank: 2, kernel: 2, stride: 2), .flatten, .linear(inFeatures: 12, outFeatures: 3),
        ], seed: 3)
        // Continuous random inputs: evenly spaced ones make near-ties in max pooling that finite differences cross.
        let x = Activation(shape: [4, 1, 4, 4], data: GradientCheck.randomValues(64, seed: 5))
        let labels = [0, 2, 1, 2]
        let loss = CrossEntropyLoss(classWeights: [0.5, 1, 2])
        func value(_ m: Sequential) -> Double {
            var m = m
            return Double(loss(m.forward(x, training: true), labels: labels).loss)
        }
        var trained = model
        let (_, grad) = loss(trained.forward(x, training: true), labels: labels)
        trained.backward(grad)
        var analytic: [String: [Float]] = [:]
        trained.forEachParameter { name, p in analytic[name] = p.gradient }
        var worst = 0.0, detail = ""
        let eps: Float = 1e-3
        for (name, grads) in analytic {
            for i in grads.indices {
                var plus = model, minus = model
                plus.forEachParameter { n, p in if n == name { p.value[i] += eps } }
                minus.forEachParameter { n, p in if n == name { p.value[i] -= eps } }
                let numeric = (value(plus) - value(minus)) / Double(2 * eps)
                let excess = abs(numeric - Double(grads[i])) - (1e-3 + 1e-2 * abs(numeric))
                if excess > 0 { detail += "\(name)[\(i)] numeric \(numeric) analytic \(grads[i]); " }
                worst = max(worst, excess)
            }
        }
        #expect(worst <= 0, "\(detail)")
    }

    @Test func gradCAMHooksReturnActivationAndItsGradient() {
        var model = Sequential([
            .convolution(rank: 2, inChannels: 1, outChannels: 2, kernel: 3), .relu, .flatten, .linear(inFeatures: 18, outFeatures: 2),
        ], seed: 1)
        let x = Activation(shape: [1, 1, 5, 5], data: GradientCheck.randomValues(25, seed: 2))
        let (logits, outputs) = model.forward(x, training: false, capture: [1])
        var seed = Activation(zeros: logits.shape)
        seed.data[1] = 1   // d(score of class 1)
        let grads = model.backward(seed, downTo: 2, capture: [1])
        let a = outputs[1]!, g = grads[1]!
        #expect(a.shape == [1, 2, 3, 3] && g.shape == a.shape)
        // The class score is linear in the ReLU output: score = Σ g·a + bias.
        var linear = model.layers[3] as! Linear
        let dot = zip(a.data, g.data).reduce(Float(0)) { $0 + $1.0 * $1.1 }
        #expect(abs(dot + linear.bias.value[1] - logits.data[1]) < 1e-5)
        linear.releaseCaches()
    }

    @Test func parametersThatRequireNoGradientKeepTheirGradientsAndValues() {
        var model = Sequential([
            .convolution(rank: 2, inChannels: 1, outChannels: 3, kernel: 3, padding: 1), .batchNorm(rank: 2, features: 3), .relu,
            .maxPool(rank: 2, kernel: 2, stride: 2), .flatten, .linear(inFeatures: 12, outFeatures: 3),
        ], seed: 3)
        let x = Activation(shape: [4, 1, 4, 4], data: GradientCheck.randomValues(64, seed: 5))
        let seed = Activation(shape: [4, 3], data: GradientCheck.randomValues(12, seed: 6))
        _ = model.forward(x, training: true)
        let expected = model.backward(seed, capture: [-1])[-1]!

        var frozen = model
        frozen.forEachParameter { _, p in p.gradient = [Float](repeating: 7, count: p.count) }
        frozen.setRequiresGradient(false)
        _ = frozen.forward(x, training: true)
        let inputGradient = frozen.backward(seed, capture: [-1])[-1]!
        #expect(inputGradient == expected, "the input gradient does not depend on parameter gradients")
        frozen.forEachParameter { name, p in #expect(p.gradient.allSatisfy { $0 == 7 }, "\(name) gradient was overwritten") }

        let before = frozen.stateDict().map(\.tensor)
        var sgd = SGD(learningRate: 0.1, momentum: 0.9)
        sgd.step(&frozen)
        var adam = Adam(learningRate: 0.1)
        adam.step(&frozen)
        #expect(frozen.stateDict().map(\.tensor) == before, "optimizers leave parameters that require no gradient alone")
    }
}
