import MedPipeCore
import MedPipeTrain

/// Class activation maps for 1D, 2D and 3D CNNs: Grad-CAM and Grad-CAM++.
///
/// Grad-CAM: `map = ReLU(Σ_k α_k A_k)` with `α_k` the spatial mean of `∂y_c/∂A_k`, where `A` is the
/// target layer's output and `y_c` the class score (logit). Grad-CAM++ weights the positive gradients
/// by `a_ij = g² / (2g² + Σ_ij A · g³)` (the closed form of Chattopadhay et al., as pytorch-grad-cam
/// computes it). The raw map has the target layer's spatial size; ``Upsampling`` brings it to the input's.
public struct GradCAM {
    public enum Method: String, Sendable, CaseIterable {
        case gradCAM = "gradcam"
        case gradCAMPlusPlus = "gradcam++"
    }

    /// One explained sample.
    public struct Explanation: Sendable {
        /// The class explained and its score (logit) and softmax probability.
        public var classIndex: Int
        /// The class the model predicts (the largest logit).
        public var predicted: Int
        public var score: Float
        public var probability: Float
        /// The raw map at the target layer's resolution (spatial shape, no channel axis), before normalization.
        public var map: [Float]
        public var mapShape: [Int]
    }

    /// The explained model. Its parameters do not require gradients (only the target layer's output gradient
    /// is computed), and it keeps the last batch's forward caches and workspaces for the next batch.
    public var model: Sequential
    /// Index of the layer whose output is explained.
    public let layer: Int
    public let method: Method

    /// - Parameters:
    ///   - layer: the target layer; by default the last convolution.
    ///   - subject: what errors name as the model (its file).
    public init(model: Sequential, layer: Int? = nil, method: Method = .gradCAM, subject: String = "model") throws {
        guard let target = layer ?? model.lastLayer(ofType: "Conv") else {
            throw MedPipeError.invalidArgument(subject, "has no convolution to explain: Grad-CAM weighs the feature maps of a layer with spatial output (`medpipe inspect \(subject)` lists the layers; --layer picks one)")
        }
        guard model.layers.indices.contains(target) else {
            throw MedPipeError.invalidArgument("--layer", "\(target) is not a layer index (0..<\(model.layers.count))")
        }
        self.model = model
        self.model.setRequiresGradient(false)
        self.layer = target
        self.method = method
    }

    /// Refuses, before any input is explained (and any earlier run's output touched), a target layer whose output for
    /// samples shaped `inputShape` has no spatial axis, or a class `classIndex` the model does not output.
    /// - Throws: ``MedPipeError`` naming `--layer` or `--class`; a model whose layers do not fit `inputShape`, naming the layer.
    public func check(inputShape: [Int], classIndex: Int?) throws {
        let outputs = try model.layerOutputShapes(for: inputShape)
        guard outputs[layer].count >= 2 else {
            throw MedPipeError.invalidArgument("--layer", "layer \(layer) (\(model.layers[layer].spec.typeName)) outputs (\((["N"] + outputs[layer].map(String.init)).joined(separator: ", "))); Grad-CAM needs (N, channels, spatial...)")
        }
        let classes = outputs.last?.reduce(1, *) ?? 0
        if let classIndex, !(0..<classes).contains(classIndex) {
            throw MedPipeError.invalidArgument("--class", "\(classIndex) is not a class index (0..<\(classes))")
        }
    }

    /// Explains a batch `[N, C, ...]`; `classes` gives the class per sample (nil: the predicted class).
    public mutating func explain(_ input: Activation, classes: [Int?]? = nil) throws -> [Explanation] {
        let (logits, outputs) = model.forward(input, training: false, capture: [layer])
        guard let activations = outputs[layer] else { throw MedPipeError.invalidArgument("model", "layer \(layer) produced no output") }
        guard activations.shape.count >= 3 else {
            throw MedPipeError.invalidArgument("--layer", "layer \(layer) outputs \(activations.shape); Grad-CAM needs (N, channels, spatial...)")
        }
        let n = logits.shape[0], k = logits.shape[1]
        var chosen = [Int](repeating: 0, count: n), predictions = chosen
        var seed = Activation(zeros: logits.shape)
        for i in 0..<n {
            let row = logits.data[(i * k)..<((i + 1) * k)]
            let predicted = row.indices.max { row[$0] < row[$1] }! - i * k
            let c = classes?[i] ?? predicted
            guard (0..<k).contains(c) else { throw MedPipeError.invalidArgument("--class", "\(c) is not a class index (0..<\(k))") }
            chosen[i] = c
            predictions[i] = predicted
            seed.data[i * k + c] = 1
        }
        let gradients = model.backward(seed, downTo: layer + 1, capture: [layer])[layer]!

        let channels = activations.shape[1]
        let spatialShape = Array(activations.shape.dropFirst(2))
        let spatial = spatialShape.reduce(1, *)
        return (0..<n).map { i in
            let row = Array(logits.data[(i * k)..<((i + 1) * k)])
            let maxLogit = row.max()!
            let exps = row.map { Foundation.exp($0 - maxLogit) }
            let map = [Float].init(unsafeUninitializedCapacity: spatial) { m, initialized in
                m.initialize(repeating: 0)
                activations.data.withUnsafeBufferPointer { a in
                gradients.data.withUnsafeBufferPointer { g in
                    for channel in 0..<channels {
                        let maps = (i * channels + channel) * spatial ..< (i * channels + channel + 1) * spatial
                        let a = UnsafeBufferPointer(rebasing: a[maps]), g = UnsafeBufferPointer(rebasing: g[maps])
                        let weight = weightOf(activations: a, gradients: g)
                        for s in 0..<spatial { m[s] += weight * a[s] }
                    }
                }}
                for s in 0..<spatial { m[s] = max(0, m[s]) }
                initialized = spatial
            }
            return Explanation(classIndex: chosen[i], predicted: predictions[i], score: row[chosen[i]], probability: exps[chosen[i]] / exps.reduce(0, +),
                               map: map, mapShape: spatialShape)
        }
    }

    /// The weight of one feature map.
    private func weightOf(activations a: UnsafeBufferPointer<Float>, gradients g: UnsafeBufferPointer<Float>) -> Float {
        let count = Float(g.count)
        switch method {
        case .gradCAM:
            return Elementwise.sum(g.baseAddress!, count: g.count) / count
        case .gradCAMPlusPlus:
            let sumA = Elementwise.sum(a.baseAddress!, count: a.count)
            var weight: Float = 0
            for (gv, _) in zip(g, a) where gv != 0 {
                let g2 = gv * gv, g3 = g2 * gv
                let alpha = g2 / (2 * g2 + sumA * g3 + 1e-7)
                weight += alpha * max(gv, 0)
            }
            return weight
        }
    }
}

import Foundation
