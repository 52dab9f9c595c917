import Domain
import Storage

/// The store tests claim daily digests with no refresh age (that rule is the scheduler's, tested with it): a digest
/// older than its persona's newest activity is due at once. Kept out of `Storage` so that no production caller can
/// skip the refresh age by leaving `staleBefore` out.
/// Those tests that are not about the look's window look at all of today's activity, as the scheduler's full looks do.
extension DigestStore {
    public func claimDailyDigests(now: Timestamp, holder: String, lease: Double, limit: Int) async throws -> [DailyDigestWork] {
        try await claimDailyDigests(now: now, holder: holder, lease: lease, limit: limit, staleBefore: now)
    }

    public func claimDailyDigests(
        now: Timestamp, holder: String, lease: Double, limit: Int, staleBefore: Timestamp
    ) async throws -> [DailyDigestWork] {
        try await claimDailyDigests(
            now: now, holder: holder, lease: lease, limit: limit, staleBefore: staleBefore, activitySince: DailyQuota.windowStart(now))
    }
}
