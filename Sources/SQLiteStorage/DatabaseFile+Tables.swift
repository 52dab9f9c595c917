import Foundation
import GRDB

/// Table sizes for `doctor`: rows, and bytes on disk (tables with their indexes) where the system SQLite has the
/// `dbstat` table; without it, the file's page count stands in.
extension DatabaseFile {
    public struct TableSize: Sendable, Equatable {
        public let name: String
        public let rows: Int
        /// Bytes of the table and its indexes; nil without `dbstat`.
        public let bytes: Int64?
    }

    public struct Sizes: Sendable {
        public let tables: [TableSize]
        /// Pages in the file and the page size (the whole file, for when `dbstat` is missing).
        public let pages: Int
        public let pageSize: Int
        /// Free pages (given back by the next incremental vacuum).
        public let freePages: Int
    }

    /// Every table's rows and bytes, the largest first; read-only.
    public func tableSizes() throws -> Sizes {
        var config = Configuration()
        config.readonly = true
        config.label = "inspect"
        let queue = try DatabaseQueue(path: path, configuration: config)
        defer { try? queue.close() }
        return try queue.read { db in
            let names = try String.fetchAll(
                db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
            // dbstat names each index separately; its table is found through sqlite_master.
            let bytes: [String: Int64]? = try? Dictionary(
                uniqueKeysWithValues: Row.fetchAll(
                    db,
                    sql: """
                        SELECT COALESCE(m.tbl_name, s.name) AS name, SUM(s.pgsize) AS bytes FROM dbstat s
                        LEFT JOIN sqlite_master m ON m.name = s.name GROUP BY 1
                        """
                ).map { ($0["name"] as String, $0["bytes"] as Int64) })
            let tables = try names.map { name in
                TableSize(
                    name: name, rows: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(name.quotedDatabaseIdentifier)") ?? 0,
                    bytes: bytes.map { $0[name] ?? 0 })
            }
            return Sizes(
                tables: tables.sorted { ($0.bytes ?? Int64($0.rows), $1.name) > ($1.bytes ?? Int64($1.rows), $0.name) },
                pages: try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0, pageSize: try Int.fetchOne(db, sql: "PRAGMA page_size") ?? 0,
                freePages: try Int.fetchOne(db, sql: "PRAGMA freelist_count") ?? 0)
        }
    }
}
