import Domain
import Foundation
import Logging
import PostgresNIO
import PostgresStorage
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A throwaway PostgreSQL cluster for one test process: Debian's `postgresql` binaries, `initdb` into a temporary
/// directory (as the `postgres` OS user when the tests run as root, since initdb refuses root), a unix socket in that
/// directory plus 127.0.0.1 on a free port, `fsync` on. Started on first use; a watchdog process stops it and deletes
/// the directory as soon as the test process is gone, however it ended.
///
/// Each test gets a database of its own, created from a template database that was migrated and seeded once
/// (`CREATE DATABASE … TEMPLATE` copies it in milliseconds). Test databases are never dropped one by one: they go with
/// the cluster when the test process ends. Why: a `DROP DATABASE` forces a checkpoint and waits for it, and with
/// `fsync` on a checkpoint syncs every file of every database created since the previous one (about 450 each); on a
/// loaded machine one took 212 s (56,644 files), the drops queued behind it held every admin connection, and every
/// test waiting for its database stalled. For the same reason no checkpoint runs during a test process at all (a
/// long `checkpoint_timeout`, a `max_wal_size` above what one run writes); commits still flush the WAL (`fsync` on).
public final class PostgresCluster: Sendable {
    /// The cluster of this process, started on first use (nil after a failed start, with the reason in `startError`).
    public static func shared() async throws -> PostgresCluster {
        try await starter.value
    }

    private static let starter = Task<PostgresCluster, any Error> { try await PostgresCluster.start() }

    /// The socket directory, TCP port and database user.
    public let socketDirectory: String
    public let port: Int
    public let user: String
    private let admin: PostgresClient
    private let adminTask: Task<Void, Never>
    private static let template = "personaworlds_template"
    /// Tests run in parallel, each app with a pool of 4 plus its listener and the tests' own queries; a loaded machine
    /// keeps more of them open at once, and a refused connection (`too many clients`) turns into a lease timeout.
    static let maxConnections = 1000

    private init(socketDirectory: String, port: Int, user: String) {
        self.socketDirectory = socketDirectory
        self.port = port
        self.user = user
        var config = PostgresClient.Configuration(
            unixSocketPath: "\(socketDirectory)/.s.PGSQL.\(port)", username: user, password: nil, database: "postgres")
        config.options.maximumConnections = 4
        let client = PostgresClient(configuration: config, backgroundLogger: Logger(label: "test.postgres.admin"))
        self.admin = client
        self.adminTask = Task { await client.run() }
    }

    /// Settings for database `name` over the socket (pool of `poolSize`).
    public func settings(database name: String, poolSize: Int = 4) -> PostgresSettings {
        PostgresSettings(
            endpoint: .socket(path: "\(socketDirectory)/.s.PGSQL.\(port)"), username: user, password: nil, database: name, tls: .disable,
            poolSize: poolSize, queryTimeout: 30)
    }

    /// A `DATABASE_URL` for database `name` over the socket.
    public func url(database name: String) -> String {
        "postgresql://\(user)@:\(port)/\(name)?host=\(socketDirectory)&sslmode=disable"
    }

    /// A new database holding the migrated, seeded schema.
    public func freshDatabase() async throws -> String {
        let name = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        try await admin.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name) TEMPLATE \(Self.template)"))
        return name
    }

    /// An empty database (no schema), for migration tests.
    public func emptyDatabase() async throws -> String {
        let name = "e_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        try await admin.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name) TEMPLATE template0"))
        return name
    }

    /// A started store on a fresh database, closed after `body`; `poolSize` and `queryTimeout` (seconds, 0 for none)
    /// override the test defaults.
    public func withStore<T: Sendable>(
        poolSize: Int = 4, queryTimeout: Double? = nil, _ body: (PostgresStore, String) async throws -> T
    ) async throws -> T {
        let name = try await freshDatabase()
        var settings = settings(database: name, poolSize: poolSize)
        if let queryTimeout { settings.queryTimeout = queryTimeout }
        let store = PostgresStore(settings: settings, logger: Logger(label: "test.postgres"))
        store.start()
        do {
            let result = try await body(store, name)
            try await store.close()
            return result
        } catch {
            try? await store.close()
            throw error
        }
    }

    /// Runs one statement as the cluster's superuser on database `name` (fixtures and checks in tests).
    public func query(_ name: String, _ sql: String) async throws -> [PostgresRow] {
        var config = PostgresClient.Configuration(
            unixSocketPath: "\(socketDirectory)/.s.PGSQL.\(port)", username: user, password: nil, database: name)
        config.options.maximumConnections = 1
        // Quiet: the query may be issued a moment before the task running the client has started, which the client
        // warns about and then serves.
        var logger = Logger(label: "test.postgres.query")
        logger.logLevel = .error
        let client = PostgresClient(configuration: config, backgroundLogger: logger)
        return try await withThrowingTaskGroup(of: [PostgresRow]?.self) { group in
            group.addTask {
                await client.run()
                return nil
            }
            defer { group.cancelAll() }
            var rows: [PostgresRow] = []
            for try await row in try await client.query(PostgresQuery(unsafeSQL: sql)) { rows.append(row) }
            return rows
        }
    }

    // MARK: Start-up

    private static func start() async throws -> PostgresCluster {
        guard let bin = findBinaries() else {
            throw TestFailure("PostgreSQL is not installed (Debian: apt-get install postgresql; scripts/deps.sh test installs it)")
        }
        let root = getuid() == 0
        let dir = NSTemporaryDirectory() + "pw-pg-" + UUID().uuidString.prefix(8).lowercased()
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let user = root ? "postgres" : ProcessInfo.processInfo.userName
        if root { try run("/bin/chown", ["postgres:", dir]) }
        let asUser: (String, [String]) -> (String, [String]) = { tool, args in
            root ? ("/usr/sbin/runuser", ["-u", "postgres", "--", tool] + args) : (tool, args)
        }
        let data = dir + "/data"
        let (initdb, initArgs) = asUser(
            bin + "/initdb", ["-D", data, "-U", user, "-E", "UTF8", "--no-locale", "--auth-local=trust", "--auth-host=trust", "--no-sync"])
        try run(initdb, initArgs)
        let port = ServerProcess.freePort()
        let conf = """

            # personaworlds tests: a throwaway cluster
            listen_addresses = '127.0.0.1'
            port = \(port)
            unix_socket_directories = '\(dir)'
            fsync = on
            max_connections = \(Self.maxConnections)
            shared_buffers = 64MB
            checkpoint_timeout = 1d
            max_wal_size = 64GB
            wal_compression = on
            autovacuum = off
            """
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: data + "/postgresql.conf"))
        handle.seekToEndOfFile()
        handle.write(Data(conf.utf8))
        try handle.close()
        try startWatchdog(pgctl: bin + "/pg_ctl", data: data, dir: dir, root: root)
        let (pgctl, startArgs) = asUser(bin + "/pg_ctl", ["-D", data, "-l", dir + "/postgres.log", "-w", "-t", "60", "start"])
        try run(pgctl, startArgs)
        let cluster = PostgresCluster(socketDirectory: dir, port: port, user: user)
        try await cluster.prepareTemplate()
        return cluster
    }

    /// Creates the template database, migrates and seeds it, and closes every connection to it (a template must have
    /// none while it is copied).
    private func prepareTemplate() async throws {
        try await admin.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(Self.template)"))
        let store = PostgresStore(settings: settings(database: Self.template), logger: Logger(label: "test.postgres.template"))
        store.start()
        try await store.migrate()
        try await store.seedDefaults(now: SystemClock().now())
        try await store.close()
        try await admin.query(PostgresQuery(unsafeSQL: "ALTER DATABASE \(Self.template) WITH IS_TEMPLATE true"))
    }

    /// The newest PostgreSQL under /usr/lib/postgresql with initdb and pg_ctl.
    static func findBinaries() -> String? {
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).compactMap(Int.init).sorted(by: >)
        for version in versions {
            let bin = "\(root)/\(version)/bin"
            if FileManager.default.isExecutableFile(atPath: bin + "/initdb") && FileManager.default.isExecutableFile(atPath: bin + "/pg_ctl") {
                return bin
            }
        }
        return nil
    }

    /// A watchdog that outlives this process: when the test process is gone it stops the cluster and deletes the
    /// directory. It runs in a session of its own (a signal to the tests' process group does not reach it) and is
    /// left to init (a shell that backgrounds it and exits), so nothing here ever waits for it.
    private static func startWatchdog(pgctl: String, data: String, dir: String, root: Bool) throws {
        let stop = root ? "/usr/sbin/runuser -u postgres -- \(pgctl)" : pgctl
        let script = "while kill -0 \(getpid()) 2>/dev/null; do sleep 0.5; done; \(stop) -D '\(data)' -m immediate -w -t 30 stop; rm -rf '\(dir)'"
        try run("/bin/sh", ["-c", "setsid /bin/sh -c \"\(script)\" </dev/null >/dev/null 2>&1 &"])
    }

    /// Runs a tool to its end (posix_spawn and waitpid: Foundation's Process does not always reap a child here, and
    /// its waitUntilExit then never returns). Output goes to a file, not a pipe, which a server the tool leaves
    /// running would hold open.
    private static func run(_ tool: String, _ arguments: [String]) throws {
        let log = NSTemporaryDirectory() + "pw-pg-run-" + UUID().uuidString
        defer { unlink(log) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = ([tool] + arguments).map { strdup($0) } + [nil]
        defer { for arg in argv { free(arg) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, tool, &actions, nil, argv, environ)
        guard spawned == 0 else { throw TestFailure("cannot start \(tool): \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        // WIFEXITED && WEXITSTATUS == 0
        guard status & 0x7f == 0, (status >> 8) & 0xff == 0 else {
            throw TestFailure("\(tool) \(arguments.joined(separator: " ")) failed (status \(status)): \(text)")
        }
    }

}
