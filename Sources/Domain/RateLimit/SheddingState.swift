import Synchronization

/// Adaptive load shedding: tightens anonymous public writes while the job system is struggling.
///
/// Two signals drive it: the depth of the reply-generation queue and the number of job retries
/// in the last ten minutes. Shedding is active while **either** exceeds its threshold, and ends
/// only when **both** are back at or below theirs. While active, the public-write limit for
/// anonymous callers is halved (never below 1 request per minute unless the class is disabled);
/// authentication and read-only classes are never shed, so people can still sign in and read.
///
/// A periodic task (`SheddingMonitor`) calls `update` while requests arrive (`noteRequest`), or while it is on; the HTTP layer reads `isActive` or asks for `effectiveRule`. Safe to share across tasks.
public final class SheddingState: Sendable {
    /// Default queue depth above which shedding starts.
    public static let defaultQueueDepthThreshold = 200
    /// Default retries-in-ten-minutes above which shedding starts.
    public static let defaultRetriesThreshold = 30

    /// Shedding starts when the queue depth exceeds this.
    public let queueDepthThreshold: Int
    /// Shedding starts when retries in the last ten minutes exceed this.
    public let retriesThreshold: Int

    private let active = Atomic<Bool>(false)
    /// Set by each rate-limited request since the monitor last looked (`takeRequestsSeen`).
    private let requestsSeen = Atomic<Bool>(false)

    public init(
        queueDepthThreshold: Int = defaultQueueDepthThreshold,
        retriesThreshold: Int = defaultRetriesThreshold
    ) {
        self.queueDepthThreshold = queueDepthThreshold
        self.retriesThreshold = retriesThreshold
    }

    /// Whether shedding is in force now.
    public var isActive: Bool { active.load(ordering: .relaxed) }

    /// Feeds the latest signals and returns whether shedding is now active: active while either
    /// signal exceeds its threshold, inactive once both are at or below theirs.
    @discardableResult
    public func update(queueDepth: Int, retriesLast10m: Int) -> Bool {
        let shed = queueDepth > queueDepthThreshold || retriesLast10m > retriesThreshold
        active.store(shed, ordering: .relaxed)
        return shed
    }

    /// The rule to enforce for one request: while shedding, a public-write rule for an
    /// anonymous caller is halved (rounded down, at least 1); every other case is unchanged, and
    /// a disabled rule stays disabled.
    public func effectiveRule(
        _ rule: RateLimitRule, class limitClass: RateLimitClass,
        anonymous: Bool
    ) -> RateLimitRule {
        guard isActive, anonymous, limitClass.isSheddable, !rule.isDisabled else { return rule }
        return RateLimitRule(limit: max(1, rule.limit / 2), per: rule.period)
    }

    /// Notes a rate-limited request (one relaxed load on the hot path; a store only on the first since the last look).
    public func noteRequest() {
        if !requestsSeen.load(ordering: .relaxed) { requestsSeen.store(true, ordering: .relaxed) }
    }

    /// Whether a rate-limited request arrived since the last call, which resets it. The monitor reads the database's
    /// signals only then (or while shedding is on), so an idle node asks nothing.
    public func takeRequestsSeen() -> Bool { requestsSeen.exchange(false, ordering: .relaxed) }
}
