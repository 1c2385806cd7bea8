import MedPipeCore

/// Reads NumPy `.npz` archives: a zip of `.npy` members, stored (`numpy.savez`) or deflated
/// (`numpy.savez_compressed`).
public struct NPZReader: Sendable {
    /// The largest member array the reader allocates, in bytes.
    public var maximumBytes: Int

    public init(maximumBytes: Int = 8 << 30) {
        self.maximumBytes = maximumBytes
    }

    /// The arrays in archive order, named as `numpy.load(path).files` names them (without `.npy`).
    /// - Throws: ``MedPipeError`` naming the file and the member for a member that is not a `.npy`
    ///   array, a corrupt zip or deflate stream, a CRC mismatch or a bad `.npy` header.
    public func read(_ path: String) throws -> [(name: String, tensor: Tensor)] {
        let archive = try ZipArchive(try FileBytes.read(path), source: path)
        let npy = NPYReader(maximumBytes: maximumBytes)
        var members: [(name: String, tensor: Tensor)] = []
        for entry in archive.entries where !entry.name.hasSuffix("/") {
            guard entry.name.hasSuffix(".npy") else {
                throw MedPipeError.unsupported(path, "zip member '\(entry.name)' is not a .npy array (an .npz holds only .npy members)")
            }
            let bytes = try archive.contents(of: entry, limit: maximumBytes)
            let tensor = try npy.decode(bytes, source: "\(path) member '\(entry.name)'")
            members.append((String(entry.name.dropLast(4)), tensor))
        }
        return members
    }

    /// One record per member (format `npz`), with metadata `member`.
    public func records(_ path: String) throws -> [Record] {
        try read(path).map { member in
            Record(source: path, format: FormatKind.npz.rawValue, tensor: member.tensor, metadata: ["member": .string(member.name)])
        }
    }
}
