import Foundation
import Testing
import MedPipeCore
@testable import MedPipeData

/// The streaming source's worker thread: ended, not just told to stop, once its iterator is dropped or
/// has reported the end, so that the next pass's worker takes over its malloc arena.
@Suite struct PrefetchingIteratorTests {
    /// A worker made to take 200 ms over its second batch, its iterator dropped after the first: the
    /// thread is gone when the drop returns. (A detached worker was still in its batch then.)
    @Test func droppingTheIteratorWaitsForItsWorker() throws {
        let worker = WorkerID()
        var iterator: PrefetchingIterator? = try PrefetchingIterator(depth: 1) { number in
            worker.record()
            if number == 1 { usleep(200_000) }
            return number < 3 ? LabeledBatch(inputs: [Float(number)], shape: [1, 1], labels: [0]) : nil
        }
        #expect(try iterator?.next()?.inputs == [0])
        usleep(20_000)   // the worker is in batch 1 now
        iterator = nil
        let task = try #require(worker.task)
        #expect(!FileManager.default.fileExists(atPath: task), "worker thread \(task) still runs")
    }

    /// Every batch arrives in order, then the end, and the worker is gone by then; an error is handed over
    /// in its batch's place, after the batches before it.
    @Test func theEndAndAnErrorComeAfterTheBatchesWithTheWorkerEnded() throws {
        for failing in [false, true] {
            let worker = WorkerID()
            var iterator = try PrefetchingIterator(depth: 2) { number in
                worker.record()
                if failing && number == 4 { throw MedPipeError.malformed("shard", "cut short") }
                return number < 5 ? LabeledBatch(inputs: [Float(number)], shape: [1, 1], labels: [number % 2]) : nil
            }
            for number in 0..<4 { #expect(try iterator.next()?.inputs == [Float(number)]) }
            if failing {
                #expect(throws: MedPipeError.self) { _ = try iterator.next() }
            } else {
                #expect(try iterator.next()?.inputs == [4])
                #expect(try iterator.next() == nil)
            }
            let task = try #require(worker.task)
            #expect(!FileManager.default.fileExists(atPath: task), "worker thread \(task) still runs")
        }
    }

    /// The `/proc` folder of the thread that made the batches (`/proc/PID/task/TID`), there while it runs.
    private final class WorkerID: @unchecked Sendable {
        // Safety: `value` is only touched with `lock` held.
        private let lock = NSLock()
        private var value: String?
        var task: String? { lock.withLock { value } }
        func record() {
            let task = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/thread-self")).map { "/proc/" + $0 }
            lock.withLock { value = task }
        }
    }
}
