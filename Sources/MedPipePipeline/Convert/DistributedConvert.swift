import Foundation
import MedPipeCache
import MedPipeCore
import MedPipeMPI

extension Converter {
    /// `convert` over the ranks of an MPI job (`mpirun -np N medpipe convert`): every rank plans the same work,
    /// takes its share of the sources not yet in the cache (balanced by size: one MR series weighs more than a
    /// PNG) and processes them, `jobs` at a time. After each round every rank appends its units' tensors to
    /// shards of its own (numbered so that ranks never share one, see ``ShardAppender``) and fsyncs them, then
    /// sends only their manifest rows to rank 0, the cache's one writer (it holds the lock), which commits them
    /// in plan order and at the end splits, fits and plans. The cache equals a one-process run's: the same
    /// entries in the same order (by plan position), arrays and keys. A killed job leaves at most unreferenced
    /// shard bytes, and resumes with any number of ranks.
    ///
    /// Returns the summary on rank 0, nil on the other ranks. With one rank it is ``run(_:)``.
    public func run(_ options: ConvertOptions, over group: ProcessGroup) async throws -> ConvertSummary? {
        guard group.size > 1 else { return try await run(options) }
        var leader = group.rank == 0 ? try Run(self, options, ranks: group.size) : nil
        // The other ranks use the source file states as they find them (rank 0 may have recorded this run's already:
        // a record, old or new, only ever matches a file as it was when recorded).
        let work = try leader?.work ?? plan(strict: options.strict, states: recordedStates(options)).items
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
        // Rank 0's writer numbers the job's shards from above every existing one; the other ranks open theirs.
        var base = [leader?.writer.shardBase ?? 0]
        group.broadcast(&base)
        let appender = leader == nil
            ? try ShardAppender(cacheDirectory: options.cache ?? recipe.cache, rank: group.rank, ranks: group.size, base: base[0]) : nil
        let share = Self.shares(of: work.indices.filter { pendingFlags[$0] != 0 }, sizes: work.map(Self.sourceSize), ranks: group.size)[group.rank]

        var next = share.startIndex
        while true {
            let round = Array(share[next..<min(next + options.jobs, share.endIndex)])
            next += round.count
            let results = try await processConcurrently(round.map { work[$0] })
            if options.strict, let failure = results.lazy.compactMap({ if case .failure(let e) = $0 { e } else { nil } }).first {
                throw failure
            }
            // Tensors go to this rank's shard, durable before their rows are sent (rank 0's own at its writer's flush).
            let stored = try zip(round, results).map { index, result -> (index: Int, outcome: UnitTransfer.Outcome) in
                switch result {
                case .success(let processed): (index, .success(processed.with(try leader?.writer.store(processed.unit) ?? appender!.store(processed.unit))))
                case .failure(let error): (index, .failure(error))
                }
            }
            try appender?.sync()
            let gathered = group.gather(try UnitTransfer.encode(stored))
            if leader != nil {
                var outcomes: [(index: Int, outcome: UnitTransfer.Outcome)] = []
                for (rank, bytes) in gathered.enumerated() {
                    for (index, outcome) in try UnitTransfer.decode(bytes, from: rank) {
                        guard work.indices.contains(index) else { throw MedPipeError.malformed("rank \(rank)", "sent a unit for source \(index) of \(work.count)") }
                        outcomes.append((index, outcome))
                    }
                }
                for (index, outcome) in outcomes.sorted(by: { $0.index < $1.index }) { try leader!.record(work[index], outcome) }
            }
            var remaining = [Double(share.endIndex - next)]
            group.allreduceSum(&remaining)
            if remaining[0] == 0 { break }
        }
        return try leader?.finish()
    }

    /// The source file states of the cache, for a rank other than 0, which does not open it for writing: none for a new
    /// cache, or with --rehash, or when they cannot be read (they only spare reading files).
    private func recordedStates(_ options: ConvertOptions) -> SourceFileStates? {
        let directory = options.cache ?? recipe.cache
        guard !options.rehash, FileManager.default.fileExists(atPath: directory + "/manifest.sqlite") else { return nil }
        return try? DatasetCache(directory: directory).sourceFileStates(name: sourceFileName)
    }

    /// Processes `items` at once; the results in the items' order.
    private func processConcurrently(_ items: [WorkItem]) async throws -> [Result<ProcessedSource<CacheUnit>, MedPipeError>] {
        try await withThrowingTaskGroup(of: (Int, Result<ProcessedSource<CacheUnit>, MedPipeError>).self) { group in
            for (i, item) in items.enumerated() {
                group.addTask { (i, Result(catching: { () throws(MedPipeError) in try process(item) })) }
            }
            var results = [Result<ProcessedSource<CacheUnit>, MedPipeError>?](repeating: nil, count: items.count)
            for try await (i, result) in group { results[i] = result }
            return results.map { $0! }
        }
    }

    /// The bytes a source occupies on disk (the files of a folder that a reader reads, summed): the weight of its work.
    static func sourceSize(_ item: WorkItem) -> Int {
        let path = item.image?.path ?? item.path
        let files = item.series?.files ?? (FileBytes.isRegularFile(path) ? [path] : (try? FolderWalk(path).files) ?? [])
        return files.reduce(0) { $0 + ((try? FileBytes.size($1)) ?? 0) }
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
