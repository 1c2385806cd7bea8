import MedPipeCore
import Testing
import TestSupport
@testable import MedPipeTrain

@Suite(.serialized) struct DropoutTests {
    /// Two workers each draw their half of the mask from the stream advanced to the half's start: the mask,
    /// and the stream the next batch starts from, are one thread's.
    @Test func maskIsTheSameOnOneOrTwoThreads() {
        let count = 2 * Parallel.elementsPerWorker + 77
        let x = Activation(shape: [7, count / 7], data: GradientCheck.randomValues(count - count % 7, seed: 3))
        func twoBatches(threads: Int) -> [[Float]] {
            withWorkerThreads(threads) {
                #expect(Parallel.workers(for: x.data.count, minimumPerWorker: Parallel.elementsPerWorker) == threads)
                var dropout = Dropout(p: 0.3, seed: 5)
                var first = x, second = x
                dropout.forward(&first, training: true)
                var gradient = Activation(shape: x.shape, data: [Float](repeating: 1, count: x.data.count))
                dropout.backward(&gradient, needsInputGradient: true)
                dropout.forward(&second, training: true)
                return [first.data, gradient.data, second.data]
            }
        }
        let one = twoBatches(threads: 1), two = twoBatches(threads: 2)
        #expect(one == two)
        let kept = one[1].filter { $0 != 0 }.count
        #expect(abs(Double(kept) / Double(x.data.count) - 0.7) < 0.01, "about 70% kept")
        #expect(one[0] != one[2], "the next batch draws a new mask")
    }
}
