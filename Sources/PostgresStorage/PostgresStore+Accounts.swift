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

    /// A user's email (nil when the user is gone).
    public func email(userID: String) async throws -> String? {
        guard let id = StoreID.parse(userID) else { return nil }
        return try await quick { db in try await db.value("SELECT email FROM users WHERE id = \(id)", as: String.self) }
    }

    /// The signed-in user's email, role and unread notification count, in one statement, for the navigation bar.
    public func accountSummary(userID: String) async throws -> AccountSummary? {
        guard let id = StoreID.parse(userID) else { return nil }
        return try await quick { db in
            try await db.rows(
                """
                SELECT email, is_admin, (SELECT COUNT(*) FROM notifications WHERE user_id = users.id AND read_at IS NULL)
                FROM users WHERE id = \(id)
                """
            ).first.map { row in
                let (email, isAdmin, unread) = try row.decode((String, Bool, Int).self)
                return AccountSummary(email: email, isAdmin: isAdmin, unread: unread)
            }
        }
    }

    /// Inserts an event inside the caller's transaction, so an event caused by a change commits with it. Events the
    /// server writes in a transaction are a signed-in user's acts, so the actor is that user.
    static func insertEvent(
        _ db: Connection, userID: UUID?, name: String, metadataJSON: String, now: Timestamp, actor: String? = nil
    ) async throws {
        try await db.execute(
            """
            INSERT INTO events(user_id, event_name, metadata, created_at, actor)
            VALUES (\(userID), \(name), \(JSONB(metadataJSON)), \(now), \(actor ?? userID?.lower))
            """)
    }

    /// Writes many events in one transaction (the event recorder's batches). An event whose user id is not an id is
    /// recorded without a user.
    public func recordEvents(_ events: [EventRecord]) async throws {
        guard !events.isEmpty else { return }
        try await write { db in
            for event in events {
                try await Self.insertEvent(
                    db, userID: event.userID.flatMap(StoreID.parse), name: event.name, metadataJSON: event.metadataJSON, now: event.createdAt,
                    actor: event.actor)
            }
        }
    }

    /// Event counts by name since `since24h` and since `since7d`, in one read; each (actor, event name, battle key,
    /// UTC day) counts once (DECISIONS 28).
    public func eventCounts(since24h: Timestamp, since7d: Timestamp) async throws -> EventCounts {
        try await read { db in
            func counts(_ since: Timestamp) async throws -> [String: Int] {
                var out: [String: Int] = [:]
                for row in try await db.rows(
                    """
                    SELECT event_name, COUNT(DISTINCT \(unescaped: Self.actorDaySQL) || '|' || COALESCE(\(unescaped: Self.engagementKey), ''))
                    FROM events WHERE created_at >= \(since) GROUP BY event_name
                    """)
                {
                    let (name, n) = try row.decode((String, Int).self)
                    out[name.lowercased(), default: 0] += n
                }
                return out
            }
            return EventCounts(day: try await counts(since24h), week: try await counts(since7d))
        }
    }
}

/// The user of an active session, prepared: every authenticated request asks it.
struct ActiveSessionUser: PostgresPreparedStatement {
    static let name = String(reflecting: Self.self)
    static let sql = "SELECT user_id::text FROM sessions WHERE id = $1 AND revoked_at IS NULL AND expires_at > $2"
    typealias Row = String
    let id: String
    let now: Timestamp

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings()
        bindings.append(id)
        bindings.append(now)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> String { try row.decode(String.self) }
}
