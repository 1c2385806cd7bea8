import Foundation
import Testing
import TestSupport
@testable import MedPipeTrain

@Suite struct ROCCurveTests {
    struct Case: Decodable {
        var name: String
        var scores: [Float]
        var positive: [Bool]
        var fpr: [Double], tpr: [Double], thresholds: [Float]
        var auc: Double
    }

    /// Curves computed by scikit-learn's `roc_curve` (tools/reference/roc.py).
    @Test func matchesScikitLearn() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: SharedData.projectRoot + "/Tests/Reference/roc_curve.json"))
        struct File: Decodable { var cases: [Case] }
        let cases = try JSONDecoder().decode(File.self, from: data).cases
        #expect(cases.count == 4)
        for reference in cases {
            let curve = try #require(ROCCurve(scores: reference.scores, positive: reference.positive), "\(reference.name)")
            #expect(curve.falsePositiveRates.count == reference.fpr.count, "\(reference.name)")
            #expect(zip(curve.falsePositiveRates, reference.fpr).allSatisfy { abs($0 - $1) < 1e-12 }, "\(reference.name)")
            #expect(zip(curve.truePositiveRates, reference.tpr).allSatisfy { abs($0 - $1) < 1e-12 }, "\(reference.name)")
            #expect(curve.thresholds == reference.thresholds, "\(reference.name)")
            #expect(abs(curve.area - reference.auc) < 1e-12, "\(reference.name)")
            #expect(abs(curve.area - ROCAUC.binary(scores: reference.scores, positive: reference.positive)!) < 1e-12)
        }
    }

    @Test func needsBothClasses() {
        #expect(ROCCurve(scores: [0.2, 0.7], positive: [true, true]) == nil)
        #expect(ROCCurve(scores: [0.2, 0.7], positive: [false, false]) == nil)
    }
}
