/// `MAX_CONNECTIONS` and `MAX_CONNECTIONS_PER_IP` after defaults: how many client connections the HTTP
/// server keeps open at once, in total and per client address.
///
/// Rule: connections never take the descriptors the process needs for itself (`reserve`: the database and
/// its WAL for every pooled connection, backups, the card font, the event loops, the LLM requests). Running
/// out of descriptors is fatal here, not merely slow: `accept` fails, SQLite cannot open a file, and
/// libdispatch aborts the process (SIGILL) as soon as its worker-pool monitor cannot open `/proc`, which was
/// seen within seconds of reaching the limit with a flood of idle connections.
public struct ConnectionLimits: Sendable, Equatable {
    /// Open connections, all clients together.
    public let total: Int
    /// Open connections of one client address.
    public let perClient: Int

    /// Descriptors kept for the process's own files outside any connection or LLM request: standard streams,
    /// event loops, the SQLite writer and readers with their WAL, a backup's copy, the card font, `/proc` reads.
    /// An idle server holds about 25.
    static let fixedReserve = 128
    /// Descriptors one LLM request may hold (libcurl: the socket, its wake-up and resolver socket pairs, the CA
    /// file while it starts), with room to spare.
    static let perWorkerReserve = 8

    public init(total: Int, perClient: Int) {
        self.total = total
        self.perClient = perClient
    }

    /// The reserve for a process with `workerConcurrency` workers.
    public static func reserve(workerConcurrency: Int) -> Int { fixedReserve + perWorkerReserve * workerConcurrency }

    /// The default `MAX_CONNECTIONS` under a soft limit of `fileLimit`: the limit less the reserve, but at least
    /// half the limit (a tiny limit is the operator's choice; start-up then logs a warning).
    public static func defaultTotal(fileLimit: Int, workerConcurrency: Int) -> Int {
        max(fileLimit - reserve(workerConcurrency: workerConcurrency), fileLimit / 2, 1)
    }

    /// The limits for `config` under a soft open-file limit of `fileLimit`.
    ///
    /// - Throws: `ConfigError` for a `MAX_CONNECTIONS` above the limit less the reserve: such a cap lets
    ///   connections run the process out of descriptors, which is what the cap is there to prevent.
    public static func resolve(config: AppConfig, fileLimit: Int) throws -> ConnectionLimits {
        let reserve = reserve(workerConcurrency: config.workerConcurrency)
        let total: Int
        if let configured = config.maxConnections {
            guard configured <= fileLimit - reserve else {
                throw ConfigError(
                    variable: "MAX_CONNECTIONS",
                    problem:
                        "\(configured) leaves fewer than \(reserve) of the \(fileLimit) open files for the database, backups and LLM requests; "
                        + "use at most \(max(0, fileLimit - reserve)) or raise the limit (LimitNOFILE)")
            }
            total = configured
        } else {
            total = defaultTotal(fileLimit: fileLimit, workerConcurrency: config.workerConcurrency)
        }
        return ConnectionLimits(total: total, perClient: min(config.maxConnectionsPerIP, total))
    }

    /// Whether the total leaves less than the reserve free (only a default under a tiny open-file limit can).
    public func eatsIntoReserve(fileLimit: Int, workerConcurrency: Int) -> Bool {
        total > fileLimit - Self.reserve(workerConcurrency: workerConcurrency)
    }
}
