import Domain
import Foundation
import Hummingbird
import Logging
import SQLiteStorage
import ServiceLifecycle
import Storage

/// The CLI's entry points into the app, so the executable stays thin.
public enum AppCommands {
    /// Which parts `serve` runs in this process.
    public enum Role: Sendable { case all, httpOnly, workerOnly }

    /// Runs the HTTP server and/or the worker pool until SIGTERM/SIGINT.
    ///
    /// On SQLite, holds `DatabaseLock`'s shared lock for the whole run, so `restore` can tell that a server uses the
    /// file. A PostgreSQL server is shared by design (any number of nodes), so there is no file and no lock.
    public static func serve(_ deps: AppDependencies, role: Role) async throws {
        var deps = deps
        deps.runWorker = role != .httpOnly
        deps.servesHTTP = role != .workerOnly
        try FileManager.default.createDirectory(atPath: deps.config.dataDirectory, withIntermediateDirectories: true)
        var lock: DatabaseLock?
        if deps.config.databaseURL == nil {
            do { lock = try DatabaseLock.shared(database: deps.config.databasePath) } catch {
                if case .held(_, let pid) = error { throw ServeRefused(database: deps.config.databasePath, pid: pid) }
                throw error
            }
        }
        defer { withExtendedLifetime(lock) {} }
        try raiseFileLimit(deps)
        switch role {
        case .all, .httpOnly:
            let app = try await buildApplication(deps)
            deps.logger.info(
                "api_listening",
                metadata: [
                    "addr": .string("\(deps.config.bindAddress):\(deps.config.port)"),
                    "version": .string(AppVersion.current),
                ])
            try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])
        case .workerOnly:
            let parts = try await AppParts.make(deps)
            if deps.config.workerObservabilityPort > 0 {
                let app = try ObservabilityServer.application(parts, deps: deps)
                deps.logger.info(
                    "worker_observability_listening",
                    metadata: ["addr": .string("\(deps.config.bindAddress):\(deps.config.workerObservabilityPort)")])
                try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])
            } else {
                parts.supervision.readiness.signal(status: "worker running")
                let group = ServiceGroup(
                    configuration: .init(
                        services: parts.services, gracefulShutdownSignals: [.sigterm, .sigint],
                        logger: deps.logger))
                try await group.run()
            }
        }
        deps.logger.info("api_stopped")
    }

    /// Raises the open-file soft limit to the hard one and logs both (`fd_limit`), with the connection caps that
    /// follow from it (`ConnectionLimits`); throws `ConfigError` for a `MAX_CONNECTIONS` the limit cannot hold.
    static func raiseFileLimit(_ deps: AppDependencies) throws {
        guard let (before, after) = FileDescriptorLimit.raiseSoftToHard() else {
            deps.logger.warning("fd_limit_unknown")
            return
        }
        let limits = try ConnectionLimits.resolve(config: deps.config, fileLimit: after.soft)
        let tight = limits.eatsIntoReserve(fileLimit: after.soft, workerConcurrency: deps.config.workerConcurrency)
        deps.logger.log(
            level: tight ? .warning : .info, "fd_limit",
            metadata: [
                "old": .stringConvertible(before.soft), "new": .stringConvertible(after.soft), "hard": .stringConvertible(after.hard),
                "max_connections": .stringConvertible(limits.total), "max_connections_per_ip": .stringConvertible(limits.perClient),
                "reserve": .stringConvertible(ConnectionLimits.reserve(workerConcurrency: deps.config.workerConcurrency)),
            ])
    }

    /// `serve` found the exclusive lock of a `restore` in progress.
    public struct ServeRefused: Error, CustomStringConvertible {
        public let database: String
        public let pid: Int32?
        public var description: String {
            "a restore is replacing \(database)" + (pid.map { " (pid \($0))" } ?? "") + "; start the server when it is done"
        }
    }

    /// Generates the engagement dataset of `seed --demo-scale N`; nil when the database already has one.
    public static func seedScale(
        _ deps: AppDependencies, n: Int, progress: @escaping @Sendable (String, Int, Int) -> Void
    )
        async throws -> DemoScale?
    {
        let hash = try await PasswordHasher().hash(AppCommands.scalePassword)
        return try await StoreEngine.with(config: deps.config, clock: deps.clock, migrate: true) { engine in
            try await engine.seeder.seedDemoScale(n, passwordHash: hash, now: deps.clock.now(), progress: progress)
        }
    }

    /// The password of every `seed --demo-scale` user.
    public static let scalePassword = "scale-password"

    /// Applies the schema and default seed data, then exits.
    public static func migrate(_ deps: AppDependencies) async throws -> MigrationStatus {
        try await StoreEngine.with(config: deps.config, clock: deps.clock, migrate: true) { engine in
            try await engine.store.migrationStatus()
        }
    }

    /// Seeds rooms and the template; with `demo`, also the demo user, persona and post.
    public static func seed(_ deps: AppDependencies, demo: Bool, demoEmail: String, demoPassword: String) async throws -> DemoSeed? {
        try await StoreEngine.with(config: deps.config, clock: deps.clock, migrate: true) { engine in
            guard demo else { return nil }
            let email = try AuthRules.validateSignup(email: demoEmail, password: demoPassword)
            let hash = try await PasswordHasher().hash(demoPassword)
            return try await engine.seeder.seedDemo(email: email, passwordHash: hash, now: deps.clock.now())
        }
    }
}
