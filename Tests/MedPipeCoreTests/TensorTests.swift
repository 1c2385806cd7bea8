import Testing
@testable import MedPipeCore

@Suite struct TensorTests {
    @Test func valuesRoundTripThroughBytes() {
        let t = Tensor(shape: [2, 3], values: [Int16(-1), 2, 3, 4, 5, -32768])
        #expect(t.bytes.count == 12)
        #expect(t.bytes[0...1] == [0xFF, 0xFF])
        #expect(t.values(as: Int16.self) == [-1, 2, 3, 4, 5, -32768])
        #expect(t.doubleValues() == [-1, 2, 3, 4, 5, -32768])
    }

    @Test func reshapeKeepsBytes() {
        let t = Tensor(shape: [6], values: [Float](repeating: 1.5, count: 6)).reshaped([3, 2])
        #expect(t.shape == [3, 2])
        #expect(t.floatValues() == [Float](repeating: 1.5, count: 6))
    }

    @Test func affineAxisCodesAndVoxelSizes() {
        let a = Affine(matrix: [[-2, 0, 0, 90], [0, 0, 3, -126], [0, 1.5, 0, -72], [0, 0, 0, 1]])
        #expect(a.axisCodes == ["L", "S", "A"])
        #expect(a.voxelSizes == [2, 1.5, 3])
        #expect(a.apply([1, 1, 1]) == [88, -123, -70.5])
    }
}

@Suite struct ByteReaderTests {
    @Test func readsBothByteOrders() throws {
        var r = ByteReader([0x01, 0x02, 0x03, 0x04], source: "x")
        #expect(try r.uint16() == 0x0201)
        #expect(try r.uint16(bigEndian: true) == 0x0304)
    }

    @Test func truncationNamesSourceAndOffset() {
        var r = ByteReader([0x01, 0x02], source: "file.bin", offset: 1)
        #expect(throws: MedPipeError.malformed("file.bin", "truncated: uint32 needs 4 bytes at offset 1, file has 2")) {
            _ = try r.uint32()
        }
    }
}
