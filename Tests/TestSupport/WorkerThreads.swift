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

/// The whole text of a file under `/proc`. Such files report a size of 0 and may come in several reads (a process's
/// `maps`, while other threads map memory, can end its first read after a page); this reads to the end.
public func procFileText(_ path: String) throws -> String {
    let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
    defer { try? handle.close() }
    return String(decoding: try handle.readToEnd() ?? Data(), as: UTF8.self)
}
