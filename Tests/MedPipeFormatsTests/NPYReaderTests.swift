import Foundation
import Testing
import MedPipeCore
@testable import MedPipeFormats
import TestSupport

/// Checks a tensor against a reference summary: shape, dtype, exact bytes, exact integer sums, samples.
func expectMatches(_ tensor: Tensor, _ reference: ImageSetReference.Fixture, _ name: String,
                   sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(tensor.shape == reference.shape, "\(name) shape", sourceLocation: sourceLocation)
    #expect(tensor.dtype.rawValue == reference.dtype, "\(name) dtype", sourceLocation: sourceLocation)
    #expect(fnv1a64(tensor.bytes) == reference.fnv1a64, "\(name) bytes", sourceLocation: sourceLocation)
    // Sums are exact in Double while they stay below 2^53: up to 32-bit values, squares up to 16-bit.
    if let sum = reference.sum, let squares = reference.sum_squares, !tensor.dtype.isFloatingPoint, tensor.dtype.size <= 4 {
        let actual = sums(tensor)
        #expect(actual.sum == sum, "\(name) sum", sourceLocation: sourceLocation)
        if tensor.dtype.size <= 2 { #expect(actual.squares == squares, "\(name) sum of squares", sourceLocation: sourceLocation) }
    }
    for sample in reference.samples ?? [] {
        #expect(sampleText(tensor, sample.flat_index) == sample.value, "\(name)[\(sample.flat_index)]", sourceLocation: sourceLocation)
    }
}

/// The element at a flat index printed as Python's repr prints it (floats compared by value).
private func sampleText(_ tensor: Tensor, _ index: Int) -> String {
    func at<T: TensorScalar>(_ type: T.Type) -> T { tensor.withUnsafeBufferPointer(as: T.self) { $0[index] } }
    switch tensor.dtype {
    case .bool: return String(tensor.bytes[index])
    case .uint8: return String(at(UInt8.self))
    case .int8: return String(at(Int8.self))
    case .uint16: return String(at(UInt16.self))
    case .int16: return String(at(Int16.self))
    case .uint32: return String(at(UInt32.self))
    case .int32: return String(at(Int32.self))
    case .uint64: return String(at(UInt64.self))
    case .int64: return String(at(Int64.self))
    case .float32: return String(describing: Double(at(Float.self)))
    case .float64: return String(describing: at(Double.self))
    }
}

@Suite("NPY reader")
struct NPYReaderTests {
    @Test("fixtures match numpy.load element for element", arguments: ImageSetReference.fixtureNames(".npy"))
    func fixture(name: String) throws {
        let reference = try #require(ImageSetReference.loaded?.fixtures[name])
        let tensor = try NPYReader().readTensor(SharedData.fixture("images/" + name))
        expectMatches(tensor, reference, name)
    }

    @Test("every fixture kind is covered")
    func coverage() {
        let names = ImageSetReference.fixtureNames(".npy")
        for needle in ["fortran", "_be_", "_le_", "scalar", "v2", "v3", "b1", "empty"] {
            #expect(names.contains { $0.contains(needle) }, "no .npy fixture with \(needle)")
        }
    }

    @Test("Fortran order becomes row-major: element (i, j) in the same place")
    func fortranSmall() throws {
        // numpy.asfortranarray([[1, 2, 3], [4, 5, 6]], dtype='<i2'): stored 1 4 2 5 3 6.
        let stored: [Int16] = [1, 4, 2, 5, 3, 6]
        let bytes = Self.npy("{'descr': '<i2', 'fortran_order': True, 'shape': (2, 3), }", data: stored.withUnsafeBytes { Array($0) })
        let tensor = try NPYReader().decode(bytes, source: "f.npy")
        #expect(tensor.shape == [2, 3])
        #expect(tensor.values(as: Int16.self) == [1, 2, 3, 4, 5, 6])
    }

    @Test("NPYWriter output reads back, including its Fortran-order form")
    func writerRoundTrip() throws {
        let tensor = Tensor(shape: [2, 3, 4], values: (0..<24).map { Float($0) * 0.5 - 3 })
        #expect(try NPYReader().decode(NPYWriter.encode(tensor), source: "w.npy") == tensor)
        let fortran = try NPYReader().decode(NPYWriter.encode(tensor, fortranOrder: true), source: "wf.npy")
        #expect(fortran.shape == [4, 3, 2])
        // Element (x, y, z) of the Fortran view is element (z, y, x) of the tensor.
        let values: [Float] = fortran.values(as: Float.self), original: [Float] = tensor.values(as: Float.self)
        let fortranIndex: Int = (3 * 3 + 1) * 2 + 1, originalIndex: Int = (1 * 3 + 1) * 4 + 3
        #expect(values[fortranIndex] == original[originalIndex])
    }

    @Test("object arrays, structured dtypes and unknown types are unsupported, naming the dtype", arguments: [
        ("{'descr': '|O', 'fortran_order': False, 'shape': (2,), }", "pickle"),
        ("{'descr': [('a', '<i4'), ('b', '<f8')], 'fortran_order': False, 'shape': (2,), }", "structured"),
        ("{'descr': '<c16', 'fortran_order': False, 'shape': (2,), }", "c16"),
        ("{'descr': '<U5', 'fortran_order': False, 'shape': (2,), }", "U5"),
    ])
    func unsupported(header: String, needle: String) throws {
        let error = try #require(throws: MedPipeError.self) { try NPYReader().decode(Self.npy(header, data: [UInt8](repeating: 0, count: 64)), source: "odd.npy") }
        #expect(error.kind == .unsupported)
        #expect(error.message.contains(needle))
    }

    @Test("bad headers are malformed with the reason", arguments: [
        ("{'descr': '<i4', 'shape': (2,), }", "fortran_order"),
        ("{'descr': '<i4', 'fortran_order': False, 'shape': (2, x), }", "integer"),
        ("{'descr': '<i4', 'fortran_order': False, 'shape': (2,)", "expected"),
        ("'descr': '<i4'", "expected '{'"),
    ])
    func badHeader(header: String, needle: String) throws {
        let error = try #require(throws: MedPipeError.self) { try NPYReader().decode(Self.npy(header, data: [UInt8](repeating: 0, count: 8)), source: "bad.npy") }
        #expect(error.kind == .malformed)
        #expect(error.message.contains(needle))
    }

    @Test("truncated data and headers are malformed, never a crash")
    func truncated() throws {
        let full = try FileBytes.read(SharedData.fixture("images/npy/u2_be_3x4.npy"))
        let error = try #require(throws: MedPipeError.self) { try NPYReader().decode(Array(full.dropLast(3)), source: "cut.npy") }
        #expect(error.message.contains("needs 24 bytes"))
        for cut in [0, 5, 9, 40] {
            #expect(throws: MedPipeError.self) { try NPYReader().decode(Array(full.prefix(cut)), source: "cut.npy") }
        }
        // A shape far beyond the data is refused before allocating.
        let huge = Self.npy("{'descr': '<f8', 'fortran_order': False, 'shape': (100000, 100000, 100000), }", data: [])
        #expect(throws: MedPipeError.self) { try NPYReader().decode(huge, source: "huge.npy") }
    }

    @Test("RecordReading reads a .npy as one record with its stored dtype")
    func recordReading() throws {
        let records = try RecordReading.read(SharedData.fixture("images/npy/i2_be_fortran_4x3.npy"))
        #expect(records.count == 1)
        #expect(records[0].format == "npy")
        #expect(records[0].tensor.shape == [4, 3])
        #expect(records[0].metadata["descr"] == .string(">i2"))
        #expect(records[0].metadata["fortran_order"] == .int(1))
    }

    /// Version 1.0 `.npy` bytes with `header` (padded) followed by `data`.
    static func npy(_ header: String, data: [UInt8]) -> [UInt8] {
        var text = Array(header.utf8)
        text += [UInt8](repeating: 0x20, count: (64 - (10 + text.count + 1) % 64) % 64) + [0x0A]
        return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(text.count & 0xFF), UInt8(text.count >> 8)] + text + data
    }
}
