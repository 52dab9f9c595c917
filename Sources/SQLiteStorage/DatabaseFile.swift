import Foundation
import GRDB
import Storage

/// A database file looked at from outside, read-only: what `backup` verifies its copy with, what `restore`
/// checks a candidate with, and what `doctor` reports. Opening read-only means a check never changes the
/// file it checks (no journal rollback, no schema applied, no page written); SQLite may still create the empty
/// `-wal`/`-shm` companions of a WAL-mode file, which any later connection reuses.
public struct DatabaseFile: Sendable {
    /// What a check found.
    public struct Report: Sendable {
        /// `ok`, or the first problems `integrity_check`/`quick_check` listed.
        public let check: [String]
        /// Versions in `schema_migrations`, oldest first; nil when the table does not exist.
        public let migrations: [String]?

        public var isIntact: Bool { check == ["ok"] }

        /// The first problems on one line (SQLite reports up to 20, some spanning lines), for a message.
        public var problemSummary: String {
            let lines = check.flatMap { $0.split(separator: "\n").map(String.init) }.filter { !$0.hasPrefix("*** in database") }
            return lines.prefix(3).joined(separator: "; ") + (lines.count > 3 ? "; and \(lines.count - 3)+ more" : "")
        }

        /// Versions this binary does not know (a newer release's file, or a foreign one).
        public var unknownMigrations: [String] {
            let known = Set(Migrations.all.map(\.version))
            return (migrations ?? []).filter { !known.contains($0) }
        }

        /// Versions this binary knows that the file lacks (applied when a server next opens it).
        public var pendingMigrations: [String] {
            let applied = Set(migrations ?? [])
            return Migrations.all.map(\.version).filter { !applied.contains($0) }
        }
    }

    /// A file that cannot be read as SQLite at all (a text file, a truncated or garbled header).
    public struct Unreadable: Error, CustomStringConvertible {
        public let path: String
        public let reason: String
        public var description: String { "\(path) is not a readable SQLite database: \(reason)" }
    }

    public let path: String

    public init(path: String) { self.path = path }

    /// Runs `integrity_check` (every page and index; `thorough`) or `quick_check` (no index cross-check) and
    /// reads the applied migrations.
    public func check(thorough: Bool) throws -> Report {
        guard FileManager.default.fileExists(atPath: path) else { throw Unreadable(path: path, reason: "no such file") }
        var config = Configuration()
        config.readonly = true
        config.label = "inspect"
        do {
            let queue = try DatabaseQueue(path: path, configuration: config)
            defer { try? queue.close() }
            return try queue.read { db in
                let pragma = thorough ? "PRAGMA integrity_check(20)" : "PRAGMA quick_check(20)"
                let check = try String.fetchAll(db, sql: pragma)
                let migrations =
                    try db.tableExists("schema_migrations")
                    ? try String.fetchAll(db, sql: "SELECT version FROM schema_migrations ORDER BY version") : nil
                return Report(check: check, migrations: migrations)
            }
        } catch let error as DatabaseError {
            throw Unreadable(path: path, reason: error.message ?? "\(error.resultCode)")
        }
    }

    /// Size in bytes of the file's write-ahead log (0 when there is none).
    public var walBytes: Int64 { Self.size(of: path + "-wal") ?? 0 }

    /// Size in bytes of a file, nil when it does not exist.
    public static func size(of path: String) -> Int64? {
        (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value
    }
}
