import Foundation
import MedPipeCore
@testable import MedPipeStages
import Testing

@Suite("Reorientation to RAS against nibabel.as_closest_canonical")
struct ReorientTests {
    @Test("data, shape and affine equal nibabel's for permuted, LPS, oblique and RAS affines")
    func canonical() throws {
        let reference = try Reference.load("stages_reorient.json")
        let shapeXYZ = Reference.ints(reference["shape_xyz"])
        let input = Reference.doubles(reference["input"]).map { Int16($0) }
        for (name, value) in reference["cases"] as! [String: Any] {
            let entry = value as! [String: Any]
            let affine = Reference.affine(entry["affine"])
            let sample = Sample(tensor: Tensor(shape: shapeXYZ.reversed(), values: input),
                                geometry: .spatial(spacing: affine.voxelSizes, affine: affine), source: SourceReference(record: name))
            #expect(affine.axisCodes == entry["codes"] as! [String], "\(name)")
            let out = try ReorientRAS().apply(sample)[0]
            #expect(out.tensor.shape == Reference.ints(entry["output_shape_xyz"]).reversed(), "\(name)")
            #expect(out.tensor.values(as: Int16.self) == Reference.doubles(entry["output"]).map { Int16($0) }, "\(name)")
            guard case .spatial(let spacing, let newAffine) = out.geometry else { Issue.record("no geometry"); continue }
            #expect(relativeError(newAffine.matrix.flatMap { $0 }, Reference.doubles(entry["output_affine"])) < 1e-12, "\(name)")
            #expect(newAffine.axisCodes == ["R", "A", "S"], "\(name)")
            #expect(zip(spacing, newAffine.voxelSizes).allSatisfy { abs($0 - $1) < 1e-12 }, "\(name)")
        }
    }

    @Test("a singular affine is reported, not guessed")
    func singular() {
        let affine = Affine(matrix: [[1, 1, 0, 0], [1, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]])
        let sample = Sample(tensor: Tensor(shape: [2, 2, 2], values: [Float](repeating: 0, count: 8)),
                            geometry: .spatial(spacing: [1, 1, 1], affine: affine), source: SourceReference(record: "bad"))
        #expect(throws: MedPipeError.self) { try ReorientRAS().apply(sample) }
    }

    @Test("an affine with NaN or infinite entries is reported, not guessed")
    func nonFinite() {
        for bad in [Double.nan, .infinity] {
            let affine = Affine(matrix: [[bad, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]])
            let sample = Sample(tensor: Tensor(shape: [2, 2, 2], values: [Float](repeating: 0, count: 8)),
                                geometry: .spatial(spacing: [1, 1, 1], affine: affine), source: SourceReference(record: "bad"))
            #expect(throws: MedPipeError.self, "\(bad)") { try ReorientRAS().apply(sample) }
        }
    }
}
