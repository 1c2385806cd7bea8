import Foundation
import Testing
import MedPipeCore
import MedPipeFormats
import MedPipeTrain
import TestSupport

/// The peak memory of `predict --npy` and `gradcam --npy` over an array eight times larger.
///
/// Random float32 arrays of 500 and 4,000 images of 64 × 64 (8 and 64 MiB) and a small CNN for them. Both commands read
/// the whole file, then copied its values out of it: the array was held twice, and all of it for `gradcam --limit 8`.
/// They now read the values straight from the file, only the rows they use.
@Suite(.serialized, .enabled(if: SharedData.medpipeBinary != nil, "needs the built medpipe (swift build --build-tests)"))
struct PreparedArrayMemoryTests {
    static let side = 64
    static let counts = (small: 500, large: 4_000)
    /// The bytes the large array holds beyond the small one.
    static let extra = (counts.large - counts.small) * side * side * MemoryLayout<Float>.size

    /// `predict --npy` holds the array once (it held it twice): it may grow by at most a quarter more than the extra
    /// bytes.
    @Test func predictHoldsTheArrayOnce() throws {
        let folder = temporaryDirectory("prepared-array-predict")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let model = try Self.model(in: folder)
        var peaks: [Int] = []
        for count in [Self.counts.small, Self.counts.large] {
            let array = try Self.array(count, in: folder)
            let run = try PeakMemory.run(SharedData.medpipeBinary!, ["predict", "--model", model, "--npy", array, "--out", folder + "/logits-\(count).npy",
                                                                   "--threads", "1"], in: folder)
            try #require(run.status == 0, "predict \(count): \(run.error)")
            let logits = try NPYReader().readTensor(folder + "/logits-\(count).npy")
            #expect(logits.shape == [count, 2] && logits.values(as: Float.self).allSatisfy(\.isFinite))
            peaks.append(run.peak)
        }
        print("predict --npy peak RSS: \(Self.counts.small) images \(peaks[0] >> 10) KiB, \(Self.counts.large) images \(peaks[1] >> 10) KiB (the extra images: \(Self.extra >> 10) KiB)")
        #expect(peaks[1] - peaks[0] < Self.extra * 5 / 4, "predict grew from \(peaks[0] >> 10) to \(peaks[1] >> 10) KiB")
    }

    /// `gradcam --npy --limit 8` reads 8 rows of the array: it may grow by at most a quarter of the extra bytes.
    @Test func gradcamReadsOnlyTheRowsItExplains() throws {
        let folder = temporaryDirectory("prepared-array-gradcam")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let model = try Self.model(in: folder)
        var peaks: [Int] = []
        for count in [Self.counts.small, Self.counts.large] {
            let array = try Self.array(count, in: folder)
            let run = try PeakMemory.run(SharedData.medpipeBinary!, ["gradcam", "--model", model, "--npy", array, "--limit", "8", "--threads", "1",
                                                                   "--out", folder + "/cam-\(count)"], in: folder)
            try #require(run.status == 0, "gradcam \(count): \(run.error)")
            #expect(run.output.contains("wrote 8 Grad-CAM overlays"), "\(run.output)")
            peaks.append(run.peak)
        }
        print("gradcam --npy --limit 8 peak RSS: \(Self.counts.small) images \(peaks[0] >> 10) KiB, \(Self.counts.large) images \(peaks[1] >> 10) KiB (the extra images: \(Self.extra >> 10) KiB)")
        #expect(peaks[1] - peaks[0] < Self.extra / 4, "gradcam grew from \(peaks[0] >> 10) to \(peaks[1] >> 10) KiB")
    }

    /// `count` random images as a float32 `.npy` of shape (count, 1, 64, 64).
    private static func array(_ count: Int, in folder: String) throws -> String {
        var rng = SeededGenerator(seed: UInt64(count))
        let values = (0..<(count * side * side)).map { _ in rng.nextUnitFloat() }
        let path = folder + "/x-\(count).npy"
        try NPYWriter.write(Tensor(shape: [count, 1, side, side], values: values), to: path)
        return path
    }

    /// A 3 × 3 convolution to 2 channels, ReLU and a linear layer, for 1 × 64 × 64 inputs.
    private static func model(in folder: String) throws -> String {
        let network = try Sequential([.convolution(rank: 2, inChannels: 1, outChannels: 2, kernel: 3), .relu, .flatten,
                                      .linear(inFeatures: 2 * (side - 2) * (side - 2), outFeatures: 2)], seed: 1)
        let path = folder + "/model.safetensors"
        try Checkpoint(model: network, classNames: ["a", "b"], inputShape: [1, side, side], modelName: "prepared-array-cnn").write(to: path)
        return path
    }
}
