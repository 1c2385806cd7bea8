import Foundation

/// Small single-file NIfTI-1 images (`.nii`, little endian, uint8) written byte by byte, for tests
/// that need a valid file with one chosen oddity (a NaN voxel size, a bad `vox_offset`, a truncation).
public enum CraftedNIfTI {
    /// The file's bytes: a 348-byte header, 4 zero extension bytes, then `dims` voxels counting up from
    /// `first`. `pixdim` goes into both `pixdim` and the sform's diagonal (sform_code 1).
    public static func bytes(dims: [Int] = [2, 2, 1], pixdim: [Float] = [1, 1, 1], voxOffset: Float = 352, datatype: Int16 = 2,
                             first: UInt8 = 0, descrip: String = "") -> [UInt8] {
        var header = [UInt8](repeating: 0, count: 348)
        func put<T>(_ value: T, at offset: Int) {
            withUnsafeBytes(of: value) { raw in for (i, byte) in raw.enumerated() { header[offset + i] = byte } }
        }
        put(Int32(348), at: 0)
        put(Int16(dims.count), at: 40)
        for (i, n) in dims.enumerated() { put(Int16(n), at: 42 + 2 * i) }
        for i in dims.count..<7 { put(Int16(1), at: 42 + 2 * i) }
        put(datatype, at: 70)
        put(Int16(datatype == 2 ? 8 : 64), at: 72)
        put(Float(1), at: 76)
        for (i, size) in pixdim.enumerated() { put(size, at: 80 + 4 * i) }
        put(voxOffset, at: 108)
        put(Float(1), at: 112)
        for (i, byte) in descrip.utf8.prefix(79).enumerated() { header[148 + i] = byte }
        put(Int16(1), at: 254)
        for axis in 0..<3 { put(pixdim.count > axis ? pixdim[axis] : 1, at: 280 + 16 * axis + 4 * axis) }
        header[344] = UInt8(ascii: "n"); header[345] = UInt8(ascii: "+"); header[346] = UInt8(ascii: "1")
        let voxels = dims.reduce(1, *)
        return header + [0, 0, 0, 0] + (0..<voxels).map { first &+ UInt8(truncatingIfNeeded: $0) }
    }

    /// Writes ``bytes(dims:pixdim:voxOffset:datatype:first:descrip:)`` to `path`.
    public static func write(to path: String, dims: [Int] = [2, 2, 1], pixdim: [Float] = [1, 1, 1], voxOffset: Float = 352,
                             datatype: Int16 = 2, first: UInt8 = 0, descrip: String = "") throws {
        try Data(bytes(dims: dims, pixdim: pixdim, voxOffset: voxOffset, datatype: datatype, first: first, descrip: descrip))
            .write(to: URL(fileURLWithPath: path))
    }

    /// A single-file NIfTI-2 image (540-byte header, little endian, uint8, sform_code 1 with unit voxels) of `dims`
    /// voxels counting up from 0, with `unused` in the header's last field (`unused_str`, 15 bytes).
    public static func version2Bytes(dims: [Int] = [2, 2, 1], unused: String = "") -> [UInt8] {
        var header = [UInt8](repeating: 0, count: 540)
        func put<T>(_ value: T, at offset: Int) {
            withUnsafeBytes(of: value) { raw in for (i, byte) in raw.enumerated() { header[offset + i] = byte } }
        }
        put(Int32(540), at: 0)
        for (i, byte) in [0x6E, 0x2B, 0x32, 0, 0x0D, 0x0A, 0x1A, 0x0A].enumerated() { header[4 + i] = UInt8(byte) }
        put(Int16(2), at: 12)
        put(Int16(8), at: 14)
        put(Int64(dims.count), at: 16)
        for i in 0..<7 { put(Int64(i < dims.count ? dims[i] : 1), at: 24 + 8 * i) }
        for i in 0..<8 { put(Double(1), at: 104 + 8 * i) }
        put(Int64(544), at: 168)
        put(Double(1), at: 176)
        put(Int32(1), at: 348)
        for axis in 0..<3 { put(Double(1), at: 400 + 32 * axis + 8 * axis) }
        for (i, byte) in unused.utf8.prefix(15).enumerated() { header[525 + i] = byte }
        let voxels = dims.reduce(1, *)
        return header + [0, 0, 0, 0] + (0..<voxels).map { UInt8(truncatingIfNeeded: $0) }
    }
}
