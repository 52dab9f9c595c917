import Domain
import GRDB
import Storage

/// Accounts.
extension SQLiteStore {
    /// Inserts a user, and a `signup_from_share` event when the signup came from a shared profile (`shareSlug`
    /// non-empty), in one transaction; a duplicate email throws `emailTaken`.
    public func createUser(email: String, passwordHash: String, shareSlug: String, now: Timestamp) async throws -> User {
        let user = User(id: Identifiers.newUUID(), email: email, passwordHash: passwordHash, createdAt: now)
        do {
            try await write { db in
                try db.execute(
                    sql: "INSERT INTO users(id, email, password_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
                    arguments: [user.id, user.email, user.passwordHash, now.storageString, now.storageString])
                if !shareSlug.isEmpty {
                    try Self.insertEvent(
                        db, userID: user.id, name: "signup_from_share",
                        metadataJSON: StoredJSON.object(["share_slug": shareSlug, "source": "public_profile"]), now: now)
                }
            }
        } catch let error as DatabaseError where error.isUniqueViolation {
            throw DomainError.emailTaken
        }
        return user
    }

    /// Looks a user up by normalised email.
    public func user(email: String) async throws -> User? {
        try await read { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT id, email, password_hash, created_at FROM users WHERE email = ?"), arguments: [email])
                .map {
                    User(
                        id: $0["id"], email: $0["email"], passwordHash: $0["password_hash"],
                        createdAt: Timestamp(storage: $0["created_at"]) ?? Timestamp(microseconds: 0))
                }
        }
    }

    /// Inserts an event inside the caller's transaction, so an event caused by a change commits with it. Events the
    /// server writes in a transaction are a signed-in user's acts, so the actor is that user.
    static func insertEvent(_ db: Database, userID: String?, name: String, metadataJSON: String, now: Timestamp, actor: String? = nil) throws {
        try db.cachedStatement(sql: "INSERT INTO events(user_id, event_name, metadata, created_at, actor) VALUES (?, ?, ?, ?, ?)")
            .execute(arguments: [userID, name, metadataJSON, now.storageString, actor ?? userID])
    }
}

/// Analytics events written in batches.
extension SQLiteStore {
    /// Writes many events in one transaction (group commit).
    public func recordEvents(_ events: [EventRecord]) async throws {
        guard !events.isEmpty else { return }
        try await write { db in
            for event in events {
                try Self.insertEvent(
                    db, userID: event.userID, name: event.name, metadataJSON: event.metadataJSON, now: event.createdAt, actor: event.actor)
            }
        }
    }
}
