import Domain
import Foundation
import Logging
import PostgresStorage
import SQLiteStorage

/// `move-to-postgres`: copies the SQLite database at `DATABASE_PATH` into an empty PostgreSQL database.
///
/// Atomicity (decided): the whole copy is **one transaction** on the target. It takes every table's lock, checks again
/// that the target holds no users, empties what the target's own start-up seeded (default rooms, the system template),
/// COPYs every table in foreign-key order, reads every table back and compares its row count and checksum with the
/// source's, moves the id sequences past the copied ids, and commits only when every table matches. Any failure,
/// mismatch or interruption rolls back: the target is left migrated and empty, never half-filled, and the move can
/// simply be run again. The source is read in one read transaction of a read-only connection, under the exclusive
/// `DatabaseLock` that `serve` and `restore` respect, so no server writes it meanwhile and none can start on it.
struct SQLiteToPostgresMove: Sendable {
    let sqlitePath: String
    let target: PostgresSettings
    let dryRun: Bool
    /// Called with a stage (`copy users`, `check users`), the rows done and the table's rows.
    let progress: @Sendable (String, Int, Int) -> Void
    let logger: Logger

    /// Bytes of COPY text handed over at a time, and how many such chunks may wait: memory stays near 4 MiB.
    static let chunkBytes = 512 * 1024
    static let chunksInFlight = 8

    struct TableResult: Sendable {
        let name: String
        let sourceRows: Int
        let sourceChecksum: String
        var targetRows: Int?
        var targetChecksum: String?
        var matches: Bool { targetRows == sourceRows && targetChecksum == sourceChecksum }
    }

    struct Report: Sendable {
        var tables: [TableResult] = []
        var dryRun = false
        /// Migrations the target lacked (applied before the copy, or that a real move would apply).
        var migrationsPending = 0
        /// Rows the target held without any user (what its own start-up seeded), replaced by the source's.
        var replaced: [(table: String, rows: Int)] = []
        var copySeconds = 0.0
        var verifySeconds = 0.0
        var committed = false

        var totalRows: Int { tables.reduce(0) { $0 + $1.sourceRows } }
        var allMatch: Bool { tables.allSatisfy(\.matches) }
    }

    func run() async throws -> Report {
        guard FileManager.default.fileExists(atPath: sqlitePath) else {
            throw AppCommands.Refused("no SQLite database at \(sqlitePath) (check DATABASE_PATH)")
        }
        let lock: DatabaseLock
        do { lock = try DatabaseLock.exclusive(database: sqlitePath) } catch {
            if case .held(_, let pid) = error {
                throw AppCommands.Refused(
                    "a server is using \(sqlitePath)" + (pid.map { " (pid \($0))" } ?? "")
                        + "; stop it first (systemctl stop personaworlds): the move copies a database nobody writes to")
            }
            throw AppCommands.OperationFailed("\(error)")
        }
        defer { withExtendedLifetime(lock) {} }
        try checkSource()

        let store = PostgresStore(settings: target, logger: logger)
        store.start()
        do {
            var report = try await preflight(store)
            report.dryRun = dryRun
            if !dryRun { try await store.migrate() }
            try await copy(into: store, report: &report)
            try await store.close()
            return report
        } catch {
            try? await store.close()
            throw error
        }
    }

    /// The source must be a sound database at exactly this binary's schema version.
    private func checkSource() throws {
        let report: DatabaseFile.Report
        do { report = try DatabaseFile(path: sqlitePath).check(thorough: false) } catch {
            throw AppCommands.Refused("\(error)")
        }
        guard report.isIntact else { throw AppCommands.Refused("\(sqlitePath) fails SQLite's quick_check: \(report.problemSummary)") }
        guard report.migrations != nil else { throw AppCommands.Refused("\(sqlitePath) is not a PersonaWorlds database (no schema_migrations)") }
        guard report.unknownMigrations.isEmpty else {
            throw AppCommands.Refused(
                "\(sqlitePath) has schema versions this binary does not know (\(report.unknownMigrations.joined(separator: ", "))); use the newer binary that wrote it"
            )
        }
        guard report.pendingMigrations.isEmpty else {
            throw AppCommands.Refused(
                "\(sqlitePath) lacks schema versions \(report.pendingMigrations.joined(separator: ", ")); run `personaworlds migrate` on it (without DATABASE_URL) first"
            )
        }
    }

    /// The target must be reachable, no newer than this binary, and hold no users.
    private func preflight(_ store: PostgresStore) async throws -> Report {
        let applied = try await store.appliedMigrationVersions()
        let known = Set(PostgresMigrations.all.compactMap(\.number))
        let newer = applied.filter { version in (Int(version.prefix(while: \.isNumber)).map { !known.contains($0) }) ?? false }
        guard newer.isEmpty else {
            throw AppCommands.Refused(
                "the target's schema has versions this binary does not know (\(newer.joined(separator: ", "))); use the binary that wrote it")
        }
        if let users = try await store.rowCountIfTableExists("users"), users > 0 {
            throw AppCommands.Refused(Self.holdsUsers(users))
        }
        var report = Report()
        report.migrationsPending = try await store.pendingMigrations().count
        return report
    }

    static func holdsUsers(_ users: Int) -> String {
        "the target database already holds \(users) user\(users == 1 ? "" : "s"); move into an empty database (createdb a new one, or drop this one's data first)"
    }

    // MARK: Copy

    private func copy(into store: PostgresStore, report: inout Report) async throws {
        let tables = MoveTable.all
        let handoff = ChunkHandoff<MoveItem>(capacity: Self.chunksInFlight)
        let path = sqlitePath
        let producer = Thread { Self.produce(path: path, tables: tables, handoff: handoff) }
        producer.name = "move-to-postgres source"
        producer.start()
        var items = handoff.stream.makeAsyncIterator()
        do {
            if dryRun {
                try await drain(&items, handoff: handoff, report: &report)
            } else {
                try await load(store, &items, handoff: handoff, report: &report)
            }
        } catch {
            // Stop the producer and wait for it to end, so the SQLite connection is closed before the lock goes.
            handoff.stop()
            while (try? await items.next()) != nil { handoff.taken() }
            throw error
        }
    }

    /// Reads the source's items; the next one, its slot freed.
    private func next(
        _ items: inout AsyncThrowingStream<MoveItem, any Error>.Iterator, _ handoff: ChunkHandoff<MoveItem>
    ) async throws
        -> MoveItem
    {
        guard let item = try await items.next() else { throw AppCommands.OperationFailed("the source ended early") }
        handoff.taken()
        return item
    }

    /// `--dry-run`: read and convert everything, write nothing.
    private func drain(
        _ items: inout AsyncThrowingStream<MoveItem, any Error>.Iterator, handoff: ChunkHandoff<MoveItem>, report: inout Report
    ) async throws {
        let started = ContinuousClock.now
        guard case .plan(let counts) = try await next(&items, handoff) else { throw AppCommands.OperationFailed("the source sent no plan") }
        var done = 0
        while let item = try await items.next() {
            handoff.taken()
            switch item {
            case .plan: break
            case .rows(let table, _, let count):
                done += count
                progress("read \(MoveTable.all[table].name)", done, counts[table])
            case .end(let table, let rows, let checksum, _):
                done = 0
                report.tables.append(TableResult(name: MoveTable.all[table].name, sourceRows: rows, sourceChecksum: checksum))
            }
        }
        report.copySeconds = Self.seconds(ContinuousClock.now - started)
    }

    /// The real move, in one transaction (see the type's comment).
    private func load(
        _ store: PostgresStore, _ items: inout AsyncThrowingStream<MoveItem, any Error>.Iterator, handoff: ChunkHandoff<MoveItem>,
        report: inout Report
    ) async throws {
        let tables = MoveTable.all
        let names = tables.map(\.name).joined(separator: ", ")
        // The PostgreSQL-only tables start empty after a move too; one refers to `personas`, which TRUNCATE refuses to
        // empty without it.
        let emptied = (tables.map(\.name) + MoveTable.postgresOnly.keys.sorted()).joined(separator: ", ")
        let progress = self.progress
        var result = report
        var iterator = items
        try await store.withBulkLoad { bulk in
            try await bulk.execute("BEGIN")
            do {
                try await bulk.execute("SET LOCAL statement_timeout = 0")
                try await bulk.execute("SET LOCAL lock_timeout = '\(Self.lockTimeoutSeconds)s'")
                try await bulk.execute("LOCK TABLE \(names) IN ACCESS EXCLUSIVE MODE")
                let users = try await bulk.int("SELECT COUNT(*) FROM users") ?? 0
                guard users == 0 else { throw AppCommands.Refused(Self.holdsUsers(users)) }
                for table in tables {
                    let rows = try await bulk.int("SELECT COUNT(*) FROM \(table.name)") ?? 0
                    if rows > 0 { result.replaced.append((table.name, rows)) }
                }
                try await bulk.execute("TRUNCATE \(emptied)")
                // Indexes and foreign keys are built once after the COPY rather than row by row (`DeferredChecks`).
                let deferred = try await DeferredChecks.setAside(bulk, tables: tables.map(\.name))

                let started = ContinuousClock.now
                guard case .plan(let counts) = try await next(&iterator, handoff) else {
                    throw AppCommands.OperationFailed("the source sent no plan")
                }
                var autoincrement: [Int64?] = []
                for (index, table) in tables.enumerated() {
                    var done = 0
                    var end: (rows: Int, checksum: String, counter: Int64?)?
                    progress("copy \(table.name)", 0, counts[index])
                    try await bulk.copy(table: table.name, columns: table.columns.map(\.name)) { send in
                        while end == nil {
                            switch try await next(&iterator, handoff) {
                            case .rows(_, let bytes, let count):
                                try await send(bytes)
                                done += count
                                progress("copy \(table.name)", done, counts[index])
                            case .end(_, let rows, let checksum, let counter): end = (rows, checksum, counter)
                            case .plan: throw AppCommands.OperationFailed("the source sent a second plan")
                            }
                        }
                    }
                    guard let end else { throw AppCommands.OperationFailed("no end of \(table.name)") }
                    result.tables.append(TableResult(name: table.name, sourceRows: end.rows, sourceChecksum: end.checksum))
                    autoincrement.append(end.counter)
                }
                try await deferred.restore(bulk)
                result.copySeconds = Self.seconds(ContinuousClock.now - started)

                let checking = ContinuousClock.now
                for (index, table) in tables.enumerated() {
                    var checksum = MoveChecksum()
                    var canonical = [String?](repeating: nil, count: table.columns.count)
                    let total = result.tables[index].sourceRows
                    try await bulk.forEachRow(table.postgresSelect) { values in
                        for (column, value) in zip(table.columns.indices, values) {
                            canonical[column] = value.map { MoveRowCodec.canonicalReadBack($0, table.columns[column].kind) }
                        }
                        checksum.add(canonical)
                        if checksum.rows % 10_000 == 0 { progress("check \(table.name)", checksum.rows, total) }
                    }
                    progress("check \(table.name)", checksum.rows, total)
                    result.tables[index].targetRows = checksum.rows
                    result.tables[index].targetChecksum = checksum.finish()
                }
                result.verifySeconds = Self.seconds(ContinuousClock.now - checking)
                guard result.allMatch else {
                    try await bulk.execute("ROLLBACK")
                    return
                }
                for (table, counter) in zip(tables, autoincrement) where table.serialID {
                    let floor = max(counter ?? 0, 0)
                    try await bulk.execute(
                        """
                        SELECT setval(pg_get_serial_sequence('\(table.name)', 'id'), GREATEST(COALESCE(MAX(id), 0), \(floor), 1),
                                      GREATEST(COALESCE(MAX(id), 0), \(floor)) > 0) FROM \(table.name)
                        """)
                }
                try await bulk.execute("COMMIT")
                result.committed = true
            } catch {
                try? await bulk.execute("ROLLBACK")
                throw error
            }
        }
        report = result
        items = iterator
    }

    /// How long the move waits for the target's tables (a node still serving it holds their locks).
    static let lockTimeoutSeconds = 10

    // MARK: Source

    /// Runs on a thread of its own: reads the snapshot and hands over the plan, each table's rows as COPY text and each
    /// table's end with its count and checksum.
    static func produce(path: String, tables: [MoveTable], handoff: ChunkHandoff<MoveItem>) {
        do {
            try SQLiteExport(path: path).snapshot { snapshot in
                try checkCoverage(snapshot)
                let counts = try tables.map { try snapshot.count("SELECT COUNT(*) FROM \($0.name)") }
                guard handoff.send(.plan(counts)) else { throw MoveStopped() }
                for (index, table) in tables.enumerated() {
                    var checksum = MoveChecksum()
                    var chunk: [UInt8] = []
                    chunk.reserveCapacity(chunkBytes + 64 * 1024)
                    var inChunk = 0
                    var canonical = [String?](repeating: nil, count: table.columns.count)
                    try snapshot.forEachRow(table.sqliteSelect) { values in
                        for (column, spec) in table.columns.enumerated() {
                            guard let text = values[column] else {
                                canonical[column] = nil
                                continue
                            }
                            guard let value = MoveRowCodec.canonical(text, spec.kind) else {
                                throw MoveRowCodec.BadValue(
                                    table: table.name, column: spec.name, key: values[0] ?? "NULL", value: text,
                                    expected: MoveRowCodec.expected(spec.kind))
                            }
                            canonical[column] = value
                        }
                        checksum.add(canonical)
                        MoveRowCodec.appendCopyLine(canonical, to: &chunk)
                        inChunk += 1
                        if chunk.count >= chunkBytes {
                            guard handoff.send(.rows(table: index, bytes: chunk, count: inChunk)) else { throw MoveStopped() }
                            chunk.removeAll(keepingCapacity: true)
                            inChunk = 0
                        }
                    }
                    if inChunk > 0 {
                        guard handoff.send(.rows(table: index, bytes: chunk, count: inChunk)) else { throw MoveStopped() }
                    }
                    let end = MoveItem.end(
                        table: index, rows: checksum.rows, checksum: checksum.finish(),
                        autoincrement: table.serialID ? try snapshot.autoincrementCounter(table.name) : nil)
                    guard handoff.send(end) else { throw MoveStopped() }
                }
            }
            handoff.finish(nil)
        } catch {
            handoff.finish(error)
        }
    }

    /// The move's table list must cover the file: a table or column it does not know would be left behind.
    static func checkCoverage(_ snapshot: SQLiteExport.Snapshot) throws {
        let known = Dictionary(uniqueKeysWithValues: MoveTable.all.map { ($0.name, $0) })
        for table in try snapshot.tables() where !MoveTable.isLeftOut(table) {
            guard let spec = known[table] else {
                throw AppCommands.Refused("the SQLite database has a table this binary cannot move: \(table)")
            }
            let columns = try snapshot.columns(of: table)
            guard Set(columns) == Set(spec.columns.map(\.name)) else {
                throw AppCommands.Refused(
                    "the SQLite table \(table) has columns \(columns.joined(separator: ", ")); this binary moves \(spec.columns.map(\.name).joined(separator: ", "))"
                )
            }
        }
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
