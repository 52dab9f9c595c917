import Domain
import GRDB
import Storage

/// Rooms (seeded, read-only).
extension SQLiteStore {
    /// All rooms by name, id breaking ties.
    public func rooms() async throws -> [Room] {
        try await read { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT id, slug, name, description, created_at FROM rooms ORDER BY name ASC, id ASC")).map {
                Room(
                    id: $0["id"], slug: $0["slug"], name: $0["name"], description: $0["description"],
                    createdAt: Self.timestamp($0["created_at"]))
            }
        }
    }
}
