/// Memory the program has freed, handed back to the system between two phases of a command.
///
/// glibc gives each thread that allocates an arena of its own, and memory freed in one arena serves only allocations in
/// it: a phase that runs on another thread than the one before it takes fresh pages while the earlier phase's freed ones
/// stay resident, and the two phases' peaks add up, or not, as the threads fall (a convert of a table of 80,000 rows
/// peaked at 115 or at 151 MB).
package enum FreedMemory {
    /// Returns the free pages of every arena to the system (glibc's `malloc_trim`; nothing elsewhere).
    package static func release() {
        _ = GlibcFunction.named("malloc_trim", as: (@convention(c) (Int) -> Int32).self)?(0)
    }
}
