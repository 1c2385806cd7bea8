import Foundation
import MedPipeCore

/// Writes tensors as NumPy `.npy` files (format version 1.0, little-endian).
public enum NPYWriter {
    /// The `.npy` bytes for `tensor`.
    ///
    /// With `fortranOrder`, the header declares the reversed shape in Fortran order, so that
    /// `numpy.load` yields the transposed view without any byte moving: a NIfTI tensor stored
    /// `(z, y, x)` loads as nibabel's `(x, y, z)`.
    public static func encode(_ tensor: Tensor, fortranOrder: Bool = false) -> [UInt8] {
        header(descriptor: tensor.dtype.numpyDescriptor, shape: fortranOrder ? tensor.shape.reversed() : tensor.shape,
               fortranOrder: fortranOrder) + tensor.bytes
    }

    /// The magic, version and padded header of a `.npy` file whose data (of any NumPy type
    /// `descriptor`, e.g. `<f4` or `<U8`) follow it: for writers that stream the data themselves.
    public static func header(descriptor: String, shape: [Int], fortranOrder: Bool = false) -> [UInt8] {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(descriptor)', 'fortran_order': \(fortranOrder ? "True" : "False"), 'shape': \(shapeText), }"
        // Magic (6) + version (2) + header length (2) + header + newline is a multiple of 64.
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var out: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
        let length = UInt16(header.utf8.count)
        out += [UInt8(length & 0xff), UInt8(length >> 8)]
        out += Array(header.utf8)
        return out
    }

    /// Writes `tensor` to `path` atomically (a temporary file renamed into place): the header and the
    /// tensor's own bytes in one gathered write, with no copy of the data.
    public static func write(_ tensor: Tensor, to path: String, fortranOrder: Bool = false) throws {
        let head = header(descriptor: tensor.dtype.numpyDescriptor, shape: fortranOrder ? tensor.shape.reversed() : tensor.shape,
                          fortranOrder: fortranOrder)
        try head.withUnsafeBytes { head in
            try tensor.bytes.withUnsafeBytes { data in try AtomicFile.write(path, parts: [head, data]) }
        }
    }
}
