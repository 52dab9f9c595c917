/// A store's connection pool as `/metrics` shows it (PostgreSQL; SQLite has no pool).
public struct ConnectionPoolFigures: Sendable, Equatable {
    /// Connections the pool keeps at most (`DATABASE_POOL_SIZE`).
    public let size: Int
    /// Connections leased to a database call now.
    public let inUse: Int
    /// Database calls waiting for a connection now.
    public let waiting: Int

    public init(size: Int, inUse: Int, waiting: Int) {
        self.size = size
        self.inUse = inUse
        self.waiting = waiting
    }
}

/// What a pool reports as it happens: each lease with how long the call waited for it, and each call that gave up
/// waiting (its deadline or `DB_QUERY_TIMEOUT` passed first).
public struct ConnectionPoolObserver: Sendable {
    public var leased: @Sendable (_ waitedSeconds: Double) -> Void
    public var timedOut: @Sendable () -> Void

    public init(leased: @escaping @Sendable (Double) -> Void, timedOut: @escaping @Sendable () -> Void) {
        self.leased = leased
        self.timedOut = timedOut
    }

    /// Reports nothing (commands, tests).
    public static let none = ConnectionPoolObserver(leased: { _ in }, timedOut: {})
}
