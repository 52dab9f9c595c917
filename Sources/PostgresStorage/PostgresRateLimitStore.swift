import Domain
import Logging
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// Rate-limit buckets and login failure counters in PostgreSQL, shared by every node on the database, so a limit holds
/// across front ends (the in-memory store's contract, see `RateLimitStore`).
///
/// A `take` is one atomic statement: `INSERT … ON CONFLICT (key) DO UPDATE … RETURNING` computes the token bucket in SQL
/// with the in-memory bucket's integer arithmetic (units of one microsecond of the period per token): a concurrent take
/// on the same key waits on the row and computes from the winner's level, so no two nodes spend the same token.
/// Failure counters (failed logins only, rare) are read `FOR UPDATE` and written back in one transaction, with the
/// domain's own arithmetic. A row that is full again (`full_at` passed) carries no information and is purged every
/// `purgeEvery` by whichever node gets the transaction-scoped advisory lock first.
///
/// The store fails open, as the protocol asks: when the database cannot answer, requests are allowed and the fault
/// is logged (at most once per `faultLogEvery`), so rate limiting never takes the site down.
public final class PostgresRateLimitStore: RateLimitStore, Service {
    /// How often expired rows are deleted.
    public static let purgeEvery: Duration = .seconds(60)
    /// The advisory lock that keeps the purge to one node at a time (`pg_try_advisory_xact_lock`, never a session lock).
    static let purgeLockKey: Int64 = 82_458_324_716
    /// The shortest interval between two logged faults.
    static let faultLogEvery: Duration = .seconds(10)

    private let store: PostgresStore
    private let logger: Logger
    private let now: @Sendable () -> Timestamp
    private let lastFault = Mutex<ContinuousClock.Instant?>(nil)

    /// - Parameter now: the clock the purge reads (requests pass their own `now`).
    public init(store: PostgresStore, logger: Logger, now: @escaping @Sendable () -> Timestamp) {
        self.store = store
        self.logger = logger
        self.now = now
    }

    /// What a take's upsert returned.
    private struct Outcome: Sendable {
        let level: Int64
        let granted: Bool
    }

    /// The row key: the class and the value it is keyed on (classes never share buckets).
    static func rowKey(_ key: RateLimitKey) -> String { "\(key.limitClass.rawValue):\(key.value)" }

    public func take(_ key: RateLimitKey, rule: RateLimitRule, now: Timestamp) async -> RateLimitDecision {
        guard !rule.isDisabled else { return .unlimited }
        let (rate, unit) = SharedRateLimitState.bucketRate(rule)
        let capacity = rate * unit
        let t = now.microseconds
        let rowKey = Self.rowKey(key)
        do {
            let outcome = try await store.quick { db -> Outcome? in
                guard let row = try await db.rows(Self.takeStatement(key: rowKey, now: t, rate: rate, unit: unit, capacity: capacity)).first
                else { return nil }
                let (level, granted) = try row.decode((Int64, Bool).self)
                return Outcome(level: level, granted: granted)
            }
            guard let outcome else { return .unlimited }
            return SharedRateLimitState.bucketDecision(allowed: outcome.granted, level: outcome.level, rule: rule)
        } catch {
            fault(error)
            return .unlimited
        }
    }

    /// The take as one upsert. An unseen key starts full and spends one token; a known key is refilled for the time
    /// since `updated_at` (at most one period, clamped to the capacity of the rule in force), then spends a token when
    /// a whole one is there. `granted` records which, since the new level alone cannot tell.
    static func takeStatement(key: String, now: Int64, rate: Int64, unit: Int64, capacity: Int64) -> PostgresQuery {
        // $1 key, $2 now, $3 tokens per period (units refilled per microsecond), $4 units per token, $5 capacity.
        let refilled = "LEAST($5, CASE WHEN $2 > b.updated_at THEN b.level + LEAST($2 - b.updated_at, $4) * $3 ELSE b.level END)"
        let spent = "CASE WHEN \(refilled) >= $4 THEN \(refilled) - $4 ELSE \(refilled) END"
        let sql = """
            INSERT INTO rate_limit_buckets AS b (key, level, updated_at, full_at, granted)
            VALUES ($1, $5 - $4, $2, $2 + \(ceilDiv("$4", "$3")), TRUE)
            ON CONFLICT (key) DO UPDATE SET
              level = \(spent),
              updated_at = GREATEST(b.updated_at, $2),
              full_at = GREATEST(b.updated_at, $2) + \(ceilDiv("$5 - (\(spent))", "$3")),
              granted = \(refilled) >= $4
            RETURNING level, granted
            """
        var binds = PostgresBindings(capacity: 5)
        binds.append(key)
        binds.append(now)
        binds.append(rate)
        binds.append(unit)
        binds.append(capacity)
        return PostgresQuery(unsafeSQL: sql, binds: binds)
    }

    /// `TokenBucket.ceilDiv` in SQL: ceiling division of a non-negative numerator by a positive denominator (bigint
    /// division truncates, which is the floor for non-negative operands).
    static func ceilDiv(_ a: String, _ b: String) -> String { "(CASE WHEN (\(a)) <= 0 THEN 0 ELSE ((\(a)) + (\(b)) - 1) / (\(b)) END)" }

    public func peek(_ key: RateLimitKey, rule: RateLimitRule, now: Timestamp) async -> RateLimitDecision {
        guard !rule.isDisabled else { return .unlimited }
        do {
            return SharedRateLimitState.peek(try await stored(key), rule: rule, now: now)
        } catch {
            fault(error)
            return .unlimited
        }
    }

    public func strike(_ key: RateLimitKey, policy: BackoffPolicy, now: Timestamp) async -> BackoffState {
        guard !policy.isDisabled else { return .clear(policy) }
        let rowKey = Self.rowKey(key)
        let t = now.microseconds
        do {
            return try await store.write { db in
                // An unseen key's counter is a fresh one at `now` (level 0, no delay): inserting it first gives a row to
                // lock, so concurrent first failures queue on it instead of one overwriting the other.
                try await db.execute(
                    """
                    INSERT INTO rate_limit_buckets(key, level, updated_at, full_at) VALUES (\(rowKey), 0, \(t), \(t))
                    ON CONFLICT (key) DO NOTHING
                    """)
                let row = try await db.rows(
                    "SELECT level, updated_at, delayed_until, full_at FROM rate_limit_buckets WHERE key = \(rowKey) FOR UPDATE"
                ).first
                let stored = try row.map { row in
                    let (level, updated, delayed, full) = try row.decode((Int64, Int64, Int64, Int64).self)
                    return SharedRateLimitState(level: level, updatedAt: updated, delayedUntil: delayed, fullAt: full)
                }
                let (next, state) = SharedRateLimitState.strike(stored, policy: policy, now: now)
                try await db.execute(
                    """
                    UPDATE rate_limit_buckets SET level = \(next.level), updated_at = \(next.updatedAt),
                      delayed_until = \(next.delayedUntil), full_at = \(next.fullAt)
                    WHERE key = \(rowKey)
                    """)
                return state
            }
        } catch {
            fault(error)
            return .clear(policy)
        }
    }

    public func backoff(_ key: RateLimitKey, policy: BackoffPolicy, now: Timestamp) async -> BackoffState {
        guard !policy.isDisabled else { return .clear(policy) }
        do {
            return SharedRateLimitState.backoff(try await stored(key), policy: policy, now: now)
        } catch {
            fault(error)
            return .clear(policy)
        }
    }

    public func clear(_ key: RateLimitKey) async {
        let rowKey = Self.rowKey(key)
        do {
            _ = try await store.quick { db in try await db.execute("DELETE FROM rate_limit_buckets WHERE key = \(rowKey)") }
        } catch {
            fault(error)
        }
    }

    /// Deletes the rows that are full again at `now` (they answer as an unknown key does); nil when another node holds
    /// the purge lock. One transaction under `pg_try_advisory_xact_lock`, so it holds behind a transaction pooler.
    @discardableResult
    public func purge(now: Timestamp) async throws -> Int? {
        let t = now.microseconds
        return try await store.write { db in
            guard try await db.value("SELECT pg_try_advisory_xact_lock(\(Self.purgeLockKey))", as: Bool.self) == true else { return nil }
            return try await db.execute("DELETE FROM rate_limit_buckets WHERE full_at <= \(t)")
        }
    }

    /// Purges every `purgeEvery` until graceful shutdown.
    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: Self.purgeEvery) }
            guard !Task.isShuttingDownGracefully && !Task.isCancelled else { return }
            do { try await purge(now: now()) } catch { fault(error) }
        }
    }

    private func stored(_ key: RateLimitKey) async throws -> SharedRateLimitState? {
        let rowKey = Self.rowKey(key)
        return try await store.quick { db in
            try await db.rows("SELECT level, updated_at, delayed_until, full_at FROM rate_limit_buckets WHERE key = \(rowKey)").first.map { row in
                let (level, updated, delayed, full) = try row.decode((Int64, Int64, Int64, Int64).self)
                return SharedRateLimitState(level: level, updatedAt: updated, delayedUntil: delayed, fullAt: full)
            }
        }
    }

    /// Logs a database fault, at most once per `faultLogEvery` (a flood of requests during an outage logs a line, not
    /// a line per request).
    private func fault(_ error: any Error) {
        let now = ContinuousClock.now
        let log = lastFault.withLock { last -> Bool in
            if let last, now - last < Self.faultLogEvery { return false }
            last = now
            return true
        }
        if log { logger.warning("rate_limit_store_unavailable", metadata: ["detail": .string("\(error)"), "effect": "requests allowed"]) }
    }
}
