#if canImport(Glibc)
import Glibc
#endif
import MedPipeCore

/// A POSIX thread that can be waited for. `join()` returns once the thread has wholly ended, its
/// thread-local state released: among it glibc's malloc arena, which the next thread started then
/// takes over with the memory it keeps. Foundation's `Thread` is detached and cannot tell this.
final class JoinableThread: @unchecked Sendable {
    // Safety: `handle` is written once, in `init`; `joined` only by the one thread that joins.
    private var handle = pthread_t()
    private var joined = false

    /// Starts `body` on a new thread named `name` (the system keeps its first 15 bytes).
    /// - Throws: `.invalidArgument` when the system refuses another thread.
    init(name: String, _ body: @escaping @Sendable () -> Void) throws {
        let context = Unmanaged.passRetained(Body(body)).toOpaque()
        let status = pthread_create(&handle, nil, { context in
            Unmanaged<Body>.fromOpaque(context!).takeRetainedValue().run()
            return nil
        }, context)
        guard status == 0 else {
            Unmanaged<Body>.fromOpaque(context).release()
            throw MedPipeError.invalidArgument(name, "the system refused a thread: \(String(cString: strerror(status)))")
        }
        _ = GlibcFunction.named("pthread_setname_np", as: (@convention(c) (pthread_t, UnsafePointer<CChar>) -> Int32).self)?(
            handle, String(name.utf8.prefix(15))!)
    }

    /// Waits until the thread has ended; returns at once after the first call. Never call it on the
    /// thread itself.
    func join() {
        guard !joined else { return }
        joined = true
        pthread_join(handle, nil)
    }

    /// The work, boxed to cross `pthread_create`'s context pointer.
    private final class Body {
        let run: @Sendable () -> Void
        init(_ run: @escaping @Sendable () -> Void) { self.run = run }
    }
}
