#if canImport(Glibc)
import Glibc
#endif

/// Byte arrays for whole volumes, backed by transparent huge pages where Linux offers them: the one
/// place MedPipe hints the kernel about memory (allocator settings are `AllocatorTuning`, in the CLI).
///
/// A fresh 100 MB array otherwise takes 25,000 page faults (a third of a `.nii.gz` read);
/// with `MADV_HUGEPAGE` it takes about 50, as NumPy does for its own large arrays.
public enum LargeBuffer {
    /// Below this size the normal allocator's pages are fine.
    private static let threshold = 4 << 20
    private static let hugePage = 2 << 20

    /// An array of `count` bytes whose contents `body` writes; `body` returns how many it wrote.
    public static func make(count: Int, _ body: (UnsafeMutablePointer<UInt8>) throws -> Int) rethrows -> [UInt8] {
        try array(count: count, body)
    }

    /// An array of `count` zeros, on huge pages where Linux offers them: for a large buffer that is reused, as
    /// the gradients that data-parallel training receives, which MPI's single-copy transfers pin page by page every step.
    public static func zeros(count: Int) -> [Float] {
        array(count: count) { $0.initialize(repeating: 0, count: count); return count }
    }

    /// A copy of `values` on huge pages where Linux offers them, or `values` itself when it is small: for the
    /// parameters and gradients that data-parallel training sends between its ranks every step.
    public static func copy(of values: [Float]) -> [Float] {
        guard values.count * MemoryLayout<Float>.stride >= threshold else { return values }
        return array(count: values.count) { base in
            values.withUnsafeBufferPointer { base.initialize(from: $0.baseAddress!, count: values.count) }
            return values.count
        }
    }

    /// An array of `count` elements, advised onto huge pages when large, whose first elements `body` initializes
    /// (it returns how many).
    private static func array<Element>(count: Int, _ body: (UnsafeMutablePointer<Element>) throws -> Int) rethrows -> [Element] {
        try [Element](unsafeUninitializedCapacity: count) { buffer, initialized in
            guard let base = buffer.baseAddress else { initialized = 0; return }
            let bytes = count * MemoryLayout<Element>.stride
            if bytes >= threshold { adviseHugePages(base, count: bytes) }
            initialized = try body(base)
        }
    }

    private static func adviseHugePages(_ base: UnsafeMutableRawPointer, count: Int) {
        #if os(Linux)
        let start = (Int(bitPattern: base) + hugePage - 1) & ~(hugePage - 1)
        let end = (Int(bitPattern: base) + count) & ~(hugePage - 1)
        guard end > start, let aligned = UnsafeMutableRawPointer(bitPattern: start) else { return }
        _ = madvise(aligned, end - start, MADV_HUGEPAGE)
        #endif
    }
}
