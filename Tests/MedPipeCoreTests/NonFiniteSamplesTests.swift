import MedPipeCore
import Testing

/// Every refusal of samples holding NaN or an infinity (training batches, `predict` and `gradcam` inputs, `convert`'s
/// warning) counts them and words them here. Before, four places counted in four ways: `--npy` named its first
/// sample 0-based as "sample 2" where `predict` of a record said "sample 1" 1-based, and only some said what to do.
struct NonFiniteSamplesTests {
    @Test func countsSamplesNotValues() throws {
        // Four samples of three values: the second holds two NaNs, the fourth an infinity.
        let values: [Float] = [0, 1, 2, .nan, .nan, 5, 6, 7, 8, 9, -.infinity, 11]
        let bad = try #require(NonFiniteSamples(in: values, sampleSize: 3))
        #expect(bad.count == 2 && bad.total == 4 && bad.first == 1)
        #expect(bad.described(first: "index 1 of the array")
                == "2 of 4 samples hold NaN or infinite values (the first: index 1 of the array); a model's outputs for them mean nothing: \(NonFiniteSamples.remedy)")
        #expect(NonFiniteSamples(in: [0, 1, 2, .greatestFiniteMagnitude], sampleSize: 2) == nil)
        #expect(NonFiniteSamples(in: [], sampleSize: 2) == nil)
    }

    @Test func countsByPredicate() throws {
        let samples: [[Float]] = [[1], [2], [.infinity]]
        let bad = try #require(NonFiniteSamples(of: samples.count) { samples[$0].contains { !$0.isFinite } })
        #expect(bad.count == 1 && bad.total == 3 && bad.first == 2)
        #expect(bad.described(first: "beat 7", consequence: "training refuses them").hasPrefix("1 of 3 samples holds NaN or infinite values (the first: beat 7); training refuses them: one NaN voxel"))
        #expect(NonFiniteSamples(of: 0) { _ in true } == nil)
    }
}
