import Domain
import Foundation
import HTTPClient
import LLM
import SQLiteStorage
import Storage

/// `backup`, `restore` and `doctor`: operations on an installation, safe while `serve` runs (restore refuses then).
extension AppCommands {
    /// A command that could not do its job; the CLI prints `description` and exits 1.
    public struct OperationFailed: Error, CustomStringConvertible {
        public let description: String
        public init(_ description: String) { self.description = description }
    }

    /// A command that does not apply to this installation (the CLI prints `description` as refused and exits 1).
    public struct Refused: Error, CustomStringConvertible {
        public let description: String
        public init(_ description: String) { self.description = description }
    }

    /// Takes an online, verified backup to `destination` (a file, or a folder for the default name), by default
    /// `BACKUP_DIR/personaworlds-<stamp>.sqlite`. Opens the database without migrating or seeding it: a backup must
    /// copy the file as the server has it.
    public static func backup(
        _ deps: AppDependencies, to destination: String?,
        progress: (@Sendable (_ copied: Int, _ total: Int) -> Void)? = nil
    ) async throws -> BackupResult {
        let config = deps.config
        if let url = config.databaseURL { throw Refused(PostgresTools.backupAdvice(url, now: deps.clock.now())) }
        guard FileManager.default.fileExists(atPath: config.databasePath) else {
            throw OperationFailed("no database at \(config.databasePath) (check DATABASE_PATH)")
        }
        let target = try backupTarget(destination, config: config, now: deps.clock.now())
        try BackupCatalog(directory: URL(fileURLWithPath: target).deletingLastPathComponent().path).ensureDirectory()
        return try await StoreEngine.with(config: config, clock: deps.clock, migrate: false) { engine in
            guard let backup = engine.backup else { throw OperationFailed("this database engine has no online backup") }
            let report = progress.map { report in { @Sendable (step: BackupProgress) in report(step.copiedPages, step.totalPages) } }
            return try await backup.backup(to: target, pagesPerStep: 1024, progress: report)
        }
    }

    /// The file a backup goes to; an existing file is never overwritten.
    static func backupTarget(_ destination: String?, config: AppConfig, now: Timestamp) throws -> String {
        var isDirectory: ObjCBool = false
        guard let destination, !destination.isEmpty else { return BackupCatalog(directory: config.backupDirectory).manualPath(at: now) }
        if FileManager.default.fileExists(atPath: destination, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw OperationFailed("\(destination) already exists; choose a new file name") }
            return BackupCatalog(directory: destination).manualPath(at: now)
        }
        return destination
    }

    /// Replaces the database with `file` after checking it; refused while a server holds the database.
    public static func restore(_ deps: AppDependencies, from file: String) throws -> DatabaseRestore.Result {
        if let url = deps.config.databaseURL { throw Refused(PostgresTools.restoreAdvice(url, file: file)) }
        try FileManager.default.createDirectory(atPath: deps.config.dataDirectory, withIntermediateDirectories: true)
        return try DatabaseRestore.restore(from: file, to: deps.config.databasePath, stamp: deps.clock.now().fileStamp)
    }

    /// Runs every `doctor` check; healthy when none is `FAIL`.
    public static func doctor(_ deps: AppDependencies) async -> [DoctorCheck] {
        let config = deps.config
        var probe: (@Sendable () async throws -> Void)?
        if config.llmProvider == "openai" {
            // One tiny completion, no retries, at most 5 s: a health check must answer quickly even when the provider does not.
            let settings = OpenAILLM.Settings(
                baseURL: config.openAIBaseURL, apiKey: config.openAIAPIKey, model: config.openAIModel,
                requestTimeout: min(5, config.openAIRequestTimeout), maxRetries: 0, retryBase: config.openAIRetryBase)
            let client = OpenAILLM(settings: settings, transport: CurlTransport())
            probe = {
                _ = try await client.summarizeThread(post: LLMText(id: "doctor", content: "Health check: answer with the word ok."), replies: [])
            }
        }
        return await Doctor(config: config, clock: deps.clock, probeLLM: probe).run()
    }
}
