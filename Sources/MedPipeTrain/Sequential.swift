import MedPipeCore

/// A model as PyTorch's `nn.Sequential`: layers applied in order, addressed by position.
/// Layer `i`'s tensors are named `"\(i).weight"`, `"\(i).running_mean"`… as in PyTorch's `state_dict`.
///
/// A `Sequential` is a value: copying it copies its weights (copy-on-write), so a kept "best" model
/// never changes when training continues.
public struct Sequential: Sendable {
    /// The layers, in order.
    public private(set) var layers: [any Layer]
    /// The ReLUs that the last forward applied inside the layer before them, by index.
    private var fusedReLUs: Set<Int> = []

    /// Builds layers from their specs with PyTorch's default initialization, drawn in layer order from `seed`.
    public init(_ specs: [LayerSpec], seed: UInt64) {
        self.init(specs, seed: seed, drawing: true)
    }

    /// Builds layers from their specs with convolution and linear weights of zeros, for ``loadStateDict(_:subject:)``
    /// to fill; the dropout layers' seeds are those of ``init(_:seed:)``.
    public init(toLoad specs: [LayerSpec], seed: UInt64) {
        self.init(specs, seed: seed, drawing: false)
    }

    private init(_ specs: [LayerSpec], seed: UInt64, drawing: Bool) {
        var rng: SeededGenerator? = drawing ? SeededGenerator(seed: seed) : nil
        layers = specs.enumerated().map { i, spec in
            var stream = SeededGenerator(seed: seed, stream: UInt64(i) + 1)
            return spec.makeLayer(rng: &rng, dropoutSeed: stream.next())
        }
    }

    /// Wraps existing layers.
    public init(layers: [any Layer]) { self.layers = layers }

    /// The specs of the layers, in order.
    public var specs: [LayerSpec] { layers.map(\.spec) }

    /// Layer names as in PyTorch: `"0"`, `"1"`, ….
    public var names: [String] { layers.indices.map(String.init) }

    /// A readable one-line description per layer, e.g. `"3  MaxPool2d kernel_size=2 stride=2"`.
    public var summary: [String] {
        layers.enumerated().map { i, l in
            let args = l.spec.json.filter { $0.key != "type" }.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            return ([String(i), l.spec.typeName] + args).joined(separator: " ")
        }
    }

    /// Number of trainable scalars.
    public var parameterCount: Int {
        var model = self
        var total = 0
        model.forEachParameter { _, p in total += p.count }
        return total
    }

    /// Index of the last layer of the given PyTorch type prefix (e.g. `"Conv"`), for choosing a Grad-CAM layer.
    public func lastLayer(ofType prefix: String) -> Int? {
        layers.lastIndex { $0.spec.typeName.hasPrefix(prefix) }
    }

    /// The output shape of one sample for an input sample shape, checking every layer fits the one before and
    /// that the input and every layer's output hold 1 to ``LayerSpec/maximumSize`` values (a shape read from a
    /// file could otherwise overflow the layers' arithmetic).
    public func outputShape(for sample: [Int]) throws -> [Int] {
        try layerOutputShapes(for: sample).last ?? sample
    }

    /// Each layer's output shape (per sample) for samples shaped `sample`, in layer order; the errors of ``outputShape(for:)``.
    public func layerOutputShapes(for sample: [Int]) throws -> [[Int]] {
        func check(_ shape: [Int], _ what: @autoclosure () -> String) throws {
            guard shape.allSatisfy({ $0 > 0 }), (try? CheckedSize.product(shape, limit: LayerSpec.maximumSize, source: "", "")) != nil else {
                throw MedPipeError.invalidArgument(what(), "samples of shape \(shape) must have positive extents and at most \(LayerSpec.maximumSize) values")
            }
        }
        try check(sample, "input")
        var shape = sample, shapes: [[Int]] = []
        for (i, l) in layers.enumerated() {
            do { shape = try l.outputShape(for: shape) } catch let e as MedPipeError {
                throw MedPipeError(e.kind, "layer \(i) (\(l.spec.typeName))", e.message)
            }
            try check(shape, "layer \(i) (\(l.spec.typeName))")
            shapes.append(shape)
        }
        return shapes
    }

    /// Runs all layers on `input` (`[N, ...]`) and returns the logits.
    public mutating func forward(_ input: Activation, training: Bool) -> Activation {
        forward(input, training: training, capture: []).logits
    }

    /// Runs all layers, also returning the outputs of the layers whose indices are in `capture`.
    ///
    /// A layer followed by a `ReLU` applies it in its own pass when it can (``Layer/forwardThenReLU(_:training:)``,
    /// a convolution), unless its own output is captured: the values are the same, one pass over memory fewer.
    public mutating func forward(_ input: Activation, training: Bool, capture: Set<Int>) -> (logits: Activation, outputs: [Int: Activation]) {
        var x = input
        var outputs: [Int: Activation] = [:]
        fusedReLUs = []
        var i = 0
        while i < layers.count {
            if i + 1 < layers.count, !capture.contains(i), var relu = layers[i + 1] as? ReLU,
               layers[i].forwardThenReLU(&x, training: training) {
                relu.adopt(rectified: x)
                layers[i + 1] = relu
                fusedReLUs.insert(i + 1)
                i += 1
            } else {
                layers[i].forward(&x, training: training)
            }
            if capture.contains(i) { outputs[i] = x }
            i += 1
        }
        return (x, outputs)
    }

    /// Back-propagates `gradient` (d loss / d logits, the shape of the last forward's output) through the
    /// layers down to layer `lowest`, setting parameter gradients on the way. Returns, for each index in
    /// `capture` (≥ `lowest − 1`), the gradient with respect to that layer's output (what Grad-CAM needs:
    /// capture `k` with `downTo: k + 1` stops as soon as it is known). A ReLU that forward fused into the layer
    /// before it goes back with that layer, unless the gradient between them is wanted.
    @discardableResult
    public mutating func backward(_ gradient: Activation, downTo lowest: Int = 0, capture: Set<Int> = []) -> [Int: Activation] {
        var g = gradient
        var captured: [Int: Activation] = [:]
        if let last = layers.indices.last, capture.contains(last) { captured[last] = g }
        var i = layers.count - 1
        while i >= lowest {
            if fusedReLUs.contains(i), i - 1 >= lowest, !capture.contains(i - 1) {
                i -= 1
                layers[i].backwardThroughReLU(&g, needsInputGradient: i > lowest || capture.contains(i - 1))
            } else {
                layers[i].backward(&g, needsInputGradient: i > lowest || capture.contains(i - 1))
            }
            if capture.contains(i - 1) { captured[i - 1] = g }
            i -= 1
        }
        return captured
    }

    /// Visits every trainable parameter as `("0.weight", parameter)`.
    public mutating func forEachParameter(_ body: (String, inout Parameter) -> Void) {
        for i in layers.indices {
            layers[i].forEachParameter { name, p in body("\(i).\(name)", &p) }
        }
    }

    /// Sets `requiresGradient` on every parameter: false when only input gradients are wanted (Grad-CAM).
    public mutating func setRequiresGradient(_ required: Bool) {
        forEachParameter { _, p in p.requiresGradient = required }
    }

    /// Parameters and buffers under PyTorch's `state_dict` names, in its order.
    public func stateDict() -> [(name: String, tensor: Tensor)] {
        layers.enumerated().flatMap { i, l in l.state().map { ("\(i).\($0.name)", $0.tensor) } }
    }

    /// Loads a `state_dict` strictly: every expected tensor must be present with its shape, and no other.
    public mutating func loadStateDict(_ tensors: [String: Tensor], subject: String) throws {
        var byLayer = [[String: Tensor]](repeating: [:], count: layers.count)
        for (name, t) in tensors {
            let parts = name.split(separator: ".", maxSplits: 1)
            guard parts.count == 2, let i = Int(parts[0]), layers.indices.contains(i) else {
                throw MedPipeError.malformed(subject, "unexpected tensor '\(name)' for a model of \(layers.count) layers")
            }
            byLayer[i][String(parts[1])] = t
        }
        for i in layers.indices {
            let expected = Set(layers[i].stateNames)
            if let extra = byLayer[i].keys.first(where: { !expected.contains($0) && $0 != "num_batches_tracked" }) {
                throw MedPipeError.malformed(subject, "unexpected tensor '\(i).\(extra)' for layer \(i) (\(layers[i].spec.typeName))")
            }
            try layers[i].loadState(byLayer[i], subject: "\(subject) layer \(i) (\(layers[i].spec.typeName))")
        }
    }

    /// Tells the dropout layers which rows of the global batch the next training forwards hold.
    mutating func setBatchSlice(_ slice: BatchSlice) {
        for i in layers.indices {
            guard var dropout = layers[i] as? Dropout, dropout.batchSlice != slice else { continue }
            dropout.batchSlice = slice
            layers[i] = dropout
        }
    }

    /// Lets `body` change every `Linear` layer, by index (data-parallel training's shared weight gradients, `DataParallel`).
    mutating func updateLinearLayers(_ body: (Int, inout Linear) -> Void) {
        for i in layers.indices {
            guard var linear = layers[i] as? Linear else { continue }
            body(i, &linear)
            layers[i] = linear
        }
    }

    /// Drops every layer's forward caches and workspaces.
    public mutating func releaseCaches() {
        fusedReLUs = []
        for i in layers.indices { layers[i].releaseCaches() }
    }
}
