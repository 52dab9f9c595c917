import App
import ArgumentParser
import Foundation
import Logging
import Metrics
import Prometheus
import Synchronization

/// `personaworlds`: the PersonaWorlds appliance in one binary.
@main
struct PersonaWorlds: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "personaworlds",
        abstract: "PersonaWorlds backend in one process on SQLite, or on PostgreSQL (DATABASE_URL) with any number of nodes.",
        discussion:
            "Configuration comes from the environment, optionally layered over an env-style file (--config FILE or PERSONAWORLDS_CONFIG); the environment wins. See config/personaworlds.env.example.",
        version: AppVersion.current,
        subcommands: [
            Serve.self, Migrate.self, Seed.self, AdminCommand.self, BackupCommand.self, RestoreCommand.self, DoctorCommand.self,
            MoveToPostgresCommand.self,
            Version.self,
        ],
        defaultSubcommand: Serve.self
    )
}

/// Options every subcommand shares.
struct CommonOptions: ParsableArguments {
    @Option(name: .long, help: "Env-style config file (KEY=VALUE lines). Also PERSONAWORLDS_CONFIG. Environment variables win.")
    var config: String?

    /// Loads and validates configuration, bootstraps logging and metrics once; exits 2 on a bad value.
    func bootstrap(service: String) -> AppDependencies {
        let appConfig: AppConfig
        do {
            appConfig = try loadConfig()
        } catch {
            FileHandle.standardError.write(Data("personaworlds: \(error)\n".utf8))
            Foundation.exit(2)
        }
        let level = Logger.Level(rawValue: appConfig.logLevel) ?? .info
        let output = LogWriter(fileDescriptor: STDOUT_FILENO)
        LogFlushAtExit.install(output)
        LoggingSystem.bootstrap { label in JSONLogHandler(label: label, service: service, level: level, output: output) }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return AppDependencies(
            config: appConfig, logger: Logger(label: "personaworlds"), registry: registry,
            systemd: SystemdEnvironment(environment: ProcessInfo.processInfo.environment, pid: getpid()))
    }

    /// The configuration from the environment over `--config` / `PERSONAWORLDS_CONFIG`.
    func loadConfig() throws -> AppConfig {
        let env = ProcessInfo.processInfo.environment
        return try AppConfig.load(environment: env, configFile: config ?? env["PERSONAWORLDS_CONFIG"])
    }
}

/// `serve`: HTTP API and worker pool in one process.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the HTTP API and the worker pool (default).",
        discussion:
            "Listens on BIND_ADDRESS:PORT (default 0.0.0.0:8080) and uses the PostgreSQL database of DATABASE_URL when set, else the SQLite file DATABASE_PATH (default ./data/personaworlds.sqlite). Applies the schema and default seed data on start. SIGTERM/SIGINT shut down gracefully."
    )
    @OptionGroup var options: CommonOptions
    @Flag(name: .long, help: "Serve HTTP only; run no worker loops in this process.") var noWorker = false
    @Flag(name: .long, help: "Run only the worker pool; no HTTP server.") var workerOnly = false

    func validate() throws {
        if noWorker && workerOnly { throw ValidationError("--no-worker and --worker-only exclude each other") }
    }

    func run() async throws {
        let deps = options.bootstrap(service: workerOnly ? "worker" : "api")
        do {
            try await AppCommands.serve(deps, role: workerOnly ? .workerOnly : (noWorker ? .httpOnly : .all))
        } catch let error as ConfigError {
            FileHandle.standardError.write(Data("personaworlds: \(error)\n".utf8))
            Foundation.exit(2)
        } catch {
            deps.logger.error("startup_failed", metadata: ["error": .string("\(error)")])
            throw ExitCode(1)
        }
    }
}

/// `migrate`: apply the schema and seed defaults, then exit.
struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply the schema (schema.sql + migrations) and default seed data, then exit.")
    @OptionGroup var options: CommonOptions

    func run() async throws {
        let deps = options.bootstrap(service: "migrate")
        let status = try await AppCommands.migrate(deps)
        print("migrate completed: \(status.applied)/\(status.expected) migrations applied to \(deps.config.databaseDescription)")
    }
}

/// `seed`: default rooms and template; `--demo` adds demo content.
struct Seed: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Seed the default rooms and template (idempotent).",
        discussion:
            "With --demo also creates a demo user, a persona published at /p/demo-slug and a published post, so a new install has something to look at."
    )
    @OptionGroup var options: CommonOptions
    @Flag(name: .long, help: "Also create the demo user, persona (slug demo-slug) and a published post.") var demo = false
    @Option(name: .long, help: "Demo user email.") var demoEmail = "demo@personaworlds.local"
    @Option(name: .long, help: "Demo user password (8–72 bytes).") var demoPassword = "demo-password"
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Also generate a benchmark dataset proportional to N: N users (scale-user-<i>@example.com / scale-password), 5·N posts, 20·N follows, 100·N events over 30 days.",
            valueName: "N"))
    var demoScale: Int?

    func run() async throws {
        let deps = options.bootstrap(service: "seed")
        if let n = demoScale {
            guard n > 0 && n <= 1_000_000 else { throw ValidationError("--demo-scale must be between 1 and 1000000") }
            let bar = ProgressBar(label: "seed", enabled: isatty(STDOUT_FILENO) == 1)
            let started = Date()
            guard let made = try await AppCommands.seedScale(deps, n: n, progress: { bar.update($0, $1, $2) }) else {
                print("seed: this database already holds a --demo-scale dataset; nothing done")
                return
            }
            bar.finish()
            print(
                String(
                    format: "seed: demo scale %d: %d users, %d posts, %d follows, %d events in %.1f s", n, made.users, made.posts,
                    made.follows, made.events, Date().timeIntervalSince(started)))
        }
        let result = try await AppCommands.seed(deps, demo: demo, demoEmail: demoEmail, demoPassword: demoPassword)
        print("seed completed: 4 rooms in \(deps.config.databaseDescription)")
        if let result {
            print(
                "demo: user \(demoEmail) / \(demoPassword) (id \(result.userID)), persona \(result.personaID) at /p/demo-slug, post \(result.postID)")
        }
    }
}

/// `version`: print the version.
struct Version: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the version and exit.")
    func run() { print("personaworlds \(AppVersion.current)") }
}

/// A one-line progress bar on a terminal; silent otherwise (logs and pipes stay clean).
final class ProgressBar: @unchecked Sendable {
    private let label: String
    private let enabled: Bool
    private let stageWidth: Int
    private var last = ""

    init(label: String, enabled: Bool, stageWidth: Int = 8) {
        self.label = label
        self.enabled = enabled
        self.stageWidth = stageWidth
    }

    func update(_ stage: String, _ done: Int, _ total: Int) {
        guard enabled, total > 0 else { return }
        let width = 30
        let filled = done * width / total
        let line =
            "\r\(label): \(stage.padding(toLength: stageWidth, withPad: " ", startingAt: 0)) [" + String(repeating: "#", count: filled)
            + String(repeating: " ", count: width - filled) + "] \(done * 100 / total)% (\(done)/\(total))"
        guard line != last else { return }
        last = line
        FileHandle.standardOutput.write(Data(line.utf8))
    }

    func finish() { if enabled { print("") } }
}

/// Writes the log's last lines before the process exits (`exit` runs `atexit` handlers; the writer's thread would
/// otherwise die with lines still queued). A C function pointer cannot capture, so the writer is kept here, set once
/// when logging is bootstrapped.
enum LogFlushAtExit {
    private static let writer = Mutex<LogWriter?>(nil)

    static func install(_ output: LogWriter) {
        writer.withLock { $0 = output }
        atexit { LogFlushAtExit.writer.withLock { $0 }?.flush() }
    }
}
