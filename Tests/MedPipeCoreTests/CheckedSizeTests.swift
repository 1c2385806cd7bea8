import Testing
import MedPipeCore

@Suite struct CheckedSizeTests {
    @Test func productsAndSumsThatFitAreExact() throws {
        #expect(try CheckedSize.product([3, 4, 5], source: "f", "x") == 60)
        #expect(try CheckedSize.product([], source: "f", "x") == 1)
        #expect(try CheckedSize.product([0, Int.max, Int.max], source: "f", "x") == 0)
        #expect(try CheckedSize.sum([Int.max - 1, 1], source: "f", "x") == Int.max)
        #expect(try CheckedSize.product([1 << 17, 1 << 17], limit: 1 << 34, source: "f", "x") == 1 << 34)
    }

    @Test func overflowNegativeAndLimitAreErrorsNamingTheFile() {
        for attempt in [{ try CheckedSize.product([1 << 62, 4], source: "rec.hea", "frames × samples") },
                        { try CheckedSize.product([3, -1], source: "rec.hea", "frames × samples") },
                        { try CheckedSize.product([1 << 20, 1 << 20], limit: 1 << 34, source: "rec.hea", "frames × samples") },
                        { try CheckedSize.sum([Int.max, 1], source: "rec.hea", "frames × samples") },
                        { try CheckedSize.sum([1, -2], source: "rec.hea", "frames × samples") }] {
            #expect {
                _ = try attempt()
            } throws: { error in
                guard let error = error as? MedPipeError else { return false }
                return error.kind == .malformed && error.subject == "rec.hea" && error.message.hasPrefix("frames × samples")
            }
        }
    }
}
