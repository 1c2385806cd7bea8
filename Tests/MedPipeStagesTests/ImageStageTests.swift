import Foundation
import MedPipeCore
@testable import MedPipeStages
import Testing

@Suite("Image and volume stages against numpy / scipy")
struct ImageStageTests {
    let reference: [String: Any]
    let volume: Tensor

    init() throws {
        reference = try Reference.load("stages_image.json")
        let values = Reference.doubles(reference["volume"]).map { Int16($0) }
        volume = Tensor(shape: Reference.ints(reference["volume_shape"]), values: values)
    }

    func sample(_ tensor: Tensor, geometry: Geometry? = nil) -> Sample {
        Sample(tensor: tensor, geometry: geometry, source: SourceReference(record: "synthetic"))
    }

    @Test("percentiles equal numpy's default linear percentile")
    func percentiles() throws {
        for (key, value) in reference["percentiles"] as! [String: Any] {
            var values = volume.floatValues()
            let got = Percentile.compute(&values, [Double(key)!])[0]
            #expect(abs(got - (value as! NSNumber).doubleValue) < 1e-9, "percentile \(key)")
        }
        let nonZero = reference["percentiles_nonzero"] as! [String: Any]
        let clip = try PercentileClip(lower: 0.5, upper: 99.5, nonZeroOnly: true)
        let bounds = try clip.bounds(volume)
        #expect(abs(bounds.low - Reference.double(nonZero["0.5"])) < 1e-9)
        #expect(abs(bounds.high - Reference.double(nonZero["99.5"])) < 1e-9)
        let clipped = try clip.apply(sample(volume))[0].tensor.floatValues()
        let original = volume.floatValues()
        for (o, c) in zip(original, clipped) {
            #expect(o == 0 ? c == 0 : c == min(max(o, Float(bounds.low)), Float(bounds.high)))
        }
    }

    @Test("z-score over non-zero voxels uses numpy's mean and population std; background stays 0")
    func zscoreNonZero() throws {
        let stats = reference["zscore_nonzero"] as! [String: Any]
        let mean = Reference.double(stats["mean"]), std = Reference.double(stats["std"])
        let out = try ZScore(region: .nonZero).apply(sample(volume))[0].tensor
        #expect(out.dtype == .float32)
        let want = volume.doubleValues().map { $0 == 0 ? 0 : ($0 - mean) / std }
        #expect(relativeError(out.doubleValues(), want) < 1e-6)
        // Masked z-score with the non-zero mask is the same thing.
        var masked = sample(volume)
        masked.mask = Tensor(shape: volume.shape, values: volume.values(as: Int16.self).map { UInt8($0 != 0 ? 1 : 0) })
        #expect(try ZScore(region: .mask).apply(masked)[0].tensor == out)
        #expect(throws: MedPipeError.self) { try ZScore(region: .mask).apply(sample(volume)) }
    }

    @Test("resampling to a spacing equals scipy.ndimage.zoom(order=1, grid_mode=True, mode='nearest')")
    func resampleSpacing() throws {
        let entry = reference["resample"] as! [String: Any]
        let geometry = Geometry.spatial(spacing: Reference.doubles(entry["spacing"]), affine: Reference.affine(entry["affine"]))
        let out = try ResampleSpacing(spacing: Reference.doubles(entry["target"])).apply(sample(volume, geometry: geometry))[0]
        #expect(out.tensor.shape == Reference.ints(entry["output_shape"]))
        #expect(relativeError(out.tensor.doubleValues(), Reference.doubles(entry["output"])) < 1e-6)
        guard case .spatial(let spacing, let affine) = out.geometry else { Issue.record("geometry lost"); return }
        #expect(relativeError(affine.matrix.flatMap { $0 }, Reference.doubles(entry["output_affine"])) < 1e-12)
        for (got, want) in zip(spacing, Reference.doubles(entry["target"])) { #expect(abs(got - want) / want < 0.1) }
    }

    @Test("bilinear resize equals scipy zoom on the same grid")
    func resize() throws {
        let entry = reference["resize"] as! [String: Any]
        let s = (entry["slice"] as! NSNumber).intValue
        let slice = try SliceExtraction(axis: 0).apply(sample(volume))[s]
        let out = try Resize(rows: 9, columns: 23).apply(slice)[0]
        #expect(out.tensor.shape == [9, 23])
        #expect(relativeError(out.tensor.doubleValues(), Reference.doubles(entry["output"])) < 1e-6)
    }

    @Test("slices keep world positions through the affine")
    func slices() throws {
        let affine = Affine(matrix: [[0.9, 0, 0.1, -10], [0, 1.1, 0, 20], [0.05, 0, 2.5, 30], [0, 0, 0, 1]])
        let geometry = Geometry.spatial(spacing: affine.voxelSizes, affine: affine)
        for axis in 0..<3 {
            let slices = try SliceExtraction(axis: axis).apply(sample(volume, geometry: geometry))
            #expect(slices.count == volume.shape[axis])
            let s = slices.count / 2
            let slice = slices[s]
            guard case .spatial(_, let sliceAffine) = slice.geometry else { Issue.record("no geometry"); continue }
            // Pixel (column c, row r) of the slice is voxel index with the cut axis at s.
            let values = volume.doubleValues(), sliceValues = slice.tensor.doubleValues()
            let (rows, cols) = (slice.tensor.shape[0], slice.tensor.shape[1])
            for (r, c) in [(0, 0), (rows - 1, cols - 1), (rows / 2, 1)] {
                var index = [0, 0, 0]  // tensor order (z, y, x)
                let kept = (0..<3).filter { $0 != axis }
                index[axis] = s; index[kept[0]] = r; index[kept[1]] = c
                let flat = (index[0] * volume.shape[1] + index[1]) * volume.shape[2] + index[2]
                #expect(sliceValues[r * cols + c] == values[flat])
                let world = affine.apply([Double(index[2]), Double(index[1]), Double(index[0])])
                let sliceWorld = sliceAffine.apply([Double(c), Double(r), 0])
                #expect(zip(world, sliceWorld).allSatisfy { abs($0 - $1) < 1e-9 })
            }
            #expect(slice.source.part == "slice" && slice.source.index == s)
        }
        let background = Tensor(shape: [3, 2, 2], values: [Int16](repeating: 0, count: 4) + [1, 2, 3, 4] + [Int16](repeating: 5, count: 4))
        let output = try SliceExtraction(axis: 0, skipConstant: true).run(sample(background))
        #expect(output.samples.count == 1 && output.dropped == ["constant slice": 2])
    }

    @Test("crop or pad is centred and shifts the affine")
    func cropOrPad() throws {
        let geometry = Geometry.spatial(spacing: [1, 1, 1], affine: .scaling([1, 1, 1]))
        let out = try CropOrPad(shape: [10, 16, 20], padValue: -1).apply(sample(volume, geometry: geometry))[0]
        #expect(out.tensor.shape == [10, 16, 20] && out.tensor.dtype == .int16)
        let v: [Int16] = out.tensor.values(as: Int16.self), original: [Int16] = volume.values(as: Int16.self)
        // The index of voxel (z, y, x) in the output [10, 16, 20] and in the original [12, 14, 16].
        func outIndex(_ z: Int, _ y: Int, _ x: Int) -> Int { (z * 16 + y) * 20 + x }
        func originalIndex(_ z: Int, _ y: Int, _ x: Int) -> Int { (z * 14 + y) * 16 + x }
        // z: 12 -> 10 crops 1 before; y: 14 -> 16 pads 1 before; x: 16 -> 20 pads 2 before.
        #expect(v[outIndex(0, 1, 2)] == original[originalIndex(1, 0, 0)])
        #expect(v[outIndex(9, 14, 17)] == original[originalIndex(10, 13, 15)])
        #expect(v[0] == -1 && v[outIndex(5, 15, 19)] == -1)
        guard case .spatial(_, let affine) = out.geometry else { Issue.record("no geometry"); return }
        #expect(affine.column(3) == [-2, -1, 1])
        #expect(throws: MedPipeError.self) { try CropOrPad(shape: [4, 4], padValue: 0.5).apply(sample(volume)) }
    }

    @Test("CT window presets and min-max")
    func windowAndMinMax() throws {
        let hu = Tensor(shape: [1, 5], values: [Int16(-1000), 0, 40, 80, 3000])
        let brain = try CTWindow(preset: .brain).apply(sample(hu))[0].tensor.floatValues()
        #expect(brain == [0, 0, 0.5, 1, 1])
        let lung = CTWindow.Preset.lung.window, bone = CTWindow.Preset.bone.window
        #expect(lung == (-600, 1500) && bone == (400, 1800))
        #expect(try CTWindow(preset: .lung).apply(sample(hu))[0].tensor.floatValues()[0] == Float((-1000.0 + 1350) / 1500))
        #expect(throws: MedPipeError.self) { try CTWindow(center: 0, width: 0) }
        #expect(try MinMax().apply(sample(hu))[0].tensor.floatValues() == [0, 0.25, Float(1040.0 / 4000), Float(1080.0 / 4000), 1])
    }

    @Test("replace-nonfinite: NaN and infinities become the value, the type and other values stay; integers pass; the value must be finite")
    func replaceNonFinite() throws {
        let floats = Sample(tensor: Tensor(shape: [2, 3], values: [Float.nan, 1.5, .infinity, -2, -.infinity, 0]), source: SourceReference(record: "f"))
        let replaced = try ReplaceNonFinite(value: -1).apply(floats)[0].tensor
        #expect(replaced.dtype == .float32 && replaced.shape == [2, 3] && replaced.floatValues() == [-1, 1.5, -1, -2, -1, 0])
        let doubles = Sample(tensor: Tensor(shape: [3], values: [Double.nan, 2, 3]), source: SourceReference(record: "d"))
        let zero = try ReplaceNonFinite().apply(doubles)[0].tensor
        #expect(zero.dtype == .float64 && zero.values(as: Double.self) == [0, 2, 3])
        let integers = Sample(tensor: Tensor(shape: [3], values: [Int16(-5), 0, 7]), source: SourceReference(record: "i"))
        #expect(try ReplaceNonFinite().apply(integers)[0].tensor == integers.tensor)
        #expect(throws: MedPipeError.self) { try ReplaceNonFinite(value: .nan) }
        #expect(throws: MedPipeError.self) { try ReplaceNonFinite(value: -.infinity) }
    }
}
