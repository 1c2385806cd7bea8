#if canImport(Glibc)
import Glibc
#endif

/// Process-wide settings of glibc's allocator for commands that build up many live allocations on
/// worker threads.
enum AllocatorTuning {
    /// Makes every heap start, and the main heap grow, 16 MiB ahead of need (`mallopt(M_TOP_PAD, …)`).
    /// A worker thread's heap otherwise grows by the page, one `mprotect` call each time: reading the
    /// 196-file MR series, whose parsed datasets all live until the volume is assembled, made about
    /// 4,000 of them (6 ms of a 105 ms convert). Only heaps created afterwards get the pad, so this must
    /// run before any worker thread allocates. The pad is address space; pages become resident only
    /// when written. (As any explicit setting does, it also fixes glibc's mmap threshold at 128 KiB.)
    static func reserveHeapAhead() {
        #if os(Linux)
        // `mallopt` and `M_TOP_PAD` (-2) come from <malloc.h>, which the Glibc module does not import.
        typealias MallOpt = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
        let topPad: Int32 = -2
        _ = unsafeBitCast(symbol, to: MallOpt.self)(topPad, 16 << 20)
        #endif
    }
}
