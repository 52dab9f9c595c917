import Domain
import Foundation
import Logging
import PostgresNIO
import PostgresStorage
import Storage
import TestSupport
import Testing

/// The PostgreSQL schema: the original's 001-007, our additions after them, adoption of a database the original
/// service made, and the mapping of ids and timestamps.
@Suite struct PostgresSchemaTests {
    static let now = Timestamp(microseconds: 1_800_000_000_123_456)

    /// A store on an empty database, started, and closed afterwards.
    static func withEmptyStore<T: Sendable>(_ body: (PostgresStore, PostgresCluster, String) async throws -> T) async throws -> T {
        let cluster = try await PostgresCluster.shared()
        let name = try await cluster.emptyDatabase()
        let store = PostgresStore(settings: cluster.settings(database: name), logger: Logger(label: "test"))
        store.start()
        do {
            let result = try await body(store, cluster, name)
            try await store.close()
            return result
        } catch {
            try? await store.close()
            throw error
        }
    }

    @Test func migratingANewDatabaseRecordsEveryFileOnceAndIsIdempotent() async throws {
        try await Self.withEmptyStore { store, cluster, name in
            #expect(try await store.migrationStatus().applied == 0)
            try await store.migrate()
            try await store.migrate()
            let status = try await store.migrationStatus()
            #expect(status.applied == status.expected && status.expected == PostgresMigrations.all.count)
            let versions = try await cluster.query(name, "SELECT version FROM schema_migrations ORDER BY version").map { try $0.decode(String.self) }
            #expect(versions == PostgresMigrations.all.map(\.version))
            #expect(versions.first == "001_init.sql" && versions[6] == "007_growth_retention.sql")
        }
    }

    @Test func theQueueTableIsVacuumedAfterEveryThousandDeadRows() async throws {
        try await Self.withEmptyStore { store, cluster, name in
            try await store.migrate()
            let options = try await cluster.query(name, "SELECT array_to_string(reloptions, ',') FROM pg_class WHERE relname = 'jobs'")
                .map { try $0.decode(String?.self) }
            let set = Set((options.first ?? nil)?.split(separator: ",").map(String.init) ?? [])
            #expect(
                set.isSuperset(of: ["autovacuum_vacuum_scale_factor=0", "autovacuum_vacuum_threshold=1000", "autovacuum_vacuum_cost_delay=0"]),
                "jobs' storage options: \(set)")
        }
    }

    @Test func theOriginalsSchemaHasItsTypesDefaultsAndConstraintNames() async throws {
        try await Self.withEmptyStore { store, cluster, name in
            try await store.migrate()
            let enums = try await cluster.query(
                name,
                "SELECT t.typname || '=' || string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid GROUP BY t.typname ORDER BY 1"
            ).map { try $0.decode(String.self) }
            #expect(
                enums == [
                    "authored_by_enum=AI,HUMAN,AI_DRAFT_APPROVED", "job_status_enum=PENDING,PROCESSING,DONE,FAILED",
                    "post_status_enum=DRAFT,PUBLISHED",
                ])
            let constraints = Set(
                try await cluster.query(name, "SELECT conname FROM pg_constraint WHERE connamespace = 'public'::regnamespace").map {
                    try $0.decode(String.self)
                })
            for expected in [
                "users_email_key", "rooms_slug_key", "persona_public_profiles_slug_key", "weekly_digests_user_id_week_start_key",
                "quota_events_quota_type_check", "personas_preferred_language_check", "personas_formality_check",
            ] {
                #expect(constraints.contains(expected), "constraint \(expected)")
            }
            let columns = try await cluster.query(
                name,
                """
                SELECT column_name || ' ' || data_type || ' ' || COALESCE(column_default, '-') FROM information_schema.columns
                WHERE table_name = 'personas' ORDER BY ordinal_position
                """
            ).map { try $0.decode(String.self) }
            #expect(columns.first == "id uuid gen_random_uuid()")
            #expect(columns.last == "formality integer 1", "002's columns are appended, in order")
            #expect(columns.contains("writing_samples jsonb '[]'::jsonb"))
            let indexes = Set(
                try await cluster.query(name, "SELECT indexname FROM pg_indexes WHERE schemaname = 'public'").map { try $0.decode(String.self) })
            for expected in [
                "uq_reply_per_persona_per_post", "uq_jobs_active_generate_reply", "idx_jobs_active_pick", "idx_events_engagement_battle",
                "idx_events_battle_id_created_at", "idx_posts_persona_published_created_id",
            ] {
                #expect(indexes.contains(expected), "index \(expected)")
            }
            #expect(!indexes.contains("idx_jobs_post_persona"), "pruned by 012, as SQLite's 0005")
        }
    }

    @Test func aDatabaseTheOriginalMadeIsAdoptedInPlaceWithItsRows() async throws {
        try await Self.withEmptyStore { store, cluster, name in
            // The original's runner: 001-007 applied, recorded under its own file names, rows written as it writes them.
            _ = try await cluster.query(
                name, "CREATE TABLE schema_migrations (version TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT NOW())")
            for migration in PostgresMigrations.all.prefix(7) {
                for statement in PostgresMigrations.statements(migration.sql) { _ = try await cluster.query(name, statement) }
                let original = migration.version.prefix(4) + "original_name.sql"
                _ = try await cluster.query(name, "INSERT INTO schema_migrations(version) VALUES ('\(original)')")
            }
            let hash = "$2a$10$7EqJtq98hPqEX7fNZaFWoO5kQ8n0g9b1g1Qb3Jq5b1Qb3Jq5b1Qb3"
            _ = try await cluster.query(
                name,
                """
                WITH u AS (INSERT INTO users(email, password_hash) VALUES ('old@example.com', '\(hash)') RETURNING id),
                     r AS (INSERT INTO rooms(slug, name) VALUES ('go-backend', 'go-backend') RETURNING id),
                     p AS (INSERT INTO personas(user_id, name, writing_samples) SELECT id, 'Old Persona', '["a", "b", "c"]' FROM u RETURNING id, user_id),
                     po AS (INSERT INTO posts(room_id, persona_id, user_id, authored_by, status, content, published_at)
                            SELECT r.id, p.id, p.user_id, 'AI_DRAFT_APPROVED', 'PUBLISHED', 'Old post', NOW() FROM r, p RETURNING id, persona_id)
                INSERT INTO jobs(job_type, post_id, persona_id, payload)
                SELECT 'generate_reply', po.id, po.persona_id, jsonb_build_object('post_id', po.id::text, 'persona_id', po.persona_id::text) FROM po
                """)
            #expect(try await store.pendingMigrations() == PostgresMigrations.all.dropFirst(7).map(\.version))
            try await store.migrate()
            #expect(try await store.pendingMigrations().isEmpty)
            let status = try await store.migrationStatus()
            #expect(status.applied == status.expected)
            let user = try #require(try await store.user(email: "old@example.com"))
            #expect(user.passwordHash == hash, "the original's bcrypt hash is served as stored")
            let personas = try await store.personas(ownedBy: user.id)
            #expect(personas.map(\.fields.name) == ["Old Persona"] && personas[0].fields.writingSamples == ["a", "b", "c"])
            let job = try #require(try await store.claimJob(policy: QueuePolicy(maxAttempts: 5, leaseSeconds: 60), now: SystemClock().now()))
            #expect(job.personaID == personas[0].id)
            guard case .ready(let context)? = job.prefetched else {
                Issue.record("no context")
                return
            }
            #expect(context.post?.content == "Old post")
        }
    }

    @Test func idsThatAreNotLowerCaseUUIDsAreNotFoundNeverErrors() async throws {
        let cluster = try await PostgresCluster.shared()
        try await cluster.withStore { store, _ in
            let load = try await store.seedSyntheticLoad(personas: 1, posts: 1, replyQuota: 5, now: Self.now)
            for bad in ["nope", "", "'; DROP TABLE users; --", load.personas[0].uppercased(), String(repeating: "g", count: 36)] {
                #expect(try await store.persona(id: bad, ownedBy: load.user) == nil)
                #expect(try await store.post(id: bad) == nil)
                #expect(try await store.thread(postID: bad) == nil)
                #expect(try await store.isAdmin(userID: bad) == false)
                #expect(try await store.publicBattle(id: bad, withReplies: true) == nil)
                #expect(try await store.deletePersona(id: bad, ownedBy: load.user) == false)
                #expect(try await store.personas(ownedBy: bad).isEmpty)
                #expect(try await store.notifications(userID: bad, limit: 10).items.isEmpty)
            }
            await #expect(throws: DomainError.unknownPersona("nope")) { try await store.resolvePersonas(userID: load.user, ids: ["nope"]) }
        }
    }

    @Test func timestampsRoundTripToTheMicrosecond() async throws {
        let cluster = try await PostgresCluster.shared()
        try await cluster.withStore { store, _ in
            for micros: Int64 in [1_800_000_000_123_456, 946_684_800_000_001, 946_684_799_999_999, 1, -1_000_001] {
                let at = Timestamp(microseconds: micros)
                let user = try await store.createUser(email: "t\(micros)@example.com", passwordHash: "x", now: at)
                #expect(try await store.user(email: user.email)?.createdAt == at)
            }
        }
    }

    @Test func aDuplicateEmailIsEmailTakenAndTheTransactionLeavesNothing() async throws {
        let cluster = try await PostgresCluster.shared()
        try await cluster.withStore { store, name in
            _ = try await store.createUser(email: "dup@example.com", passwordHash: "x", now: Self.now)
            await #expect(throws: DomainError.emailTaken) {
                _ = try await store.createUser(email: "dup@example.com", passwordHash: "y", shareSlug: "s", now: Self.now)
            }
            let events = try await cluster.query(name, "SELECT COUNT(*) FROM events WHERE event_name = 'signup_from_share'")
            #expect(try events[0].decode(Int.self) == 0)
        }
    }
}
