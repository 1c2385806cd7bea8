/// Results filled in by concurrent workers, one slot each (a file hashed, a batch explained).
public final class ConcurrentResults<T>: @unchecked Sendable {
    // Safety: the slots are allocated once and never move; each is written by exactly one worker,
    // and all are read only after every worker has finished.
    private let slots: UnsafeMutablePointer<Result<T, Error>?>
    private let count: Int

    public init(count: Int) {
        self.count = count
        slots = .allocate(capacity: max(count, 1))
        slots.initialize(repeating: nil, count: count)
    }

    deinit {
        slots.deinitialize(count: count)
        slots.deallocate()
    }

    /// Fills slot `index`; call it once per slot, from the worker that owns it.
    public func set(_ index: Int, _ result: Result<T, Error>) { slots[index] = result }

    /// Every slot's value in order, or the error of the first slot that failed (or was never filled).
    public func values() throws -> [T] {
        try results().map { try $0.get() }
    }

    /// Every slot's result in order (a slot never filled as a failure).
    public func results() -> [Result<T, Error>] {
        (0..<count).map { i in
            slots[i] ?? .failure(MedPipeError.invalidArgument("worker", "slot \(i) of \(count) was never filled"))
        }
    }
}
