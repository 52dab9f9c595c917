import Card
import Domain
import Foundation
import SQLiteStorage

#if canImport(Glibc)
    import Glibc
#endif

/// `personaworlds doctor`: checks an installation from outside the server, read-only, and says what is wrong.
///
/// Nothing here writes: the database is opened read-only (no schema applied, nothing created), no lock is taken
/// (a probe asks the kernel who holds the server lock), and the LLM probe is one short request.
struct Doctor {
    /// Free space below which `disk` warns, and below which it fails (SQLite needs room for the WAL and backups).
    static let diskWarnBytes: Int64 = 1 << 30
    static let diskFailBytes: Int64 = 100 << 20
    /// A WAL this large means checkpoints are not keeping up (a reader held open for long).
    static let walWarnBytes: Int64 = 256 << 20

    let config: AppConfig
    let clock: any AppClock
    /// One bounded provider call; nil for the mock, which always answers.
    let probeLLM: (@Sendable () async throws -> Void)?

    func run() async -> [DoctorCheck] {
        // PostgreSQL: the server's checks (`Doctor+Postgres`) in place of the file, lock, WAL, disk and backup checks.
        if let url = config.databaseURL { return await postgres(url) }
        var checks = [configuration(), databaseFile(), server()]
        checks += databaseContents()
        checks += [cardFont(), disk(), await llm(), lastBackup()]
        return checks
    }

    func configuration() -> DoctorCheck {
        let source = config.sourceFile.map { "environment over \($0)" } ?? "environment only (no --config / PERSONAWORLDS_CONFIG)"
        let generated = config.dataDirectory + "/" + JWTSecretStore.fileName
        let jwt =
            config.jwtSecret != nil
            ? "set (redacted)"
            : (FileManager.default.fileExists(atPath: generated)
                ? "not set (using the generated \(generated))"
                : "not set (generated into \(generated) on first start)")
        let key = config.openAIAPIKey.isEmpty ? "not set" : "set (redacted)"
        return DoctorCheck(
            .ok, "config", "\(source); APP_ENV=\(config.appEnv) LLM_PROVIDER=\(config.llmProvider) JWT_SECRET \(jwt), OPENAI_API_KEY \(key)")
    }

    func databaseFile() -> DoctorCheck {
        guard let bytes = DatabaseFile.size(of: config.databasePath) else {
            return DoctorCheck(.fail, "database", "\(config.databasePath) does not exist (personaworlds migrate creates it)")
        }
        return DoctorCheck(.ok, "database", "\(config.databasePath) (\(ByteSize.describe(bytes)))")
    }

    func server() -> DoctorCheck {
        guard let holder = DatabaseLock.holder(database: config.databasePath) else { return DoctorCheck(.ok, "server", "not running") }
        return DoctorCheck(.ok, "server", "running" + (holder.pid.map { " (pid \($0))" } ?? ""))
    }

    /// Schema version, `quick_check` and the WAL: one read-only open.
    func databaseContents() -> [DoctorCheck] {
        let file = DatabaseFile(path: config.databasePath)
        guard DatabaseFile.size(of: config.databasePath) != nil else {
            return [DoctorCheck(.fail, "schema", "not checked: no database"), DoctorCheck(.fail, "quick_check", "not checked: no database")]
        }
        let report: DatabaseFile.Report
        do { report = try file.check(thorough: false) } catch {
            return [DoctorCheck(.fail, "schema", "not checked: database unreadable"), DoctorCheck(.fail, "quick_check", "\(error)")]
        }
        return [
            schema(report),
            report.isIntact
                ? DoctorCheck(.ok, "quick_check", "ok")
                : DoctorCheck(.fail, "quick_check", report.problemSummary), wal(file.walBytes), tables(file),
        ]
    }

    /// Rows and bytes per table, the largest first (how much history the retention windows keep).
    func tables(_ file: DatabaseFile) -> DoctorCheck {
        guard let sizes = try? file.tableSizes() else { return DoctorCheck(.warn, "tables", "sizes unreadable") }
        let listed = sizes.tables.filter { $0.rows > 0 }.map { table in
            "\(table.name) \(table.rows) rows" + (table.bytes.map { " " + ByteSize.describe($0) } ?? "")
        }
        let file =
            sizes.tables.first?.bytes == nil
            ? "dbstat unavailable; file \(sizes.pages) pages of \(sizes.pageSize) B" : "\(sizes.freePages) free pages"
        return DoctorCheck(.ok, "tables", (listed.isEmpty ? "empty" : listed.joined(separator: ", ")) + " (" + file + ")")
    }

    func schema(_ report: DatabaseFile.Report) -> DoctorCheck {
        guard let applied = report.migrations else { return DoctorCheck(.fail, "schema", "no schema_migrations table: not a PersonaWorlds database") }
        if !report.unknownMigrations.isEmpty {
            return DoctorCheck(
                .fail, "schema", "versions this binary does not know: \(report.unknownMigrations.joined(separator: ", ")) (a newer release wrote it)")
        }
        let summary = "\(applied.count)/\(Migrations.all.count) migrations applied, latest \(applied.last ?? "none")"
        if !report.pendingMigrations.isEmpty {
            return DoctorCheck(
                .warn, "schema", "\(summary); pending: \(report.pendingMigrations.joined(separator: ", ")) (applied when the server starts)")
        }
        return DoctorCheck(.ok, "schema", "\(summary), none pending")
    }

    func wal(_ bytes: Int64) -> DoctorCheck {
        bytes > Self.walWarnBytes
            ? DoctorCheck(.warn, "wal", "\(ByteSize.describe(bytes)): checkpoints are not keeping up (a long-running reader?)")
            : DoctorCheck(.ok, "wal", ByteSize.describe(bytes))
    }

    func cardFont() -> DoctorCheck {
        do {
            _ = try CardRenderer(fontPath: config.cardFontPath)
            return DoctorCheck(.ok, "card font", "\(config.cardFontPath) loads")
        } catch {
            return DoctorCheck(.fail, "card font", "\(error) (CARD_FONT_PATH; Debian: apt install fonts-dejavu-core)")
        }
    }

    func disk() -> DoctorCheck {
        var info = statvfs()
        guard statvfs(config.dataDirectory, &info) == 0 else {
            return DoctorCheck(.fail, "disk", "cannot stat \(config.dataDirectory): \(String(cString: strerror(errno)))")
        }
        let free = Int64(info.f_bavail) * Int64(info.f_frsize)
        let detail = "\(ByteSize.describe(free)) free on the filesystem of \(config.dataDirectory)"
        if free < Self.diskFailBytes { return DoctorCheck(.fail, "disk", detail + " (under \(ByteSize.describe(Self.diskFailBytes)))") }
        if free < Self.diskWarnBytes { return DoctorCheck(.warn, "disk", detail + " (under \(ByteSize.describe(Self.diskWarnBytes)))") }
        return DoctorCheck(.ok, "disk", detail)
    }

    func llm() async -> DoctorCheck {
        guard let probeLLM else { return DoctorCheck(.ok, "llm", "mock provider (built in, always answers)") }
        let target = "openai at \(config.openAIBaseURL), model \(config.openAIModel)"
        let started = Monotonic.nanos()
        do {
            try await probeLLM()
            return DoctorCheck(.ok, "llm", String(format: "%@ answered in %.1f s", target, Double(Monotonic.nanos() - started) / 1e9))
        } catch {
            return DoctorCheck(.fail, "llm", "\(target): \(error)")
        }
    }

    func lastBackup() -> DoctorCheck {
        let scheduled = config.backupEvery > 0
        guard let newest = BackupCatalog(directory: config.backupDirectory).newest() else {
            return scheduled
                ? DoctorCheck(
                    .ok, "backup",
                    "none yet in \(config.backupDirectory) (the first is taken \(Self.duration(config.backupEvery)) after the server starts)")
                : DoctorCheck(.warn, "backup", "none in \(config.backupDirectory), and scheduled backups are off (BACKUP_EVERY=0)")
        }
        let age = Double(clock.now().microseconds - newest.time.microseconds) / 1e6
        let detail = "last \(newest.path), \(Self.duration(max(0, age))) ago"
        if scheduled && age > 2 * config.backupEvery {
            return DoctorCheck(.warn, "backup", detail + " (BACKUP_EVERY=\(Self.duration(config.backupEvery)): scheduled backups are failing?)")
        }
        return DoctorCheck(.ok, "backup", detail)
    }

    /// `3d4h`, `24h`, `2h5m`, `4m10s`, `12s`.
    static func duration(_ seconds: Double) -> String {
        let s = Int(saturating: seconds.rounded())
        if s >= 2 * 86_400 { return "\(s / 86_400)d" + (s % 86_400 >= 3600 ? "\((s % 86_400) / 3600)h" : "") }
        if s >= 3600 { return "\(s / 3600)h" + (s % 3600 >= 60 ? "\((s % 3600) / 60)m" : "") }
        if s >= 60 { return "\(s / 60)m" + (s % 60 > 0 ? "\(s % 60)s" : "") }
        return "\(s)s"
    }
}
