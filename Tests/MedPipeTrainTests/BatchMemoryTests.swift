import MedPipeCore
import MedPipeTrain
import Testing

/// The memory bound of batches through a network (its largest layer output, float32) and the batches inference runs.
struct BatchMemoryTests {
    /// Layers giving 10 × 10, 4 × 1000 and 7 values a sample, within 1 MiB of memory: the largest is 4,000 values
    /// (16,000 bytes), so 65 samples fit the whole MiB and 8 an eighth of it.
    @Test func theLargestLayerOutputBoundsTheBatch() throws {
        let memory = BatchMemory(layerOutputs: [[10, 10], [4, 1000], [7]], memory: 1 << 20)
        #expect(memory.largestOutput == 4000)
        try memory.require(batch: 65, model: "m.yaml")
        #expect(throws: MedPipeError.invalidArgument("m.yaml", "a batch of 66 samples needs at least 0.0 GiB for one layer's outputs, more than this machine's 0.0 GiB of memory: give a smaller --batch, or a smaller model")) {
            try memory.require(batch: 66, model: "m.yaml")
        }
        #expect(try memory.inferenceBatch(preferred: 256, model: "m") == 8)
        #expect(try memory.inferenceBatch(preferred: 5, model: "m") == 5)
        // One sample beyond the memory cannot run at all.
        let huge = BatchMemory(layerOutputs: [[1 << 30]], memory: 1 << 30)
        #expect(throws: MedPipeError.invalidArgument("big.safetensors", "one sample needs at least 4.0 GiB for one layer's outputs, more than this machine's 1.0 GiB of memory: the model cannot run here")) {
            try huge.inferenceBatch(preferred: 256, model: "big.safetensors")
        }
        // A sample between an eighth and all of the memory runs alone.
        #expect(try BatchMemory(layerOutputs: [[1 << 27]], memory: 1 << 30).inferenceBatch(preferred: 256, model: "m") == 1)
    }

    /// Scores run in batches are the scores of one pass: `predict --npy` of 20,000 digits took 6 GB in one pass,
    /// 270 MB in batches of 256, with the same logits.
    @Test func scoresInBatchesAreTheScoresOfOnePass() throws {
        var model = Sequential([.convolution(rank: 2, inChannels: 1, outChannels: 3, kernel: 3, padding: 1), .relu,
                                    .flatten, .linear(inFeatures: 3 * 6 * 6, outFeatures: 4)], seed: 5)
        var generator = SeededGenerator(seed: 9)
        let input = Activation(shape: [11, 1, 6, 6], data: (0..<(11 * 36)).map { _ in Float.random(in: -1...1, using: &generator) })
        let whole = try model.scores(input, model: "m")
        let batched = try model.scores(input, batchesOf: 4, model: "m")
        #expect(batched.shape == [11, 4])
        #expect(batched.data == whole.data)
    }
}
