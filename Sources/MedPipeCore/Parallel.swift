/// Splits loops whose iterations write disjoint memory (samples, channel planes) over the configured
/// threads. Each worker takes one contiguous range, so results do not depend on scheduling.
/// Package-wide: the layers and optimizers (`MedPipeTrain`) and batch augmentation (`MedPipeData`) share it.
package enum Parallel {
    /// Worker count for MedPipe's own loops; set with `BLAS.setThreads` before training starts.
    nonisolated(unsafe) package static var threads = 1

    /// For elementwise loops: fewer values than this per worker cost more to hand out than to compute.
    package static let elementsPerWorker = 1 << 15

    /// Workers `forWorkers(count, minimumPerWorker:)` uses: at most `threads`, each with at least `minimumPerWorker` items.
    package static func workers(for count: Int, minimumPerWorker: Int = 1) -> Int {
        max(1, min(threads, count / max(minimumPerWorker, 1)))
    }

    /// Calls `body(range)` for contiguous ranges covering `0..<count`, on up to `threads` workers.
    /// `minimumPerWorker` keeps tiny loops on the calling thread.
    package static func forRanges(_ count: Int, minimumPerWorker: Int = 1, _ body: (Range<Int>) -> Void) {
        forWorkers(count, minimumPerWorker: minimumPerWorker) { _, range in body(range) }
    }

    /// Calls `body(w, range)` for worker `w` in `0..<workers(for: count, minimumPerWorker:)` with the `w`-th of
    /// that many contiguous ranges covering `0..<count`, so each worker can use scratch memory of its own.
    package static func forWorkers(_ count: Int, minimumPerWorker: Int = 1, _ body: (_ worker: Int, Range<Int>) -> Void) {
        guard count > 0 else { return }
        let workers = workers(for: count, minimumPerWorker: minimumPerWorker)
        guard workers > 1 else { return body(0, 0..<count) }
        concurrentForEach(workers) { w in body(w, range(w, of: workers, covering: count)) }
    }

    /// The `w`-th of `workers` contiguous ranges covering `0..<count`: the range ``forWorkers(_:minimumPerWorker:_:)`` hands worker `w`.
    package static func range(_ w: Int, of workers: Int, covering count: Int) -> Range<Int> {
        (count * w / workers)..<(count * (w + 1) / workers)
    }
}
