import Dispatch

/// Runs `body(i)` for every `i` in `0..<count` on all cores and returns when all are done.
/// `body` must touch only state that no other iteration touches (e.g. its own slot of a buffer).
public func concurrentForEach(_ count: Int, _ body: (Int) -> Void) {
    struct UncheckedBody: @unchecked Sendable { let body: (Int) -> Void }
    withoutActuallyEscaping(body) { escapable in
        let box = UncheckedBody(body: escapable)
        DispatchQueue.concurrentPerform(iterations: count) { box.body($0) }
    }
}
