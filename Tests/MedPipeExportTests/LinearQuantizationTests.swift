import Foundation
import Testing
import MedPipeCore
@testable import MedPipeExport

@Suite struct LinearQuantizationTests {
    private func choose(_ values: [Double]) throws -> LinearQuantization {
        try LinearQuantization.choose(values, allowed: [.uint8, .int16, .uint16], general: .int16, recorded: DICOMDecimalString.recorded)
    }

    @Test func integersAreStoredExactlyInTheSmallestStorage() throws {
        #expect(try choose([0, 17, 255]) == LinearQuantization(storage: .uint8, slope: 1, intercept: 0, isExact: true))
        #expect(try choose([-3, 1000]).storage == .int16)
        #expect(try choose([40000, 65535]).storage == .uint16)
        // Out of every range but narrower than 65536 levels: shifted by an exact intercept.
        let shifted = try choose([-100_000, -90_000])
        #expect(shifted.isExact && shifted.slope == 1)
        #expect(shifted.encode([-100_000, -95_000, -90_000]).maximumError == 0)
    }

    @Test func floatsUseEveryLevelWithinHalfAStep() throws {
        let values = (0..<1000).map { sin(Double($0)) * 1234.5678 + 17 }
        let q = try choose(values)
        #expect(q.storage == .int16 && !q.isExact)
        let (bytes, error) = q.encode(values)
        #expect(bytes.count == 2000)
        #expect(error > 0 && error <= q.slope / 2 * 1.000001)
        // The slope and intercept are what DS can say, in at most 16 characters.
        #expect(DICOMDecimalString.format(q.slope).count <= 16 && DICOMDecimalString.recorded(q.slope) == q.slope)
        #expect(DICOMDecimalString.format(q.intercept).count <= 16)
    }

    @Test func multiplesOf255InTheUnitRangeAreBytes() throws {
        let q = try choose((0...255).map { Double(Float($0) / 255) })
        #expect(q.storage == .uint8 && q.isExact)
        #expect(q.encode([Double(Float(128) / 255)]).bytes == [128])
    }

    @Test func valuesNearTheLimitsOfDoubleAreEncodedWithoutATrap() throws {
        let values = [-Double.greatestFiniteMagnitude, -1, 0.5, Double.greatestFiniteMagnitude]
        let quantization = try LinearQuantization.choose(values, allowed: [.int16], general: .int16)
        #expect(quantization.slope.isFinite && quantization.intercept.isFinite)
        let (bytes, _) = quantization.encode(values)
        #expect(bytes.count == 8)
    }

    @Test func nonFiniteValuesAreRefused() {
        #expect(throws: MedPipeError.self) { try choose([1, .nan]) }
    }

    @Test func decimalStringsFitSixteenCharacters() {
        for value in [1.0 / 3, -123456.789012345, 1e-20, -2.5e-7, 12345678901234567.0, 0.1] {
            let text = DICOMDecimalString.format(value)
            #expect(text.count <= 16, "\(text)")
            #expect(abs(Double(text)! - value) <= abs(value) * 1e-9, "\(value) → \(text)")
        }
    }
}
