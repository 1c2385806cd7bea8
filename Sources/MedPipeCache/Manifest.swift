import Foundation
import GRDB
import GRDBSQLite
import MedPipeCore

/// The cache's `manifest.sqlite`: units, entries, rejected inputs, sampling plans and named metadata.
///
/// Every change is one SQLite transaction (rollback journal, `synchronous = FULL`), so a crash leaves
/// either the whole change or none of it.
///
/// Entries are listed in the order of their unit's `position` (the place of its source in the
/// recipe's plan, set by ``finalize(splits:plans:meta:positions:)``), then their item number: an
/// order that does not depend on which worker finished first, nor on where a killed run stopped.
final class Manifest: Sendable {
    /// The cache format this code reads and writes, stored as the `format_version` row of `meta` (caches
    /// written before the row existed are version 1). A cache of a newer version is refused, never misread.
    /// Bump it, with a migration that rewrites the row, whenever a table, column, key or encoding changes
    /// in a way an older reader would misread (README: "Cache format").
    static let formatVersion = 2

    let database: ManifestConnection
    let path: String
    /// False for a cache written before units had positions, opened read-only (so not migrated):
    /// its entries are listed in insertion order.
    private let hasPositions: Bool

    /// Opens `directory/manifest.sqlite`; `directory` names the cache in errors.
    init(directory: String, readOnly: Bool = false) throws {
        let path = directory + "/manifest.sqlite"
        self.path = path
        // SQLite would wait forever on a FIFO under the manifest's name, and fail on a folder with "disk I/O error".
        if FileManager.default.fileExists(atPath: path), !FileBytes.isRegularFile(path) {
            throw MedPipeError.io(path, "is not a regular file, so not a cache manifest")
        }
        var configuration = Configuration()
        configuration.readonly = readOnly
        configuration.label = "medpipe-manifest"
        // A reader (another rank of an MPI convert, `cache info` during a convert) waits for a writer's commit to end.
        configuration.busyMode = .timeout(30)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        let queue = try ManifestConnection.converting(path, "cannot open the cache manifest") {
            readOnly ? try Self.openForReading(path, directory: directory, configuration: configuration)
                     : try DatabaseQueue(path: path, configuration: configuration)
        }
        if !readOnly {
            try ManifestConnection.converting(path, "cannot open the cache manifest", queue: queue) {
                try Self.checkFormatVersion(queue, directory: directory)
                try Self.migrator.migrate(queue)
                try Self.createSourceFileTable(queue)
            }
        }
        database = ManifestConnection(queue: queue, path: path)
        hasPositions = try database.read { db in try db.columns(in: "unit").contains { $0.name == "position" } }
    }

    /// Opens the manifest read-only. A writer killed mid-transaction leaves a hot journal that only a
    /// writable connection may roll back: then one is opened briefly to recover, and the read retried.
    /// A manifest killed before its first commit has no schema yet: it reads as an empty cache.
    private static func openForReading(_ path: String, directory: String, configuration: Configuration) throws -> DatabaseQueue {
        func open() throws -> (DatabaseQueue, Bool) {
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            return (queue, try queue.read { try $0.tableExists("entry") })
        }
        let queue: DatabaseQueue, exists: Bool
        do {
            (queue, exists) = try open()
        } catch let error as DatabaseError where error.resultCode == .SQLITE_READONLY {
            var recovery = configuration
            recovery.readonly = false
            try DatabaseQueue(path: path, configuration: recovery).read { _ in }
            (queue, exists) = try open()
        }
        try checkFormatVersion(queue, directory: directory)
        if exists { return queue }
        // Killed before its first commit, a convert leaves no table, or only GRDB's list of migrations.
        let others = try queue.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name != 'grdb_migrations' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        }
        guard others.isEmpty else {
            throw MedPipeError.malformed(path, "not a MedPipe cache manifest: it has no entry table, but tables \(others.joined(separator: ", "))")
        }
        let empty = try DatabaseQueue()
        try migrator.migrate(empty)
        return empty
    }

    /// Refuses a cache written in a newer format than ``formatVersion`` (before any migration touches it).
    private static func checkFormatVersion(_ database: DatabaseQueue, directory: String) throws {
        let text = try database.read { db -> String? in
            guard try db.tableExists("meta") else { return nil }
            return try String.fetchOne(db, sql: "SELECT value FROM meta WHERE name = 'format_version'")
        }
        guard let text else { return }
        guard let version = Int(text), version >= 1 else {
            throw MedPipeError.malformed(directory, "the cache's format_version is not a positive number: '\(text)'")
        }
        guard version <= formatVersion else {
            throw MedPipeError.unsupported(directory, "cache format version \(version) is newer than this medpipe reads (up to \(formatVersion)); update medpipe, or convert into a new cache")
        }
    }

    private static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
                CREATE TABLE unit (
                    key TEXT PRIMARY KEY,
                    source TEXT NOT NULL,
                    item_count INTEGER NOT NULL,
                    rejected_reason TEXT
                );
                CREATE TABLE entry (
                    id INTEGER PRIMARY KEY,
                    unit TEXT NOT NULL REFERENCES unit(key) ON DELETE CASCADE,
                    item INTEGER NOT NULL,
                    source TEXT NOT NULL,
                    group_key TEXT NOT NULL,
                    label TEXT,
                    split TEXT,
                    dtype TEXT NOT NULL,
                    shape TEXT NOT NULL,
                    shard INTEGER NOT NULL,
                    offset INTEGER NOT NULL,
                    length INTEGER NOT NULL,
                    sha256 TEXT NOT NULL,
                    geometry TEXT,
                    metadata TEXT NOT NULL,
                    UNIQUE (unit, item)
                );
                CREATE INDEX entry_split ON entry(split, label);
                CREATE TABLE plan (
                    split TEXT NOT NULL,
                    position INTEGER NOT NULL,
                    entry INTEGER NOT NULL REFERENCES entry(id) ON DELETE CASCADE,
                    PRIMARY KEY (split, position)
                );
                """)
        }
        // Format 1 is the v1 schema; caches written before the row existed are format 1 too.
        migrator.registerMigration("format-version") { db in
            try db.execute(sql: "INSERT OR IGNORE INTO meta (name, value) VALUES ('format_version', '1')")
        }
        // Format 2: units have the position of their source in the recipe's plan, which orders the entries.
        migrator.registerMigration("v2 unit position") { db in
            try db.execute(sql: "ALTER TABLE unit ADD COLUMN position INTEGER NOT NULL DEFAULT 0")
            try db.execute(sql: "UPDATE meta SET value = '2' WHERE name = 'format_version'")
        }
        return migrator
    }

    /// The columns of the `source_file` table, in order.
    private static let sourceFileColumns = ["name", "device", "inode", "size", "modified_ns", "changed_ns", "sha256", "listing"]

    /// Creates the `source_file` table of ``SourceFileStates`` when missing. It is outside the migrations and the format
    /// version: a medpipe that does not know it leaves it as it is, and a record can only ever match its file as it
    /// was when recorded, so one left stale by such a run is never wrong, only unused.
    private static func createSourceFileTable(_ database: DatabaseQueue) throws {
        try database.write { db in
            // A table of this name in another shape (hand-made, or from a medpipe that stored other columns) holds
            // nothing this one can trust: it is made anew.
            let columns = try db.tableExists("source_file") ? try db.columns(in: "source_file").map(\.name) : sourceFileColumns
            if columns != sourceFileColumns { try db.execute(sql: "DROP TABLE source_file") }
            try db.execute(sql: """
                CREATE TABLE IF NOT EXISTS source_file (
                    name TEXT PRIMARY KEY,
                    device INTEGER NOT NULL, inode INTEGER NOT NULL, size INTEGER NOT NULL,
                    modified_ns INTEGER NOT NULL, changed_ns INTEGER NOT NULL,
                    sha256 TEXT, listing TEXT
                ) WITHOUT ROWID
                """)
        }
    }

    // MARK: Reading

    /// The states of source files recorded by earlier runs, by stored name (``SourceFileStates``).
    func sourceFileStates() throws -> [String: SourceFileStates.State] {
        try database.read { db in
            guard try db.tableExists("source_file"), try db.columns(in: "source_file").map(\.name) == Self.sourceFileColumns
            else { return [:] }
            var states: [String: SourceFileStates.State] = [:]
            let rows = try Row.fetchCursor(db, sql: "SELECT \(Self.sourceFileColumns.joined(separator: ", ")) FROM source_file")
            // A record only spares reading a file: one whose columns are not what medpipe writes is left out, not trusted.
            while let row = try rows.next() {
                guard let name = try? row.decode(String.self, atIndex: 0), let device = try? row.decode(Int64.self, atIndex: 1),
                      let inode = try? row.decode(Int64.self, atIndex: 2), let size = try? row.decode(Int64.self, atIndex: 3),
                      let modified = try? row.decode(Int64.self, atIndex: 4), let changed = try? row.decode(Int64.self, atIndex: 5),
                      let digest = Self.optionalText(row, 6), let listing = Self.optionalText(row, 7)
                else { continue }
                let signature = SourceFileStates.Signature(device: device, inode: inode, size: size, modified: modified, changed: changed)
                states[name] = SourceFileStates.State(signature: signature, digest: digest, listing: listing)
            }
            return states
        }
    }

    /// The text in column `index` of `row`: `.some(nil)` for NULL (a record of a file never hashed, or never listed),
    /// nil for a value that is not text. (`try? row.decode(String?.self, …)` flattens the two.)
    private static func optionalText(_ row: Row, _ index: Int) -> String?? {
        let value: DatabaseValue = row[index]
        switch value.storage {
        case .null: return .some(nil)
        case .string(let text): return .some(text)
        default: return nil
        }
    }

    func unitKeys() throws -> Set<String> {
        try database.read { db in Set(try String.fetchAll(db, sql: "SELECT key FROM unit")) }
    }

    /// The entries of `split` (all entries when nil) in the cache's order; with `limit`, the first `limit` of them.
    func entries(split: String? = nil, limit: Int? = nil) throws -> [CacheEntry] {
        let columns = EntryRowDecoder.columns.map { "entry.\($0)" }.joined(separator: ", ")
        let select = hasPositions ? "SELECT \(columns) FROM entry JOIN unit ON unit.key = entry.unit" : "SELECT \(columns) FROM entry"
        // Within a unit, ids follow the item numbers (a unit's rows are inserted in order, in one
        // transaction); units not positioned yet keep their insertion order.
        let order = hasPositions ? "ORDER BY unit.position, entry.id" : "ORDER BY id"
        let filter = split == nil ? "" : "WHERE entry.split = ?"
        let bound = limit.map { "LIMIT \(max($0, 0))" } ?? ""
        // Row by row through a cursor: all the rows fetched first, then decoded, held every row twice at the peak (about
        // 1 KB per row of a table's entries, whose metadata JSON names the columns).
        return try database.read { db in
            let statement = try db.makeStatement(sql: "\(select) \(filter) \(order) \(bound)")
            if let split { try statement.setArguments([split]) }
            let rows = try Row.fetchCursor(statement)
            var decoder = EntryRowDecoder(manifest: path, statement: statement.sqliteStatement)
            var entries: [CacheEntry] = []
            // Room for every row at once: grown by doubling, the array held up to twice the rows, and three times as it moved.
            // A small limit (one entry, a few samples to explain) is room enough without counting the rows.
            let room = if let limit, limit <= 1024 { max(limit, 0) } else { min(try Self.entryCount(db, split: split), limit ?? .max) }
            entries.reserveCapacity(room)
            while try rows.next() != nil { entries.append(try decoder.entry()) }
            return entries
        }
    }

    /// How many entries `split` holds (all entries when nil), counted by SQLite without reading them.
    func entryCount(split: String? = nil) throws -> Int {
        try database.read { db in try Self.entryCount(db, split: split) }
    }

    private static func entryCount(_ db: Database, split: String?) throws -> Int {
        let count = if let split {
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM entry WHERE split = ?", arguments: [split])
        } else {
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM entry")
        }
        return count ?? 0
    }

    /// How many entries have no split yet (stored by a convert that did not finish).
    func unsplitCount() throws -> Int {
        try database.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM entry WHERE split IS NULL") ?? 0 }
    }

    /// Every distinct label of the entries, in no order.
    /// - Throws: `.malformed` naming the manifest and the entry for a label that is not text (as reading the entries would).
    func labels() throws -> Set<String> {
        try database.read { db in
            if let id = try Int64.fetchOne(db, sql: "SELECT id FROM entry WHERE label IS NOT NULL AND typeof(label) != 'text' LIMIT 1") {
                throw MedPipeError.malformed(path, "entry \(id)'s label is not text")
            }
            return Set(try String.fetchAll(db, sql: "SELECT DISTINCT label FROM entry WHERE label IS NOT NULL"))
        }
    }

    /// The distinct groups (patient pseudonyms) of the entries of `split`, in no order.
    func groups(split: String) throws -> [String] {
        try database.read { db in try String.fetchAll(db, sql: "SELECT DISTINCT group_key FROM entry WHERE split = ?", arguments: [split]) }
    }

    /// The split of every group whose entries are split, all into one (a group found in two is left out), by group.
    func groupSplits() throws -> [String: String] {
        try database.read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT group_key, MIN(split), MAX(split) FROM entry WHERE split IS NOT NULL GROUP BY group_key")
            var splits: [String: String] = [:]
            for row in rows {
                let group: String = try row.decode(atIndex: 0), first: String = try row.decode(atIndex: 1), last: String = try row.decode(atIndex: 2)
                if first == last { splits[group] = first }
            }
            return splits
        }
    }

    func plan(split: String) throws -> [Int64] {
        try database.read { db in
            try Int64.fetchAll(db, sql: "SELECT entry FROM plan WHERE split = ? ORDER BY position", arguments: [split])
        }
    }

    func meta(_ name: String) throws -> String? {
        try database.read { db in try String.fetchOne(db, sql: "SELECT value FROM meta WHERE name = ?", arguments: [name]) }
    }

    /// The reason of every rejected unit, by unit key.
    func rejectedReasons() throws -> [String: String] {
        try database.read { db in
            Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT key, rejected_reason FROM unit WHERE rejected_reason IS NOT NULL")
                .map { (try $0.decode(atIndex: 0), try $0.decode(atIndex: 1)) })
        }
    }

    func rejected() throws -> [(source: String, reason: String)] {
        try database.read { db in
            try Row.fetchAll(db, sql: "SELECT source, rejected_reason FROM unit WHERE rejected_reason IS NOT NULL ORDER BY source")
                .map { (source: try $0.decode(atIndex: 0), reason: try $0.decode(atIndex: 1)) }
        }
    }

    /// Units whose stored entry count differs from what they declare (should never happen).
    func incompleteUnits() throws -> [String] {
        try database.read { db in
            try String.fetchAll(db, sql: """
                SELECT u.key FROM unit u LEFT JOIN entry e ON e.unit = u.key
                GROUP BY u.key HAVING COUNT(e.id) != u.item_count
                """)
        }
    }

    /// What SQLite's `integrity_check` finds wrong in the manifest file, at most `limit` lines: damaged pages, and indexes
    /// that disagree with their tables, through which a query by split would list some of the split's entries and
    /// leave the rest out without an error. Empty when the file is sound.
    func integrityProblems(limit: Int) throws -> [String] {
        try database.read { db in
            try String.fetchAll(db, sql: "PRAGMA integrity_check(\(max(1, limit)))").filter { $0 != "ok" }
        }
    }

    /// Rows of the sampling plans, at most `limit`, that name an entry the manifest does not hold, or one of another
    /// split: `finalize` writes each split's plan from that split's entries in the transaction that sets them.
    /// `missing` when the manifest holds no such entry, else the entry's split (nil: none).
    func strayPlanRows(limit: Int) throws -> [(split: String, position: Int, entry: Int64, missing: Bool, entrySplit: String?)] {
        try database.read { db in
            try Row.fetchAll(db, sql: """
                SELECT p.split, p.position, p.entry, e.id IS NULL, e.split FROM plan p LEFT JOIN entry e ON e.id = p.entry
                WHERE e.id IS NULL OR e.split IS NOT p.split ORDER BY p.split, p.position LIMIT ?
                """, arguments: [limit]).map { row in
                (try row.decode(atIndex: 0), try row.decode(atIndex: 1), try row.decode(atIndex: 2), try row.decode(atIndex: 3), try row.decode(atIndex: 4))
            }
        }
    }

    // MARK: Writing

    /// A row of the `unit` table to insert: a unit with its entries, or a source rejected with its reason.
    enum UnitRow {
        case stored(StoredUnit)
        case rejected(key: String, source: String, reason: String)

        var key: String {
            switch self {
            case .stored(let unit): unit.key
            case .rejected(let key, _, _): key
            }
        }
    }

    /// Inserts whole units with their entries (already written to a synced shard), and rejections, in order, in one transaction.
    func commit(_ rows: [UnitRow]) throws {
        try database.write { db in
            // Prepared once per transaction, not parsed again for every row.
            let insertUnit = try db.cachedStatement(sql: "INSERT OR REPLACE INTO unit (key, source, item_count, rejected_reason) VALUES (?, ?, ?, NULL)")
            let insertEntry = try db.cachedStatement(sql: """
                INSERT INTO entry (unit, item, source, group_key, label, dtype, shape, shard, offset, length, sha256, geometry, metadata)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            let encoder = JSONCoding.encoder()
            func json<T: Encodable>(_ value: T) throws -> String { String(decoding: try encoder.encode(value), as: UTF8.self) }
            let insertRejection = try db.cachedStatement(sql: "INSERT OR REPLACE INTO unit (key, source, item_count, rejected_reason) VALUES (?, ?, 0, ?)")
            for row in rows {
                switch row {
                case .rejected(let key, let source, let reason):
                    try insertRejection.execute(arguments: [key, source, reason])
                case .stored(let unit):
                    try insertUnit.execute(arguments: [unit.key, unit.source, unit.items.count])
                    for (index, item) in unit.items.enumerated() {
                        try insertEntry.execute(arguments: [
                            unit.key, index, unit.source, item.group, item.label, item.dtype.rawValue,
                            "[" + item.shape.map(String.init).joined(separator: ",") + "]", item.shard,
                            item.offset, item.length, item.sha256, try item.geometry.map(json), try json(item.metadata),
                        ])
                    }
                }
            }
        }
    }

    /// Stores the states ``SourceFileStates`` learnt and removes the stale ones, in one transaction.
    func saveSourceFiles(learnt: [String: SourceFileStates.State], stale: [String]) throws {
        guard !learnt.isEmpty || !stale.isEmpty else { return }
        try database.write { db in
            let delete = try db.cachedStatement(sql: "DELETE FROM source_file WHERE name = ?")
            for name in stale { try delete.execute(arguments: [name]) }
            let insert = try db.cachedStatement(sql: """
                INSERT OR REPLACE INTO source_file (name, device, inode, size, modified_ns, changed_ns, sha256, listing)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for (name, state) in learnt {
                let s = state.signature
                try insert.execute(arguments: [name, s.device, s.inode, s.size, s.modified, s.changed, state.digest, state.listing])
            }
        }
    }

    /// Deletes units (and their entries and plan rows) whose keys are not in `keep`.
    ///
    /// `plan.entry` has no index, so deleting an entry makes SQLite look for the plan rows that reference it
    /// (foreign keys) through the whole plan table: deleting the stale units one by one made a run that changed
    /// every unit of an image set quadratic (8 of its 10 s at 10,000 images). The plan is therefore emptied
    /// first and its other rows put back after, in the same transaction.
    func removeUnits(notIn keep: Set<String>) throws -> Int {
        try database.write { db in
            let stale = try String.fetchAll(db, sql: "SELECT key FROM unit").filter { !keep.contains($0) }
            guard !stale.isEmpty else { return 0 }
            let entriesOfUnit = try db.cachedStatement(sql: "SELECT id FROM entry WHERE unit = ?")
            var staleEntries = Set<Int64>()
            for key in stale { staleEntries.formUnion(try Int64.fetchAll(entriesOfUnit, arguments: [key])) }
            let keptPlan = try Row.fetchAll(db, sql: "SELECT split, position, entry FROM plan ORDER BY rowid")
                .filter { !staleEntries.contains(try $0.decode(atIndex: 2)) }
            try db.execute(sql: "DELETE FROM plan")
            let deleteEntries = try db.cachedStatement(sql: "DELETE FROM entry WHERE unit = ?")
            let deleteUnit = try db.cachedStatement(sql: "DELETE FROM unit WHERE key = ?")
            for key in stale {
                try deleteEntries.execute(arguments: [key])
                try deleteUnit.execute(arguments: [key])
            }
            let insertPlan = try db.cachedStatement(sql: "INSERT INTO plan (split, position, entry) VALUES (?, ?, ?)")
            for row in keptPlan { try insertPlan.execute(arguments: [row[0], row[1], row[2]] as StatementArguments) }
            return stale.count
        }
    }

    /// The meta entry counting the finalizations that changed the cache (``finalize(splits:plans:meta:positions:)``).
    static let generationMeta = "generation"

    /// Sets every unit's position, every entry's split, the sampling plans and named metadata in one transaction.
    ///
    /// Only what changed is written (an entry whose split is not named gets none, a split's plan is replaced
    /// when it differs): a run that changed nothing writes no row of a 100,000-entry cache again. A run that changed
    /// something adds one to meta ``generationMeta``, by which a reader tells that its reads straddled it.
    func finalize(splits: [Int64: String], plans: [String: [Int64]], meta: [String: String], positions: [String: Int]) throws {
        try database.write { db in
            var changed = false
            let setPosition = try db.cachedStatement(sql: "UPDATE unit SET position = ? WHERE key = ?")
            for row in try Row.fetchAll(db, sql: "SELECT key, position FROM unit") {
                let key: String = try row.decode(atIndex: 0), stored: Int = try row.decode(atIndex: 1)
                if let position = positions[key], position != stored { try setPosition.execute(arguments: [position, key]); changed = true }
            }
            let setSplit = try db.cachedStatement(sql: "UPDATE entry SET split = ? WHERE id = ?")
            for row in try Row.fetchAll(db, sql: "SELECT id, split FROM entry") {
                let id: Int64 = try row.decode(atIndex: 0), split: String? = try row.decode(atIndex: 1)
                if splits[id] != split { try setSplit.execute(arguments: [splits[id], id]); changed = true }
            }
            var stored: [String: [Int64]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT split, entry FROM plan ORDER BY split, position") {
                stored[try row.decode(atIndex: 0), default: []].append(try row.decode(atIndex: 1))
            }
            let deletePlan = try db.cachedStatement(sql: "DELETE FROM plan WHERE split = ?")
            let insertPlan = try db.cachedStatement(sql: "INSERT INTO plan (split, position, entry) VALUES (?, ?, ?)")
            for split in Set(stored.keys).union(plans.keys).sorted() where stored[split] ?? [] != plans[split] ?? [] {
                try deletePlan.execute(arguments: [split])
                for (position, id) in (plans[split] ?? []).enumerated() { try insertPlan.execute(arguments: [split, position, id]) }
                changed = true
            }
            let storedMeta = Dictionary(try Row.fetchAll(db, sql: "SELECT name, value FROM meta").map { (try $0.decode(atIndex: 0) as String, try $0.decode(atIndex: 1) as String) }) { $1 }
            for (name, value) in meta where storedMeta[name] != value {
                try db.execute(sql: "INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)", arguments: [name, value])
                changed = true
            }
            if changed {
                let generation = storedMeta[Self.generationMeta].flatMap { Int($0) } ?? 0
                try db.execute(sql: "INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)", arguments: [Self.generationMeta, String(generation &+ 1)])
            }
        }
    }
}

/// Turns manifest rows selected with `columns`, in that order, into entries: the current row of `statement`, each
/// time its cursor steps. Columns are read by position, straight from SQLite and type-checked (GRDB's generic decoding
/// looked up type metadata for every value, a third of the time to read a manifest), and the JSON columns through one
/// decoder, a text equal to the previous row's not decoded again: a unit's entries, and often a whole split's, share
/// their shape and metadata.
private struct EntryRowDecoder {
    static let columns = ["id", "unit", "item", "source", "group_key", "label", "split", "dtype", "shape", "shard", "offset",
                          "length", "sha256", "geometry", "metadata"]
    /// The manifest's path, named in errors.
    private let manifest: String
    private let statement: SQLiteStatement
    private let json = JSONCoding.decoder()
    private var shape = Previous<[Int]>(), geometry = Previous<Geometry>(), metadata = Previous<[String: MetadataValue]>()
    /// The previous row's metadata: values of a row equal to its values take their storage (a table's rows name the
    /// same columns and differ by their index, which made each row hold its own copy of the names).
    private var lastMetadata: [String: MetadataValue] = [:]
    /// The previous row's unit key, whose storage the next rows of the unit share (a unit of a table is all its rows).
    private var unit = ""

    init(manifest: String, statement: SQLiteStatement) {
        self.manifest = manifest
        self.statement = statement
    }

    mutating func entry() throws -> CacheEntry {
        let id = try integer(0, "Int64"), dtypeName = try text(7)
        guard let dtype = DType(rawValue: dtypeName) else {
            throw MedPipeError.malformed(manifest, "entry \(id) has unknown dtype \(dtypeName)")
        }
        let geometryText = try optionalText(13)
        let shape = try shape.decode(try text(8), json, manifest, "entry \(id)'s shape"), length = try int(11)
        // Checked once here for every reader: a damaged shape trapped `cache verify`, `evaluate` and `train` in their products.
        let needed = try? CheckedSize.product(shape + [dtype.size], source: manifest, "")
        guard needed == length else {
            throw MedPipeError.malformed(manifest, "entry \(id) of shape \(shape) and dtype \(dtype) needs \(needed.map { "\($0)" } ?? "more than 2^63") bytes, the manifest says \(length)")
        }
        // Export names folders and files after the split: another name ("../x") would write outside its output.
        let split = try optionalText(6)
        if let split, !DatasetCache.splitNames.contains(split) {
            throw MedPipeError.malformed(manifest, "entry \(id) is in split \(split.debugDescription), not one of \(DatasetCache.splitNames.joined(separator: ", "))")
        }
        let unitKey = try text(1)
        if unitKey != unit { unit = unitKey }
        return CacheEntry(
            id: id, unit: unit, item: try int(2), source: try text(3), group: try text(4),
            label: try optionalText(5), split: split, dtype: dtype, shape: shape,
            shard: try int(9), offset: try int(10), length: length, sha256: try text(12),
            geometry: try geometryText.map { try geometry.decode($0, json, manifest, "entry \(id)'s geometry") },
            metadata: sharingValues(try metadata.decode(try text(14), json, manifest, "entry \(id)'s metadata", fast: MetadataJSON.object)))
    }

    /// Column `index` of the current row, an integer.
    private func integer(_ index: Int32, _ type: String) throws -> Int64 {
        guard sqlite3_column_type(statement, index) == SQLITE_INTEGER else { throw notOfType(index, type) }
        return sqlite3_column_int64(statement, index)
    }

    private func int(_ index: Int32) throws -> Int { Int(try integer(index, "Int")) }

    /// Column `index` of the current row, a text.
    private func text(_ index: Int32) throws -> String {
        guard sqlite3_column_type(statement, index) == SQLITE_TEXT else { throw notOfType(index, "String") }
        return string(index)
    }

    /// Column `index` of the current row, a text or NULL.
    private func optionalText(_ index: Int32) throws -> String? {
        switch sqlite3_column_type(statement, index) {
        case SQLITE_NULL: return nil
        case SQLITE_TEXT: return string(index)
        default: throw notOfType(index, "Optional<String>")
        }
    }

    /// The text of column `index`, known to be one (its bytes, of the length SQLite gives, as UTF-8).
    private func string(_ index: Int32) -> String {
        guard let bytes = sqlite3_column_text(statement, index) else { return "" }
        return String(decoding: UnsafeBufferPointer(start: bytes, count: Int(sqlite3_column_bytes(statement, index))), as: UTF8.self)
    }

    /// A value of another type (text where a number goes) than column `index` holds: an error naming the column.
    private func notOfType(_ index: Int32, _ type: String) -> MedPipeError {
        let value = DatabaseValue(sqliteStatement: statement, index: index), id = DatabaseValue(sqliteStatement: statement, index: 0)
        return .malformed(manifest, "entry \(id): column \(Self.columns[Int(index)]) holds \(value), which is not of type \(type)")
    }

    /// `metadata` with the storage of the previous row's values where they are equal.
    private mutating func sharingValues(_ metadata: [String: MetadataValue]) -> [String: MetadataValue] {
        if metadata == lastMetadata { return lastMetadata }
        var shared = metadata
        for (key, value) in metadata {
            if let previous = lastMetadata[key], previous == value { shared[key] = previous }
        }
        lastMetadata = shared
        return shared
    }

    /// The last text decoded into a `T`, and its value.
    private struct Previous<T: Decodable> {
        private var text: String?, value: T?

        /// `fast`, when given, reads the text as the decoder would, or gives nil for the decoder to.
        mutating func decode(_ text: String, _ json: JSONDecoder, _ subject: String, _ what: @autoclosure () -> String,
                             fast: (String) -> T? = { _ in nil }) throws -> T {
            if text == self.text, let value { return value }
            let decoded = try fast(text) ?? JSONCoding.decode(T.self, from: text, using: json, subject: subject, what())
            (self.text, value) = (text, decoded)
            return decoded
        }
    }
}
