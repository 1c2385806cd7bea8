#if canImport(Glibc)
import Glibc
#endif

/// The process's soft limit on open files, raised to its hard limit at start, as Go's runtime and systemd's services
/// do: a cache's reads keep one descriptor per shard (`ShardReads`), and a cache that `mpirun` conversions have grown
/// holds shards of every rank of every run, past the soft limit of 1,024 that many systems set (where a read then
/// failed with "too many open files").
enum OpenFileLimit {
    /// The soft limit where the hard one is unlimited: the kernel's default ceiling (`fs.nr_open`).
    static let unlimitedCeiling: rlim_t = 1 << 20

    /// Raises the soft limit to the hard one; leaves it where it is when it cannot.
    static func raiseToHard() {
        #if os(Linux)
        let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        var limit = rlimit()
        guard getrlimit(resource, &limit) == 0 else { return }
        let target = limit.rlim_max == rlim_t.max ? unlimitedCeiling : limit.rlim_max   // RLIM_INFINITY
        guard limit.rlim_cur < target else { return }
        limit.rlim_cur = target
        _ = setrlimit(resource, &limit)
        #endif
    }
}
