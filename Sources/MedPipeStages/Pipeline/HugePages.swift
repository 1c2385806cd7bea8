#if canImport(Glibc)
import Glibc
#endif

/// Asks Linux for transparent huge pages on a large, freshly allocated buffer before it is first
/// written (as NumPy does for arrays over 4 MiB): one fault per 2 MiB instead of per 4 KiB, which
/// otherwise dominates the cost of producing a 50 MB volume. A hint only; a no-op elsewhere.
enum HugePages {
    static func advise(_ pointer: UnsafeMutableRawPointer, bytes: Int) {
        #if os(Linux)
        let page = 4096, threshold = 4 << 20
        guard bytes >= threshold else { return }
        let start = (Int(bitPattern: pointer) + page - 1) & ~(page - 1)
        let end = (Int(bitPattern: pointer) + bytes) & ~(page - 1)
        guard end > start, let aligned = UnsafeMutableRawPointer(bitPattern: start) else { return }
        _ = madvise(aligned, end - start, MADV_HUGEPAGE)
        #endif
    }
}
