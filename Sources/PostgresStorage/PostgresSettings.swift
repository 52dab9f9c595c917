/// How to reach the PostgreSQL server and how many connections to keep (from `DATABASE_URL`, `DATABASE_POOL_SIZE` and
/// `DB_QUERY_TIMEOUT`).
public struct PostgresSettings: Sendable, Equatable {
    /// TLS towards the server, as libpq's `sslmode`: `disable` (plain), `prefer` (TLS when the server offers it),
    /// `require` (TLS or no connection; neither verifies the certificate), `verify-full` (TLS with the certificate
    /// verified against the system's roots and the host name).
    public enum TLSMode: String, Sendable, Equatable, CaseIterable {
        case disable, prefer, require
        case verifyFull = "verify-full"
    }

    /// Where the server listens: TCP, or a unix socket file.
    public enum Endpoint: Sendable, Equatable {
        case tcp(host: String, port: Int)
        case socket(path: String)
    }

    public var endpoint: Endpoint
    public var username: String
    public var password: String?
    public var database: String
    public var tls: TLSMode
    /// Connections this process keeps at most (`DATABASE_POOL_SIZE`).
    public var poolSize: Int
    /// Bound in seconds on each statement (the server's `statement_timeout`) and on the wait for a connection; 0 means
    /// none.
    public var queryTimeout: Double

    /// The pool size when `DATABASE_POOL_SIZE` is unset: four nodes of 10 stay well under PostgreSQL's default
    /// `max_connections` of 100.
    public static let defaultPoolSize = 10

    public init(
        endpoint: Endpoint, username: String, password: String?, database: String, tls: TLSMode = .prefer,
        poolSize: Int = PostgresSettings.defaultPoolSize, queryTimeout: Double = 5
    ) {
        self.endpoint = endpoint
        self.username = username
        self.password = password
        self.database = database
        self.tls = tls
        self.poolSize = poolSize
        self.queryTimeout = queryTimeout
    }

    /// The same server and credentials, another database (tests create one database per test).
    public func database(_ name: String) -> PostgresSettings {
        var copy = self
        copy.database = name
        return copy
    }
}
