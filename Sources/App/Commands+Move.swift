import Foundation
import Logging

/// `move-to-postgres`: the one-command move from SQLite to PostgreSQL (`SQLiteToPostgresMove`).
extension AppCommands {
    /// A `--to` value that is not a PostgreSQL URL (the CLI exits 2, as for a malformed `DATABASE_URL`).
    public struct MoveTargetInvalid: Error, CustomStringConvertible {
        public let description: String
    }

    /// What a move did, for the CLI's summary.
    public struct MoveSummary: Sendable {
        public struct Table: Sendable {
            public let name: String
            public let sourceRows: Int
            public let sourceChecksum: String
            public let targetRows: Int?
            public let targetChecksum: String?
            public var matches: Bool { targetRows == sourceRows && targetChecksum == sourceChecksum }
        }

        public let tables: [Table]
        public let dryRun: Bool
        public let committed: Bool
        public let migrationsPending: Int
        public let replaced: [(table: String, rows: Int)]
        public let copySeconds: Double
        public let verifySeconds: Double
        /// The target without credentials, for messages.
        public let target: String

        public var totalRows: Int { tables.reduce(0) { $0 + $1.sourceRows } }
        public var allMatch: Bool { tables.allSatisfy(\.matches) }
    }

    /// Copies the SQLite database at `DATABASE_PATH` into the PostgreSQL database at `url` (or, with `dryRun`, reads
    /// and converts everything and writes nothing). Throws `MoveTargetInvalid` for a bad URL, `Refused` when the source
    /// or the target does not qualify.
    public static func moveToPostgres(
        _ deps: AppDependencies, to url: String, dryRun: Bool, progress: @escaping @Sendable (String, Int, Int) -> Void
    ) async throws -> MoveSummary {
        let parsed: DatabaseURL
        do { parsed = try DatabaseURL(url) } catch { throw MoveTargetInvalid(description: "--to: \(error)") }
        var settings = StoreEngine.postgresSettings(parsed, config: deps.config)
        // One session does the work; the bound on waiting for it makes an unreachable server an error, not a hang (the
        // copy itself lifts the statement timeout inside its transaction).
        settings.poolSize = 2
        settings.queryTimeout = moveConnectTimeout
        var logger = Logger(label: "personaworlds.move")
        logger.logLevel = .error
        let move = SQLiteToPostgresMove(
            sqlitePath: deps.config.databasePath, target: settings, dryRun: dryRun, progress: progress, logger: logger)
        let report = try await move.run()
        return MoveSummary(
            tables: report.tables.map {
                MoveSummary.Table(
                    name: $0.name, sourceRows: $0.sourceRows, sourceChecksum: $0.sourceChecksum, targetRows: $0.targetRows,
                    targetChecksum: $0.targetChecksum)
            },
            dryRun: report.dryRun, committed: report.committed, migrationsPending: report.migrationsPending, replaced: report.replaced,
            copySeconds: report.copySeconds, verifySeconds: report.verifySeconds, target: parsed.redacted)
    }

    /// How long the move waits for a connection to the target before it gives up (seconds).
    public static let moveConnectTimeout = 15.0
}
