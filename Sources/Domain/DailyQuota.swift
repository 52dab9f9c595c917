/// The daily-quota rule, owned here and called from every site that checks or records a quota
/// (drafts, previews, reply enqueue, the reply worker, battle enqueue).
///
/// A quota counts a persona's uses of one kind on the current UTC day (`dayKey`). A use is consumed in one
/// atomic conditional write (a per-day counter row that only moves while it is below the limit), so concurrent
/// writers can never exceed it on any engine. At enqueue time the jobs a persona already has queued count too, so
/// the queue can never promise more replies than the quota allows.
public struct DailyQuota: Sendable, Equatable {
    public let kind: QuotaKind
    public let limit: Int

    public init(_ kind: QuotaKind, limit: Int) {
        self.kind = kind
        self.limit = limit
    }

    /// The start of the window that `now` falls in: midnight UTC of its day.
    public static func windowStart(_ now: Timestamp) -> Timestamp { now.startOfDay }

    /// The window's key in the per-day counters: the UTC date, `YYYY-MM-DD`.
    public static func dayKey(_ now: Timestamp) -> String { now.dateString }

    /// Whether one more unit fits, given what is used today and what is already promised (queued).
    public func allows(used: Int, pending: Int = 0) -> Bool { used + pending < limit }

    /// Throws `quotaReached` unless one more unit fits.
    public func require(used: Int, pending: Int = 0) throws {
        guard allows(used: used, pending: pending) else { throw DomainError.quotaReached(kind) }
    }
}
