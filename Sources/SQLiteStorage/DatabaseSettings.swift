/// Connection-level settings for the SQLite store.
public struct DatabaseSettings: Sendable {
    /// Path of the database file.
    public var path: String
    /// Per-access statement timeout in seconds (`DB_QUERY_TIMEOUT`); 0 disables it.
    public var queryTimeout: Double
    /// How long a writer waits for the lock before failing with SQLITE_BUSY.
    public var busyTimeout: Double
    /// Number of reader connections.
    public var maximumReaderCount: Int
    /// Read-only connections of their own for the short index reads on every authenticated request (`ReadLanes`):
    /// two, one per core of the small box the appliance targets; a lane only queues reads of a few rows.
    public var quickReadConnections: Int

    public init(
        path: String, queryTimeout: Double = 5, busyTimeout: Double = 5, maximumReaderCount: Int = 8, quickReadConnections: Int = 2
    ) {
        self.path = path
        self.queryTimeout = queryTimeout
        self.busyTimeout = busyTimeout
        self.maximumReaderCount = maximumReaderCount
        self.quickReadConnections = quickReadConnections
    }
}
