import Domain
import Foundation
import PostgresNIO
import Storage

/// The reply quota a group-committed batch used, added to `quota_counters` by the batch's last statement: one upsert
/// row per persona and day, in (persona, day) order, each applied only where all of that persona's replies of the
/// batch fit under its quota. Returns how many rows applied; fewer than given means a quota would overflow, and the
/// caller rolls the batch back and runs its finishes one by one.
///
/// Why last, after the batch's claims: the counter rows are the only rows two nodes' batches both write (a persona's
/// replies finish on either node), and a row lock lasts until the commit. Taken in `FinishJobs`, before the claims,
/// they kept the other node's batch waiting through those claims as well as the commit: with two `serve --worker-only`
/// nodes, half of the finishing statement's time was a wait for the other node's transaction. Why ordered: two batches
/// that take the same rows in one order wait for each other at most one way; in the grouping's own order they
/// deadlocked (PostgreSQL breaks a deadlock after `deadlock_timeout` by failing one of them).
///
/// The claims it comes after read the counters without this batch's use; `ReplyQuotaUse.correct` adds it to what
/// they read, so a claimed job sees the count it would have read after this statement.
struct AddReplyQuotaUse: PostgresPreparedStatement {
    static let name = String(reflecting: Self.self)
    static let sql = """
        WITH input AS (
          SELECT * FROM unnest($1::uuid[], $2::text[], $3::int8[], $4::int8[]) AS i(persona_id, day, n, quota_limit)
        ),
        counted AS (
          INSERT INTO quota_counters(persona_id, quota_type, day, used)
          SELECT i.persona_id, 'reply', i.day::date, i.n FROM input i WHERE i.n <= i.quota_limit ORDER BY i.persona_id, i.day
          ON CONFLICT (persona_id, quota_type, day) DO UPDATE SET used = quota_counters.used + excluded.used
            WHERE quota_counters.used + excluded.used
              <= (SELECT i.quota_limit FROM input i WHERE i.persona_id = excluded.persona_id AND i.day::date = excluded.day)
          RETURNING persona_id
        )
        SELECT count(*) FROM counted
        """

    typealias Row = Int64
    let personaIDs: [UUID]
    let days: [String]
    let counts: [Int64]
    let quotaLimits: [Int64]

    init(_ use: ReplyQuotaUse) {
        let rows = use.rows
        personaIDs = rows.map(\.key.persona)
        days = rows.map(\.key.day)
        counts = rows.map { Int64($0.n) }
        quotaLimits = rows.map { Int64($0.limit) }
    }

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings()
        bindings.append(personaIDs)
        bindings.append(days)
        bindings.append(counts)
        bindings.append(quotaLimits)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Int64 { try row.decode(Int64.self) }
}

/// The replies a batch wrote, per persona and day, with the lowest quota their finishes carried (each finish carries
/// the quota its claim read).
struct ReplyQuotaUse: Sendable {
    struct Key: Hashable, Sendable {
        let persona: UUID
        let day: String
    }

    private(set) var counts: [Key: (n: Int, limit: Int)] = [:]

    var isEmpty: Bool { counts.isEmpty }

    /// The rows in (persona, day) order.
    var rows: [(key: Key, n: Int, limit: Int)] {
        counts.map { ($0.key, $0.value.n, $0.value.limit) }.sorted {
            $0.key.persona == $1.key.persona ? $0.key.day < $1.key.day : StoreID.precedes($0.key.persona, $1.key.persona)
        }
    }

    /// Counts a reply `finish` wrote.
    mutating func add(_ finish: QueueFinish) {
        guard case .reply(_, _, let quota) = finish.write, let persona = StoreID.parse(finish.job.personaID) else { return }
        let key = Key(persona: persona, day: DailyQuota.dayKey(finish.now))
        let current = counts[key] ?? (0, quota)
        counts[key] = (current.n + 1, min(current.limit, quota))
    }

    /// `job` with this batch's replies of its persona added to the day's count its claim read on `day`.
    func correct(_ job: ClaimedJob, day: String) -> ClaimedJob {
        guard case .ready(var context) = job.prefetched, let persona = StoreID.parse(job.personaID),
            let used = counts[Key(persona: persona, day: day)]
        else { return job }
        context.repliesToday += used.n
        var corrected = job
        corrected.prefetched = .ready(context)
        return corrected
    }
}
