import Domain
import Foundation
import PostgresNIO
import Storage

/// Accounts.
extension PostgresStore {
    /// Inserts a user, and a `signup_from_share` event when the signup came from a shared profile (`shareSlug`
    /// non-empty), in one transaction; a duplicate email throws `emailTaken`.
    public func createUser(email: String, passwordHash: String, shareSlug: String, now: Timestamp) async throws -> User {
        let id = UUID()
        let user = User(id: id.lower, email: email, passwordHash: passwordHash, createdAt: now)
        do {
            try await write { db in
                try await db.execute(
                    "INSERT INTO users(id, email, password_hash, created_at, updated_at) VALUES (\(id), \(email), \(passwordHash), \(now), \(now))")
                if !shareSlug.isEmpty {
                    try await Self.insertEvent(
                        db, userID: id, name: "signup_from_share",
                        metadataJSON: StoredJSON.object(["share_slug": shareSlug, "source": "public_profile"]), now: now)
                }
            }
        } catch let error as PSQLError where error.isUniqueViolation {
            throw DomainError.emailTaken
        }
        return user
    }

    /// Looks a user up by normalised email.
    public func user(email: String) async throws -> User? {
        try await quick { db in
            try await db.rows("SELECT id::text, email, password_hash, created_at FROM users WHERE email = \(email)").first.map { row in
                let (id, email, hash, created) = try row.decode((String, String, String, Timestamp).self)
                return User(id: id, email: email, passwordHash: hash, createdAt: created)
            }
        }
    }

    /// Whether a user id still exists (tokens of deleted users stop working). On every authenticated request, so a
    /// prepared statement.
    public func userExists(id: String) async throws -> Bool {
        guard let uuid = StoreID.parse(id) else { return false }
        return try await quick { db in try await db.prepared(UserExists(id: uuid)).first ?? false }
    }

    /// A user's email (nil when the user is gone).
    public func email(userID: String) async throws -> String? {
        guard let id = StoreID.parse(userID) else { return nil }
        return try await quick { db in try await db.value("SELECT email FROM users WHERE id = \(id)", as: String.self) }
    }

    /// The signed-in user's email and unread notification count, in one statement, for the navigation bar.
    public func accountSummary(userID: String) async throws -> AccountSummary? {
        guard let id = StoreID.parse(userID) else { return nil }
        return try await quick { db in
            try await db.rows(
                """
                SELECT email, (SELECT COUNT(*) FROM notifications WHERE user_id = users.id AND read_at IS NULL) FROM users WHERE id = \(id)
                """
            ).first.map { row in
                let (email, unread) = try row.decode((String, Int).self)
                return AccountSummary(email: email, unread: unread)
            }
        }
    }

    /// Inserts an event inside the caller's transaction, so an event caused by a change commits with it.
    static func insertEvent(_ db: Connection, userID: UUID?, name: String, metadataJSON: String, now: Timestamp) async throws {
        try await db.execute(
            "INSERT INTO events(user_id, event_name, metadata, created_at) VALUES (\(userID), \(name), \(JSONB(metadataJSON)), \(now))")
    }

    /// Writes many events in one transaction (the event recorder's batches). An event whose user id is not an id is
    /// recorded without a user.
    public func recordEvents(_ events: [EventRecord]) async throws {
        guard !events.isEmpty else { return }
        try await write { db in
            for event in events {
                try await Self.insertEvent(
                    db, userID: event.userID.flatMap(StoreID.parse), name: event.name, metadataJSON: event.metadataJSON, now: event.createdAt)
            }
        }
    }

    /// Event counts by name since `since24h` and since `since7d`, in one read.
    public func eventCounts(since24h: Timestamp, since7d: Timestamp) async throws -> EventCounts {
        try await read { db in
            func counts(_ since: Timestamp) async throws -> [String: Int] {
                var out: [String: Int] = [:]
                for row in try await db.rows("SELECT event_name, COUNT(*) FROM events WHERE created_at >= \(since) GROUP BY event_name") {
                    let (name, n) = try row.decode((String, Int).self)
                    out[name.lowercased(), default: 0] += n
                }
                return out
            }
            return EventCounts(day: try await counts(since24h), week: try await counts(since7d))
        }
    }
}

/// `SELECT EXISTS(… users WHERE id = $1)`, prepared: the authenticated request path.
struct UserExists: PostgresPreparedStatement {
    static let sql = "SELECT EXISTS(SELECT 1 FROM users WHERE id = $1)"
    typealias Row = Bool
    let id: UUID

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings()
        bindings.append(id)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Bool { try row.decode(Bool.self) }
}
