import Testing
@testable import MedPipeCore

/// `SeededGenerator.advance(by:)` skips outputs in 256 steps, through the characteristic polynomial of xoshiro256's
/// state transition, which the generator finds itself (Berlekamp–Massey).
struct SeededGeneratorJumpTests {
    /// A jump leaves the generator in the state that as many `next()` calls leave it in: short jumps (which step),
    /// the threshold, and long ones, up to the 16 rows × 9,216 values of mnist-cnn's dropout that a rank skips.
    @Test(arguments: [0, 1, 255, 256, 257, 1_000, 65_537, 147_456])
    func aJumpEqualsThatManyDraws(_ count: Int) {
        var stepped = SeededGenerator(seed: 42, stream: 7)
        for _ in 0..<5 { _ = stepped.next() }
        var jumped = stepped
        for _ in 0..<count { _ = stepped.next() }
        jumped.advance(by: SeededGenerator.Jump(count: count))
        #expect(jumped == stepped)
        #expect((0..<4).map { _ in jumped.next() } == (0..<4).map { _ in stepped.next() })
    }

    /// x^(2^128) mod P is the polynomial of the reference implementation's `jump()` (xoshiro256starstar.c, Blackman
    /// and Vigna), whose constants are published there: the modulus found here is xoshiro256's.
    @Test func theModulusGivesTheReferenceJumpConstants() {
        var power: [UInt64] = [2, 0, 0, 0]   // x
        for _ in 0..<128 { power = Polynomial256.multiply(power, power) }
        #expect(power == [0x180e_c6d3_3cfd_0aba, 0xd5a6_1266_f0c9_392c, 0xa958_2618_e03f_c9aa, 0x39ab_dc45_29b1_661c])
    }
}
