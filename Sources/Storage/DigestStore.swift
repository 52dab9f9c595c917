import Domain

/// Daily persona digests and weekly user digests: which are due, their inputs, and the fenced writes. Work is
/// claimed under a lease per (kind, subject, period): a claim takes only leases that are free or expired, in one
/// atomic conditional write, so two schedulers (threads, processes or nodes) never hold the same lease.
public protocol DigestStore: Sendable {
    /// Claims up to `limit` personas with activity today whose digest for today is missing, or older than their newest
    /// activity today and written at or before `staleBefore` (a digest is refreshed at most once per refresh age),
    /// oldest first. Only personas with activity at or after `activitySince` are looked at (`DailyDigestRules.lookStart`:
    /// never before today's start), so a look reads the activity events of its window and no more. The claim's write
    /// transaction takes the leases and nothing else: each persona's day is read afterwards (`personaDayActivity`),
    /// because a write transaction held across those reads kept every other writer waiting (on SQLite, all of them;
    /// on PostgreSQL, another node's scheduler claiming the same personas).
    func claimDailyDigests(
        now: Timestamp, holder: String, lease: Double, limit: Int, staleBefore: Timestamp, activitySince: Timestamp
    ) async throws
        -> [DailyDigestWork]
    /// The persona's activity from `since` (the start of its digest's day) on, read outside any write transaction.
    func personaDayActivity(personaID: String, since: Timestamp) async throws -> PersonaDayActivity
    /// Gives back the daily-digest leases `holder` still holds for `personaIDs` on `date` (at most a claim's batch), so
    /// the next pass can take them at once instead of after the lease's expiry; a lease that passed to another holder
    /// is left alone.
    func releaseDailyDigests(personaIDs: [String], date: String, holder: String) async throws
    /// Writes the digest if `holder` still holds the lease and it differs from the stored one, then releases the lease.
    func finishDailyDigest(
        personaID: String, date: String, summary: String, stats: String, holder: String, snapshotAt: Timestamp, now: Timestamp
    ) async throws -> DigestWrite
    /// A stored persona digest: that `date`'s or, with nil, the latest.
    func personaDigest(personaID: String, date: String?) async throws -> StoredPersonaDigest?
    /// Claims up to `limit` users whose digest for `weekStart` is missing or older than `staleBefore`, oldest first.
    func claimWeeklyDigests(
        weekStart: String, now: Timestamp, staleBefore: Timestamp, holder: String, lease: Double, limit: Int
    )
        async throws -> [String]
    /// Battles with shares or remixes since `engagementSince`, created since `createdSince`.
    func weeklyEngagedBattles(engagementSince: Timestamp, createdSince: Timestamp) async throws -> [WeeklyPost]
    /// One user's weekly ranking inputs beyond the shared engaged battles.
    func weeklyUserInputs(userID: String, now: Timestamp) async throws -> WeeklyUserInputs
    /// The first replies of a battle, for its summary.
    func firstReplies(postID: String, limit: Int) async throws -> [LLMText]
    /// Writes the week's items if `holder` still holds the lease and they changed; either way the user is marked
    /// checked (the lease is kept until `checkedUntil`).
    func finishWeeklyDigest(
        userID: String, weekStart: String, itemsJSON: String, holder: String, now: Timestamp, checkedUntil: Timestamp
    )
        async throws -> DigestWrite
    /// The user's digest for `weekStart`, else their latest.
    func weeklyDigest(userID: String, weekStart: String) async throws -> StoredWeeklyDigest?
    /// Drops leases that expired before `before` (housekeeping; an expired lease already counts as free).
    func purgeDigestLeases(before: Timestamp) async throws
}
