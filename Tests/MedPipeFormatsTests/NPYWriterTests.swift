import Testing
import MedPipeCore
@testable import MedPipeFormats

@Suite struct NPYWriterTests {
    @Test func headerIsPaddedTo64AndDeclaresShape() {
        let bytes = NPYWriter.encode(Tensor(shape: [2, 3], values: [UInt8](0..<6)))
        let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
        #expect((10 + headerLength) % 64 == 0)
        let header = String(decoding: bytes[10..<(10 + headerLength)], as: UTF8.self)
        #expect(header.hasPrefix("{'descr': '|u1', 'fortran_order': False, 'shape': (2, 3), }"))
        #expect(header.hasSuffix("\n"))
        #expect(Array(bytes.suffix(6)) == [0, 1, 2, 3, 4, 5])
    }

    @Test func fortranOrderReversesShape() {
        let bytes = NPYWriter.encode(Tensor(shape: [4, 3, 2], values: [Float](repeating: 0, count: 24)), fortranOrder: true)
        let header = String(decoding: bytes[10..<128], as: UTF8.self)
        #expect(header.contains("'fortran_order': True, 'shape': (2, 3, 4)"))
    }
}
