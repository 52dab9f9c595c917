/// What `move-to-postgres` copies: every table of the SQLite schema that holds the installation's data, in an order
/// that satisfies the foreign keys (a table after the tables it refers to), each column with the kind that says how
/// SQLite's text becomes PostgreSQL's type. `MoveTablesTests` fails when a table or column exists in either schema
/// and not here (or in `skipped`).
struct MoveTable: Sendable {
    /// How a column's SQLite value becomes the PostgreSQL column's value.
    enum Kind: Sendable {
        /// TEXT → TEXT (also enum-typed columns, which PostgreSQL checks against the enum).
        case text
        /// TEXT lower-case UUID → uuid.
        case uuid
        /// INTEGER → int/bigint.
        case integer
        /// INTEGER 0/1 → boolean.
        case boolean
        /// TEXT `YYYY-MM-DDTHH:MM:SS.ffffffZ` → timestamptz.
        case timestamp
        /// TEXT `YYYY-MM-DD` → date.
        case date
        /// TEXT JSON → jsonb.
        case json
        /// TEXT → a PostgreSQL enum (read back as text).
        case enumeration
    }

    struct Column: Sendable {
        let name: String
        let kind: Kind
    }

    let name: String
    let columns: [Column]
    /// The primary key's columns: both sides are read in this order for the checksum.
    let key: [String]
    /// The table has a bigserial `id` whose sequence must continue after the copied rows.
    var serialID: Bool { columns.first?.name == "id" && columns.first?.kind == .integer }

    init(_ name: String, key: [String] = ["id"], _ columns: [(String, Kind)]) {
        self.name = name
        self.key = key
        self.columns = columns.map { Column(name: $0.0, kind: $0.1) }
    }

    func kind(of column: String) -> Kind? { columns.first { $0.name == column }?.kind }

    /// Tables of the SQLite schema that are not copied, and why.
    static let skipped: [String: String] = [
        "schema_migrations": "the target records its own migrations",
        "nodes": "process heartbeats; every node registers itself when it starts",
    ]

    /// Tables only the SQLite schema has, and why they are not moved: derived data PostgreSQL computes another way.
    static let sqliteOnly: [String: String] = [
        "event_actor_days": "engagement aggregates kept by SQLite's triggers; PostgreSQL counts from the events themselves",
        "battle_engagement_days": "engagement aggregates kept by SQLite's triggers; PostgreSQL counts from the events themselves",
        "event_name_days": "engagement aggregates kept by SQLite's triggers; PostgreSQL counts from the events themselves",
        "trending_window": "the trending window of SQLite's engagement aggregates; PostgreSQL counts from the events themselves",
        "battle_window_counts": "the trending window of SQLite's engagement aggregates; PostgreSQL counts from the events themselves",
    ]

    /// Tables only the PostgreSQL schema has: state that starts empty after a move (it empties them).
    static let postgresOnly: [String: String] = [
        "rate_limit_buckets": "rate-limit buckets shared by the nodes; every limit starts full",
        "reply_reservations": "the enqueue's bound on each persona's reply quota use; a persona without one is counted exactly",
    ]

    /// Whether a table of the SQLite file is left out of the move on purpose.
    static func isLeftOut(_ table: String) -> Bool { skipped[table] != nil || sqliteOnly[table] != nil }

    static let all: [MoveTable] = [
        MoveTable(
            "users",
            [
                ("id", .uuid), ("email", .text), ("password_hash", .text), ("created_at", .timestamp), ("updated_at", .timestamp),
                ("is_admin", .boolean),
            ]),
        MoveTable("rooms", [("id", .uuid), ("slug", .text), ("name", .text), ("description", .text), ("created_at", .timestamp)]),
        MoveTable(
            "templates",
            [
                ("id", .uuid), ("owner_user_id", .uuid), ("name", .text), ("prompt_rules", .text), ("turn_count", .integer),
                ("word_limit", .integer), ("created_at", .timestamp), ("is_public", .boolean),
            ]),
        MoveTable(
            "personas",
            [
                ("id", .uuid), ("user_id", .uuid), ("name", .text), ("bio", .text), ("tone", .text), ("daily_draft_quota", .integer),
                ("daily_reply_quota", .integer), ("created_at", .timestamp), ("updated_at", .timestamp), ("writing_samples", .json),
                ("do_not_say", .json), ("catchphrases", .json), ("preferred_language", .text), ("formality", .integer),
            ]),
        MoveTable(
            "posts",
            [
                ("id", .uuid), ("room_id", .uuid), ("persona_id", .uuid), ("user_id", .uuid), ("authored_by", .enumeration),
                ("status", .enumeration), ("content", .text), ("published_at", .timestamp), ("created_at", .timestamp),
                ("updated_at", .timestamp), ("template_id", .uuid),
            ]),
        MoveTable(
            "replies",
            [
                ("id", .uuid), ("post_id", .uuid), ("persona_id", .uuid), ("user_id", .uuid), ("authored_by", .enumeration),
                ("content", .text), ("created_at", .timestamp), ("updated_at", .timestamp),
            ]),
        MoveTable(
            "jobs",
            [
                ("id", .integer), ("job_type", .text), ("post_id", .uuid), ("persona_id", .uuid), ("payload", .json),
                ("status", .enumeration), ("attempts", .integer), ("available_at", .timestamp), ("locked_at", .timestamp),
                ("error", .text), ("created_at", .timestamp), ("updated_at", .timestamp),
            ]),
        MoveTable("quota_events", [("id", .integer), ("persona_id", .uuid), ("quota_type", .text), ("created_at", .timestamp)]),
        MoveTable(
            "quota_counters", key: ["persona_id", "quota_type", "day"],
            [("persona_id", .uuid), ("quota_type", .text), ("day", .date), ("used", .integer)]),
        MoveTable(
            "persona_activity_events",
            [("id", .integer), ("persona_id", .uuid), ("type", .text), ("metadata", .json), ("created_at", .timestamp)]),
        MoveTable(
            "persona_digests",
            [
                ("id", .integer), ("persona_id", .uuid), ("date", .date), ("summary", .text), ("stats", .json),
                ("created_at", .timestamp), ("updated_at", .timestamp),
            ]),
        MoveTable(
            "persona_public_profiles", key: ["persona_id"],
            [("persona_id", .uuid), ("slug", .text), ("is_public", .boolean), ("bio", .text), ("created_at", .timestamp)]),
        MoveTable(
            "persona_follows", key: ["follower_user_id", "followed_persona_id"],
            [("follower_user_id", .uuid), ("followed_persona_id", .uuid), ("created_at", .timestamp)]),
        MoveTable(
            "events",
            [
                ("id", .integer), ("user_id", .uuid), ("event_name", .text), ("metadata", .json), ("created_at", .timestamp),
                ("actor", .text),
            ]),
        MoveTable(
            "notifications",
            [
                ("id", .integer), ("user_id", .uuid), ("actor_user_id", .uuid), ("type", .text), ("title", .text), ("body", .text),
                ("metadata", .json), ("read_at", .timestamp), ("created_at", .timestamp),
            ]),
        MoveTable(
            "weekly_digests",
            [
                ("id", .integer), ("user_id", .uuid), ("week_start", .date), ("items", .json), ("created_at", .timestamp),
                ("updated_at", .timestamp),
            ]),
        MoveTable(
            "llm_cache", key: ["cache_key"],
            [("cache_key", .text), ("operation", .text), ("response", .text), ("created_at", .timestamp)]),
        MoveTable("remix_redemptions", key: ["token_id"], [("token_id", .text), ("battle_id", .uuid), ("created_at", .timestamp)]),
        MoveTable(
            "digest_leases", key: ["kind", "subject_id", "period"],
            [("kind", .text), ("subject_id", .uuid), ("period", .date), ("holder", .text), ("expires_at", .timestamp)]),
        MoveTable(
            "sessions",
            [("id", .text), ("user_id", .uuid), ("created_at", .timestamp), ("expires_at", .timestamp), ("revoked_at", .timestamp)]),
    ]

    // MARK: Statements (names from the list above only)

    /// SQLite: every column, in key order (BINARY collation: byte order of the UTF-8 text).
    var sqliteSelect: String {
        "SELECT \(columns.map(\.name).joined(separator: ", ")) FROM \(name) ORDER BY \(key.joined(separator: ", "))"
    }

    /// PostgreSQL: every column as text where the driver would not give SQLite's form, in the same order as SQLite's
    /// (text keys under the "C" collation, which compares bytes as SQLite does; a uuid orders as its lower-case text).
    var postgresSelect: String {
        let list = columns.map { column -> String in
            switch column.kind {
            case .json, .enumeration: "\(column.name)::text"
            case .date: "to_char(\(column.name), 'YYYY-MM-DD')"
            default: column.name
            }
        }
        let order = key.map { kind(of: $0) == .text ? "\($0) COLLATE \"C\"" : $0 }
        return "SELECT \(list.joined(separator: ", ")) FROM \(name) ORDER BY \(order.joined(separator: ", "))"
    }
}
