#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import MedPipeCore

/// What each source file was the last time `convert` read it, so that a file unchanged since is not read again: its
/// content digest (and, for a file of a DICOM folder source, what listing its series found in it) come from the
/// record. An archive of 100,000 files converted again after a few were added reads those few; the others cost one
/// `stat` each.
///
/// A file counts as unchanged while its device, inode, size, modification time and status-change time (both in
/// nanoseconds) are all as recorded. Writing a file's bytes sets its status-change time to the current time, and no
/// tool can set that back, so an edit that restores the size and the modification time (`touch -r`, `rsync -t`) is
/// still seen. A file written again within one tick of the file system's clock after it was read would keep its
/// times: as git does for its index, a state is recorded only for a file whose times were at least ``settle`` seconds
/// old when it was read, and that did not change while it was read. `convert --rehash` ignores the records.
///
/// Paths are never stored, only keyed pseudonyms of them (an archive's folders are often named after patients), and
/// a remembered listing holds what the caller gives (a pseudonym of a series UID, never the UID).
/// Safe to use from several threads at once.
public final class SourceFileStates: @unchecked Sendable {
    /// A file's identity and times, from `stat`.
    public struct Signature: Equatable, Sendable {
        public var device: Int64, inode: Int64, size: Int64
        /// Modification and status-change times, nanoseconds since 1970.
        public var modified: Int64, changed: Int64

        /// The signature of the file at `path` (following symbolic links), or nil when it cannot be read.
        public init?(path: String) {
            var status = stat()
            guard stat(path, &status) == 0, status.st_mode & S_IFMT == S_IFREG else { return nil }
            self.init(device: Int64(bitPattern: UInt64(status.st_dev)), inode: Int64(bitPattern: UInt64(status.st_ino)),
                      size: Int64(status.st_size),
                      modified: Int64(status.st_mtim.tv_sec) &* 1_000_000_000 &+ Int64(status.st_mtim.tv_nsec),
                      changed: Int64(status.st_ctim.tv_sec) &* 1_000_000_000 &+ Int64(status.st_ctim.tv_nsec))
        }

        public init(device: Int64, inode: Int64, size: Int64, modified: Int64, changed: Int64) {
            (self.device, self.inode, self.size, self.modified, self.changed) = (device, inode, size, modified, changed)
        }
    }

    /// One file's record: its signature when read, and what was learnt from it then.
    public struct State: Equatable, Sendable {
        public var signature: Signature
        /// The SHA-256 of its bytes (``ContentHash``), when it was hashed.
        public var digest: String?
        /// What a DICOM folder's listing found in it, when it was listed.
        public var listing: String?

        public init(signature: Signature, digest: String? = nil, listing: String? = nil) {
            (self.signature, self.digest, self.listing) = (signature, digest, listing)
        }
    }

    /// Seconds a file's times must lie in the past, when it is read, for its state to be recorded.
    public let settle: Double
    /// The stored name of a path (a keyed pseudonym).
    private let name: @Sendable (String) -> String
    /// False when the records must not be used (`convert --rehash`): every file is read, and its state recorded anew.
    private let trusted: Bool
    private let lock = NSLock()
    // Guarded by `lock`.
    private let recorded: [String: State]
    private var learnt: [String: State] = [:]
    /// The stored names of the records that matched their file in this run.
    private var kept: Set<String> = []

    /// States recorded by an earlier run, by stored name (``Manifest``'s `source_file` table), which `name` gives for a
    /// path; used unless `trusted` is false.
    public init(recorded: [String: State], name: @escaping @Sendable (String) -> String, trusted: Bool = true, settle: Double = 2) {
        self.recorded = recorded
        self.name = name
        self.trusted = trusted
        self.settle = settle
    }

    /// The digest of the file at `path`: the recorded one when the file is unchanged since, else `read()`'s.
    public func digest(of path: String, read: () throws -> String) throws -> String {
        try value(path, \.digest, current: { _ in true }, read)
    }

    /// What listing found in the file at `path`: the recorded finding when the file is unchanged since and `current`
    /// accepts it (a finding of another format, recorded by another medpipe, is not), else `parse()`'s.
    public func listing(of path: String, current: (String) -> Bool = { _ in true }, parse: () throws -> String) throws -> String {
        try value(path, \.listing, current: current, parse)
    }

    /// What to store after this run, by stored name: the states learnt (new, or an earlier record with more learnt
    /// of it), and the earlier records that no longer hold (their file changed, or was not met in this run).
    public func changes() -> (learnt: [String: State], stale: [String]) {
        lock.lock()
        defer { lock.unlock() }
        return (learnt, recorded.keys.filter { !kept.contains($0) && learnt[$0] == nil })
    }

    /// The value at `field` of `path`'s state, from the record when the file is unchanged, else computed and learnt.
    private func value(_ path: String, _ field: WritableKeyPath<State, String?>, current: (String) -> Bool,
                       _ compute: () throws -> String) throws -> String {
        let key = name(path)
        guard let before = Signature(path: path) else { return try compute() }
        lock.lock()
        let known = learnt[key] ?? (trusted ? recorded[key] : nil)
        if trusted, recorded[key]?.signature == before { kept.insert(key) }
        lock.unlock()
        if let known, known.signature == before, let value = known[keyPath: field], current(value) { return value }
        let start = Date().timeIntervalSince1970
        let value = try compute()
        let settledBefore = Int64((start - settle) * 1e9)
        guard before.modified < settledBefore, before.changed < settledBefore, Signature(path: path) == before else { return value }
        lock.lock()
        var state = known.flatMap { $0.signature == before ? $0 : nil } ?? State(signature: before)
        state[keyPath: field] = value
        learnt[key] = state
        lock.unlock()
        return value
    }
}
