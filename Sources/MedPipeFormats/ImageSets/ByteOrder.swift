/// In-place conversion of element bytes between big-endian and the little-endian order tensors hold.
enum ByteOrder {
    /// Reverses the bytes of every `elementSize`-byte element of `bytes` (sizes 1, 2, 4 or 8).
    static func swapInPlace(_ bytes: inout [UInt8], elementSize: Int) {
        guard elementSize > 1 else { return }
        let count = bytes.count / elementSize
        bytes.withUnsafeMutableBytes { raw in
            switch elementSize {
            case 2:
                let words = raw.bindMemory(to: UInt16.self)
                for i in 0..<count { words[i] = words[i].byteSwapped }
            case 4:
                let words = raw.bindMemory(to: UInt32.self)
                for i in 0..<count { words[i] = words[i].byteSwapped }
            case 8:
                let words = raw.bindMemory(to: UInt64.self)
                for i in 0..<count { words[i] = words[i].byteSwapped }
            default:
                preconditionFailure("no element of \(elementSize) bytes")
            }
        }
    }
}
