import CMPI
import Foundation
import MedPipeCore

/// The ranks of an MPI job (`mpirun -np N medpipe …`, `srun medpipe …`) and the collectives MedPipe uses.
///
/// Open MPI is an optional runtime: `ProcessGroup.world` loads `libmpi.so.40` and calls `MPI_Init_thread`
/// at first use, and only when a launcher started this process (its environment says so); a plain run
/// has no group and never loads libmpi. Collectives are called from one thread at a time (MPI_THREAD_SERIALIZED),
/// and every rank must call the same collectives in the same order.
public final class ProcessGroup: Sendable {
    /// This process's rank, `0..<size`.
    public let rank: Int
    /// Ranks in the job.
    public let size: Int

    private init(rank: Int, size: Int) { self.rank = rank; self.size = size }

    /// The job's ranks when a launcher started this process (MPI started at first use), else nil.
    /// Failing to start MPI under a launcher ends the process with one error line.
    public static let world: ProcessGroup? = {
        guard medpipe_mpi_launched() != 0 else { return nil }
        var rank: Int32 = 0, size: Int32 = 0
        var message = [CChar](repeating: 0, count: 512)
        guard medpipe_mpi_start(&rank, &size, &message, message.count) == 0 else {
            StandardError.write("medpipe: error: MPI: \(String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))\n")
            exit(1)
        }
        return ProcessGroup(rank: Int(rank), size: Int(size))
    }()

    /// Whether this rank prints summaries and writes final files: rank 0, or the only process.
    public static var isLeader: Bool { (world?.rank ?? 0) == 0 }

    /// `"[rank r/N] "` under MPI, else empty: the prefix of every line a rank logs.
    public static var logPrefix: String {
        guard let world else { return "" }
        return "[rank \(world.rank)/\(world.size)] "
    }

    /// One point-to-point message of floats, for ``transfer(_:)``.
    public struct Message {
        fileprivate let message: medpipe_mpi_message

        /// `count` floats from `buffer` to rank `peer`.
        public static func send(_ buffer: UnsafePointer<Float>, count: Int, to peer: Int) -> Message {
            Message(message: medpipe_mpi_message(buffer: UnsafeMutablePointer(mutating: buffer), count: ProcessGroup.count(count), peer: Int32(peer), receive: 0))
        }

        /// `count` floats from rank `peer` into `buffer`.
        public static func receive(_ buffer: UnsafeMutablePointer<Float>, count: Int, from peer: Int) -> Message {
            Message(message: medpipe_mpi_message(buffer: buffer, count: ProcessGroup.count(count), peer: Int32(peer), receive: 1))
        }
    }

    /// Sends and receives `messages` all at once (MPI_Isend, MPI_Irecv) and returns when every receive is done, sleeping
    /// instead of spinning while it waits. The sends may still be pending: a send's buffer must stay unchanged and
    /// allocated until this rank's next call of any collective, which first waits for them; so a rank goes on as soon as
    /// it has its data, without waiting for a peer (sleeping, or descheduled on a busy machine) to take its own. Messages
    /// between two ranks match in the order each posts them: the sender's sends to a rank and that rank's receives from
    /// the sender must come in the same order with the same counts.
    /// Point-to-point messages straight between the ranks' own arrays: each rank receives only what it needs, with
    /// no packing (Open MPI's nonblocking reduce-scatter, by contrast, reduces the whole buffer on rank 0 and scatters it).
    public func transfer(_ messages: [Message]) {
        let raw = messages.map(\.message)
        Self.check(raw.withUnsafeBufferPointer { medpipe_mpi_transfer_floats($0.baseAddress, Self.count($0.count)) }, "MPI_Isend/MPI_Irecv")
    }

    /// Sums `values` over all ranks, in place.
    public func allreduceSum(_ values: inout [Double]) {
        values.withUnsafeMutableBufferPointer { b in
            Self.check(medpipe_mpi_allreduce_double(b.baseAddress, Self.count(b.count)), "MPI_Allreduce")
        }
    }

    /// Replaces `values` by rank `root`'s (all ranks must pass the same count).
    public func broadcast<T: BitwiseCopyable>(_ values: inout [T], from root: Int = 0) {
        values.withUnsafeMutableBytes { b in
            Self.check(medpipe_mpi_broadcast(b.baseAddress, Self.count(b.count), Int32(root)), "MPI_Bcast")
        }
    }

    /// Every rank's `values`, concatenated in rank order, on every rank (counts may differ between ranks).
    public func allGather<T: BitwiseCopyable>(_ values: [T]) -> [T] {
        let (byteCounts, displacements, total) = layout(of: values)
        let count = total / MemoryLayout<T>.stride
        return [T](unsafeUninitializedCapacity: count) { out, initialized in
            values.withUnsafeBytes { send in
                Self.check(medpipe_mpi_allgatherv(send.baseAddress, Self.count(send.count), out.baseAddress,
                                                  byteCounts, displacements), "MPI_Allgatherv")
            }
            initialized = count
        }
    }

    /// Every rank's bytes, by rank, on rank `root`; an empty list on the other ranks.
    public func gather(_ bytes: [UInt8], to root: Int = 0) -> [[UInt8]] {
        let (byteCounts, displacements, total) = layout(of: bytes)
        var received = [UInt8](repeating: 0, count: rank == root ? total : 0)
        bytes.withUnsafeBytes { send in
            received.withUnsafeMutableBytes { out in
                Self.check(medpipe_mpi_gatherv(send.baseAddress, Self.count(send.count), out.baseAddress,
                                               byteCounts, displacements, Int32(root)), "MPI_Gatherv")
            }
        }
        guard rank == root else { return [] }
        return (0..<size).map { r in Array(received[Int(displacements[r])..<(Int(displacements[r]) + Int(byteCounts[r]))]) }
    }

    /// Every rank's byte count for `values` (one allgather), their offsets in rank order, and the total.
    private func layout<T: BitwiseCopyable>(of values: [T]) -> (counts: [Int32], displacements: [Int32], total: Int) {
        var counts = [Int64](repeating: 0, count: size)
        var mine = Int64(values.count * MemoryLayout<T>.stride)
        withUnsafeBytes(of: &mine) { m in
            counts.withUnsafeMutableBytes { c in
                Self.check(medpipe_mpi_allgather(m.baseAddress, Int32(m.count), c.baseAddress), "MPI_Allgather")
            }
        }
        var displacements = [Int32](repeating: 0, count: size)
        var total = 0
        for r in 0..<size {
            displacements[r] = Self.count(total)
            total += Int(counts[r])
        }
        _ = Self.count(total)
        return (counts.map { Self.count(Int($0)) }, displacements, total)
    }

    /// Waits until every rank has called it.
    public func barrier() { Self.check(medpipe_mpi_barrier(), "MPI_Barrier") }

    /// Ends every rank of the job with `code` (MPI_Abort): what one rank's error does, so no rank waits forever.
    public func abort(code: Int32 = 1) -> Never {
        medpipe_mpi_abort(code)
        exit(code)
    }

    /// Ends MPI on this rank, after its last collective.
    public func finalize() { Self.check(medpipe_mpi_finalize(), "MPI_Finalize") }

    /// An element or byte count as MPI's `int`; MedPipe's buffers stay far below 2³¹ (else the job ends with an error).
    fileprivate static func count(_ n: Int) -> Int32 {
        if let c = Int32(exactly: n) { return c }
        StandardError.write("medpipe: error: \(logPrefix)MPI: a buffer of \(n) elements exceeds MPI's int count\n")
        medpipe_mpi_abort(1)
        return 0
    }

    /// Open MPI's default error handler aborts the job on a failed call; a code that still comes back does too.
    private static func check(_ code: Int32, _ call: String) {
        guard code != 0 else { return }
        StandardError.write("medpipe: error: \(logPrefix)\(call) failed with code \(code)\n")
        medpipe_mpi_abort(1)
    }
}
