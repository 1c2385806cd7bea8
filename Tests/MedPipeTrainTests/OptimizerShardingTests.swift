import Testing
import MedPipeCore
import MedPipeTrain

/// Optimizers update element by element, so a step taken over parts of the parameters, each with its own state (as
/// every rank of a data-parallel job takes it over its block, `DataParallel.step`), gives the values of the whole step.
struct OptimizerShardingTests {
    static let optimizers: [(String, any Optimizer)] = [
        ("adam", Adam(learningRate: 0.01, weightDecay: 0.01)),
        ("adamw", Adam.adamW(learningRate: 0.01)),
        ("sgd", SGD(learningRate: 0.1, momentum: 0.9, weightDecay: 0.01, nesterov: true)),
    ]

    @Test(arguments: optimizers.map(\.0))
    func stepsOverPartsEqualTheWholeSteps(_ name: String) {
        let optimizer = Self.optimizers.first { $0.0 == name }!.1
        var rng = SeededGenerator(seed: 7)
        let start = (0..<1000).map { _ in rng.uniform(bound: 1) }
        var whole = optimizer, parts = optimizer
        var a = start, b = start
        for _ in 0..<3 {
            let gradients = (0..<1000).map { _ in rng.uniform(bound: 1) }
            whole.startStep()
            parts.startStep()
            gradients.withUnsafeBufferPointer { g in
                a.withUnsafeMutableBufferPointer { v in whole.update("p", values: v, gradients: g) }
                b.withUnsafeMutableBufferPointer { v in
                    for part in [0..<333, 333..<334, 334..<1000] {
                        parts.update("p \(part)", values: UnsafeMutableBufferPointer(rebasing: v[part]), gradients: UnsafeBufferPointer(rebasing: g[part]))
                    }
                }
            }
        }
        #expect(a == b)
        #expect(zip(a, start).allSatisfy { $0 != $1 }, "three steps move every value")
    }
}
