import Domain
import Foundation
import PostgresNIO
import Storage

/// Sessions and the stored admin role.
extension PostgresStore {
    public func createSession(id: String, userID: String, expiresAt: Timestamp, now: Timestamp) async throws {
        let user = try StoreID.known(userID)
        _ = try await write { db in
            try await db.execute("INSERT INTO sessions(id, user_id, created_at, expires_at) VALUES (\(id), \(user), \(now), \(expiresAt))")
        }
    }

    /// One primary-key lookup (prepared); the user must still exist (the row cascades with it).
    public func activeSessionUser(id: String, now: Timestamp) async throws -> String? {
        try await quick { db in try await db.prepared(ActiveSessionUser(id: id, now: now)).first }
    }

    public func revokeSession(id: String, now: Timestamp) async throws -> Bool {
        try await quick { db in
            try await db.execute("UPDATE sessions SET revoked_at = \(now) WHERE id = \(id) AND revoked_at IS NULL") > 0
        }
    }

    public func revokeAllSessions(userID: String, now: Timestamp) async throws -> Int {
        guard let user = StoreID.parse(userID) else { return 0 }
        return try await quick { db in
            try await db.execute("UPDATE sessions SET revoked_at = \(now) WHERE user_id = \(user) AND revoked_at IS NULL AND expires_at > \(now)")
        }
    }

    public func setAdmin(email: String, isAdmin: Bool) async throws -> Bool {
        try await quick { db in try await db.execute("UPDATE users SET is_admin = \(isAdmin) WHERE email = \(email)") > 0 }
    }

    public func isAdmin(userID: String) async throws -> Bool {
        guard let user = StoreID.parse(userID) else { return false }
        return try await quick { db in try await db.value("SELECT is_admin FROM users WHERE id = \(user)", as: Bool.self) ?? false }
    }
}
