import MedPipeCore
@testable import MedPipeTrain

/// Checks a layer's backward against central finite differences of L = Σ r·y for a random upstream r,
/// with every forward evaluated on a fresh copy of the layer (same dropout stream, same statistics).
struct GradientCheck {
    var epsilon: Float = 1e-2
    var absoluteTolerance: Double = 2e-3
    var relativeTolerance: Double = 1e-2

    /// The largest violation found (0 when all within tolerance), and how many values were compared.
    struct Outcome { var worst: Double; var checked: Int; var detail: String }

    static func randomValues(_ n: Int, seed: UInt64, distinct: Bool = false) -> [Float] {
        var rng = SeededGenerator(seed: seed)
        if distinct {   // distinct values spaced by 0.05, shuffled: no ties within ε for max pooling
            var v = (0..<n).map { Float($0) * 0.05 - Float(n) * 0.025 + 0.0125 }
            v.shuffle(using: &rng)
            return v
        }
        return (0..<n).map { _ in rng.uniform(bound: 1) }
    }

    func check(_ layer: any Layer, input shape: [Int], training: Bool, distinctInputs: Bool = false, seed: UInt64 = 1) -> Outcome {
        let x = Activation(shape: shape, data: Self.randomValues(shape.reduce(1, *), seed: seed, distinct: distinctInputs))
        var analytic = layer
        var y = x
        analytic.forward(&y, training: training)
        let r = Self.randomValues(y.data.count, seed: seed + 100)
        var g = Activation(shape: y.shape, data: r)
        analytic.backward(&g, needsInputGradient: true)

        func loss(_ l: any Layer, _ input: Activation) -> Double {
            var copy = l
            var out = input
            copy.forward(&out, training: training)
            return zip(out.data, r).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        }
        var worst = 0.0, checked = 0, detail = ""
        func compare(_ numeric: Double, _ exact: Float, _ what: String) {
            let err = abs(numeric - Double(exact))
            let excess = err - (absoluteTolerance + relativeTolerance * abs(numeric))
            if excess > worst { worst = excess; detail = "\(what): numeric \(numeric) analytic \(exact)" }
            checked += 1
        }
        for i in x.data.indices {
            var plus = x, minus = x
            plus.data[i] += epsilon; minus.data[i] -= epsilon
            compare((loss(layer, plus) - loss(layer, minus)) / Double(2 * epsilon), g.data[i], "input[\(i)]")
        }
        var grads: [String: [Float]] = [:]
        analytic.forEachParameter { name, p in grads[name] = p.gradient }
        var names: [String] = []
        var probe = layer
        probe.forEachParameter { name, _ in names.append(name) }
        for name in names {
            let count = grads[name]!.count
            for i in 0..<count {
                func shifted(_ d: Float) -> any Layer {
                    var l = layer
                    l.forEachParameter { n, p in if n == name { p.value[i] += d } }
                    return l
                }
                compare((loss(shifted(epsilon), x) - loss(shifted(-epsilon), x)) / Double(2 * epsilon), grads[name]![i], "\(name)[\(i)]")
            }
        }
        return Outcome(worst: worst, checked: checked, detail: detail)
    }
}
