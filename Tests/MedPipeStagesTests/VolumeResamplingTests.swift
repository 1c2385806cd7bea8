import MedPipeCore
@testable import MedPipeStages
import Testing

@Suite("One-pass volume resampling")
struct VolumeResamplingTests {
    @Test("equals three separable passes (x, y, z) bit for bit: up, down and unchanged axes, a leading axis, int16 and float input")
    func matchesSeparablePasses() {
        var generator = SeededGenerator(seed: 3)
        let shape = [2, 7, 9, 11]
        let stored = (0..<shape.reduce(1, *)).map { _ in Int16.random(in: -300...3000, using: &generator) }
        let volumes = [Tensor(shape: shape, values: stored), Tensor(shape: shape, values: stored.map { Float($0) * 0.37 })]
        for volume in volumes {
            for extents in [[4, 13, 6], [7, 5, 11], [7, 9, 11], [1, 18, 3]] {
                var separable = volume
                for (axis, extent) in zip([3, 2, 1], extents.reversed()) {
                    separable = LinearTaps.resample(separable, axis: axis, to: extent)
                }
                let oneshot = VolumeResampling.resample(volume, to: extents)
                #expect(oneshot.shape == [2] + extents)
                #expect(oneshot == separable.asFloat32(), "\(volume.dtype) to \(extents)")
            }
        }
    }
}
