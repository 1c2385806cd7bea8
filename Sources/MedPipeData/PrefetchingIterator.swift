import Foundation

/// Makes batches on a worker thread, at most `depth` ahead of the consumer: batch `b` is `make(b)`,
/// made in turn until it returns nil or throws (the error is handed over in the batch's place).
/// Dropping the iterator stops the thread after the batch it is making.
///
/// The worker has ended when the iterator reports the end (nil or an error) or is dropped: the next
/// pass's worker then takes over its malloc arena, with the batches it freed. A worker still ending
/// while the next one started made a second arena, and the process held two budgets' worth of batches.
struct PrefetchingIterator: BatchIterator {
    private let consumer: Consumer

    /// - Throws: `.invalidArgument` when the system refuses the worker thread.
    init(depth: Int, make: @escaping @Sendable (Int) throws -> LabeledBatch?) throws {
        let queue = Queue(depth: max(depth, 1))
        consumer = Consumer(queue: queue, worker: try JoinableThread(name: "medpipe-prefetch") { queue.fill(make) })
    }

    mutating func next() throws -> LabeledBatch? {
        do {
            guard let batch = try consumer.queue.take() else {
                consumer.worker.join()
                return nil
            }
            return batch
        } catch {
            consumer.worker.join()
            throw error
        }
    }

    /// The consumer's hold on the queue and the worker (the worker holds the queue too): when it goes,
    /// the worker stops, and is waited for.
    private final class Consumer {
        let queue: Queue
        let worker: JoinableThread
        init(queue: Queue, worker: JoinableThread) { self.queue = queue; self.worker = worker }
        deinit {
            queue.abandon()
            worker.join()
        }
    }

    /// The bounded queue between the worker (`fill`) and the consumer (`take`).
    final class Queue: @unchecked Sendable {
        // Safety: `ready`, `ended` and `abandoned` are only touched with `condition` locked.
        private let condition = NSCondition()
        private let depth: Int
        private var ready: [Result<LabeledBatch, any Error>] = []
        private var ended = false
        private var abandoned = false

        init(depth: Int) { self.depth = depth }

        /// The worker's loop.
        func fill(_ make: (Int) throws -> LabeledBatch?) {
            var number = 0
            while true {
                condition.lock()
                while ready.count >= depth && !abandoned { condition.wait() }
                let stop = abandoned
                condition.unlock()
                if stop { return }
                let result = Result { try make(number) }
                number += 1
                condition.lock()
                switch result {
                case .success(let batch?): ready.append(.success(batch))
                case .success(nil): ended = true
                case .failure(let error): ready.append(.failure(error)); ended = true
                }
                let done = ended
                condition.signal()
                condition.unlock()
                if done { return }
            }
        }

        /// The next batch, waiting for the worker; nil after the last.
        func take() throws -> LabeledBatch? {
            condition.lock()
            defer { condition.unlock() }
            while ready.isEmpty && !ended { condition.wait() }
            guard !ready.isEmpty else { return nil }
            let result = ready.removeFirst()
            condition.signal()
            return try result.get()
        }

        /// Drops the batches made and stops the worker after its current one.
        func abandon() {
            condition.lock()
            abandoned = true
            ready.removeAll()
            condition.signal()
            condition.unlock()
        }
    }
}
