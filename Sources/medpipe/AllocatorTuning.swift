import MedPipeCore

/// Process-wide settings of glibc's allocator, for the commands whose allocation pattern its defaults
/// serve badly. Each is set before the command's work starts.
enum AllocatorTuning {
    /// Makes every heap start, and the main heap grow, 16 MiB ahead of need (`M_TOP_PAD`).
    /// A worker thread's heap otherwise grows by the page, one `mprotect` call each time: reading the
    /// 196-file MR series, whose parsed datasets all live until the volume is assembled, made about
    /// 4,000 of them (6 ms of a 105 ms convert; `inspect` of it, 2,700). Only heaps created afterwards get the pad, so this must
    /// run before any worker thread allocates. The pad is address space; pages become resident only
    /// when written. (As any explicit setting does, it also fixes glibc's mmap threshold at 128 KiB.)
    static func reserveHeapAhead() {
        mallopt(option: -2 /* M_TOP_PAD */, value: 16 << 20)
    }

    /// Keeps freed memory for reuse (`M_MMAP_THRESHOLD` 16 MiB, `M_TRIM_THRESHOLD` 64 MiB): for commands
    /// that allocate buffers of the same sizes over and over, which glibc would otherwise return to the
    /// system each time and fault in afresh for the next: `anonymize` rewriting many files in turn (about a
    /// tenth of its processor time on a 196-file series), and `train` and `gradcam`, whose layers allocate
    /// their megabyte-sized activations and gradients anew for every batch.
    static func retainFreedMemory() {
        mallopt(option: -3 /* M_MMAP_THRESHOLD */, value: 16 << 20)
        mallopt(option: -1 /* M_TRIM_THRESHOLD */, value: 64 << 20)
    }

    /// glibc's `mallopt`, from <malloc.h>.
    private static func mallopt(option: Int32, value: Int32) {
        _ = GlibcFunction.named("mallopt", as: (@convention(c) (Int32, Int32) -> Int32).self)?(option, value)
    }
}
