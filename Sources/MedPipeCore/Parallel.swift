import Dispatch

/// Splits loops whose iterations write disjoint memory (samples, channel planes) over the configured
/// threads. Each worker takes one contiguous range, so results do not depend on scheduling.
/// Package-wide: the layers and optimizers (`MedPipeTrain`) and batch augmentation (`MedPipeData`) share it.
package enum Parallel {
    /// Worker count for MedPipe's own loops; set with `BLAS.setThreads` before training starts.
    nonisolated(unsafe) package static var threads = 1

    /// For elementwise loops: fewer values than this per worker cost more to hand out than to compute.
    package static let elementsPerWorker = 1 << 15

    /// Calls `body(range)` for contiguous ranges covering `0..<count`, on up to `threads` workers.
    /// `minimumPerWorker` keeps tiny loops on the calling thread.
    package static func forRanges(_ count: Int, minimumPerWorker: Int = 1, _ body: (Range<Int>) -> Void) {
        let workers = min(threads, count / max(minimumPerWorker, 1))
        guard workers > 1 else { if count > 0 { body(0..<count) }; return }
        withoutActuallyEscaping(body) { body in
            let task = Task(body: body)
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                task.body((count * w / workers)..<(count * (w + 1) / workers))
            }
        }
    }

    /// The loop body, handed to the workers: callers guarantee that ranges touch disjoint memory.
    private struct Task: @unchecked Sendable {
        let body: (Range<Int>) -> Void
    }
}
