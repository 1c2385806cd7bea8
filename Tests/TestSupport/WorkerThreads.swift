import Foundation
import MedPipeCore

/// MedPipe's worker count (`Parallel.threads`, which `BLAS.setThreads` sets) is one value for the whole test process,
/// and suites run in parallel. A test whose results depend on it runs that part through `withWorkerThreads`, which
/// sets it to `count` for the body, keeps every other such body waiting meanwhile, and sets it back to 1.
public func withWorkerThreads<T>(_ count: Int, _ body: () throws -> T) rethrows -> T {
    WorkerThreads.lock.lock()
    defer {
        Parallel.threads = 1
        WorkerThreads.lock.unlock()
    }
    Parallel.threads = max(1, count)
    return try body()
}

private enum WorkerThreads {
    static let lock = NSLock()
}
