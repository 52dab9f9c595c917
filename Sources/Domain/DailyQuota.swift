/// The daily-quota rule, owned here and called from every site that checks or records a quota
/// (drafts, previews, reply enqueue, the reply worker, battle enqueue).
///
/// A quota counts a persona's `quota_events` of one kind since 00:00 UTC today. At enqueue time
/// the jobs a persona already has queued count too, so the queue can never promise more replies
/// than the quota allows.
public struct DailyQuota: Sendable, Equatable {
    public let kind: QuotaKind
    public let limit: Int

    public init(_ kind: QuotaKind, limit: Int) {
        self.kind = kind
        self.limit = limit
    }

    /// The start of the window that `now` falls in: midnight UTC of its day.
    public static func windowStart(_ now: Timestamp) -> Timestamp { now.startOfDay }

    /// Whether one more unit fits, given what is used today and what is already promised (queued).
    public func allows(used: Int, pending: Int = 0) -> Bool { used + pending < limit }

    /// Throws `quotaReached` unless one more unit fits.
    public func require(used: Int, pending: Int = 0) throws {
        guard allows(used: used, pending: pending) else { throw DomainError.quotaReached(kind) }
    }
}
