import Foundation
import MedPipeCache
import MedPipeCore
import MedPipeMPI

extension Converter {
    /// `convert` over the ranks of an MPI job (`mpirun -np N medpipe convert`): every rank plans the same work,
    /// takes its share of the sources not yet in the cache (balanced by size: one MR series weighs more than a
    /// PNG) and processes them, `jobs` at a time; after each round the units go to rank 0, the cache's one
    /// writer, which commits them as a single process does (shard bytes fsynced, then their manifest rows) and
    /// at the end splits, fits and plans. The cache equals a one-process run's: the same entries in the same
    /// order (by plan position), arrays and keys. A killed job resumes with any number of ranks.
    ///
    /// Returns the summary on rank 0, nil on the other ranks. With one rank it is ``run(_:)``.
    public func run(_ options: ConvertOptions, over group: ProcessGroup) async throws -> ConvertSummary? {
        guard group.size > 1 else { return try await run(options) }
        var leader = group.rank == 0 ? try Run(self, options) : nil
        let work = try leader?.work ?? plan(strict: options.strict).items
        // Every rank must plan the same sources with the same keys (the same files on a shared file system).
        var digest = Array(ContentHash.of(Array(work.map(\.key).joined(separator: "\n").utf8)).utf8)
        let mine = digest
        group.broadcast(&digest)
        guard digest == mine else {
            throw MedPipeError.invalidArgument(recipe.file, "rank \(group.rank) plans other sources than rank 0: do all ranks see the same files?")
        }
        // Rank 0 knows which units the cache holds already.
        var pendingFlags = leader.map { run in
            let pending = Set(run.pending.map(\.key))
            return work.map { pending.contains($0.key) ? UInt8(1) : 0 }
        } ?? [UInt8](repeating: 0, count: work.count)
        group.broadcast(&pendingFlags)
        let share = Self.shares(of: work.indices.filter { pendingFlags[$0] != 0 }, sizes: work.map(Self.sourceSize), ranks: group.size)[group.rank]

        var next = share.startIndex
        while true {
            let round = Array(share[next..<min(next + options.jobs, share.endIndex)])
            next += round.count
            let results = try await processConcurrently(round.map { work[$0] })
            if options.strict, let failure = results.lazy.compactMap({ if case .failure(let e) = $0 { e } else { nil } }).first {
                throw failure
            }
            let gathered = group.gather(try UnitTransfer.encode(zip(round, results).map { ($0, $1) }))
            if leader != nil {
                for (rank, bytes) in gathered.enumerated() {
                    for (index, result) in try UnitTransfer.decode(bytes, from: rank) {
                        guard work.indices.contains(index) else { throw MedPipeError.malformed("rank \(rank)", "sent a unit for source \(index) of \(work.count)") }
                        try leader!.record(work[index], result)
                    }
                }
            }
            var remaining = [Double(share.endIndex - next)]
            group.allreduceSum(&remaining)
            if remaining[0] == 0 { break }
        }
        return try leader?.finish()
    }

    /// Processes `items` at once; the results in the items' order.
    private func processConcurrently(_ items: [WorkItem]) async throws -> [Result<(CacheUnit, [String: Int]), MedPipeError>] {
        try await withThrowingTaskGroup(of: (Int, Result<(CacheUnit, [String: Int]), MedPipeError>).self) { group in
            for (i, item) in items.enumerated() {
                group.addTask { (i, Result(catching: { () throws(MedPipeError) in try process(item) })) }
            }
            var results = [Result<(CacheUnit, [String: Int]), MedPipeError>?](repeating: nil, count: items.count)
            for try await (i, result) in group { results[i] = result }
            return results.map { $0! }
        }
    }

    /// The bytes a source occupies on disk (a folder's files summed): the weight of its work.
    static func sourceSize(_ item: WorkItem) -> Int {
        let path = item.image?.path ?? item.path
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        guard manager.fileExists(atPath: path, isDirectory: &isDirectory) else { return 0 }
        guard isDirectory.boolValue else { return ((try? manager.attributesOfItem(atPath: path))?[.size] as? Int) ?? 0 }
        var total = 0
        guard let files = manager.enumerator(atPath: path) else { return 0 }
        for case let file as String in files {
            total += ((try? manager.attributesOfItem(atPath: path + "/" + file))?[.size] as? Int) ?? 0
        }
        return total
    }

    /// The work items (indices) of each rank: heaviest first to the least loaded rank (ties to the lower
    /// index and rank), each rank's share then in plan order. The same on every rank.
    static func shares(of indices: [Int], sizes: [Int], ranks: Int) -> [[Int]] {
        var load = [Int](repeating: 0, count: ranks)
        var shares = [[Int]](repeating: [], count: ranks)
        for i in indices.sorted(by: { (sizes[$0], $1) > (sizes[$1], $0) }) {
            let r = load.indices.min { (load[$0], $0) < (load[$1], $1) }!
            shares[r].append(i)
            load[r] += max(sizes[i], 1)
        }
        return shares.map { $0.sorted() }
    }
}
