import Domain
import GRDB
import Storage

/// Sessions and the stored admin role.
extension SQLiteStore {
    public func createSession(id: String, userID: String, expiresAt: Timestamp, now: Timestamp) async throws {
        try await write { db in
            try db.cachedStatement(sql: "INSERT INTO sessions(id, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)")
                .execute(arguments: [id, userID, now.storageString, expiresAt.storageString])
        }
    }

    /// One primary-key lookup; the user must still exist (the row cascades with it).
    public func activeSessionUser(id: String, now: Timestamp) async throws -> String? {
        try await quickRead { db in
            try String.fetchOne(
                db.cachedStatement(sql: "SELECT user_id FROM sessions WHERE id = ? AND revoked_at IS NULL AND expires_at > ?"),
                arguments: [id, now.storageString])
        }
    }

    public func revokeSession(id: String, now: Timestamp) async throws -> Bool {
        try await write { db in
            try db.cachedStatement(sql: "UPDATE sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL")
                .execute(arguments: [now.storageString, id])
            return db.changesCount > 0
        }
    }

    public func revokeAllSessions(userID: String, now: Timestamp) async throws -> Int {
        try await write { db in
            try db.cachedStatement(sql: "UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL AND expires_at > ?")
                .execute(arguments: [now.storageString, userID, now.storageString])
            return db.changesCount
        }
    }

    public func setAdmin(email: String, isAdmin: Bool) async throws -> Bool {
        try await write { db in
            try db.cachedStatement(sql: "UPDATE users SET is_admin = ? WHERE email = ?").execute(arguments: [isAdmin, email])
            return db.changesCount > 0
        }
    }

    public func isAdmin(userID: String) async throws -> Bool {
        try await quickRead { db in
            try Bool.fetchOne(db.cachedStatement(sql: "SELECT is_admin FROM users WHERE id = ?"), arguments: [userID]) ?? false
        }
    }
}
