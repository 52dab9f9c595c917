import Domain
import SQLiteStorage
import Storage

/// The `doctor` checks as the operator console runs them on each load, inside the server: fast, and about this
/// running installation.
///
/// Left out or changed, and why: the server-lock probe (this process is the server), the LLM probe (a request per page
/// view would cost money and time; the console shows this process's provider calls of the last hour instead), the
/// schema versions on SQLite (read through the store) and `quick_check`, which reads every page of the file: run only
/// while the file is at most `liveQuickCheckMaxBytes`, otherwise marked as left to the command.
///
/// On PostgreSQL the database lines are the command's own (`postgresDatabase`: connection, server and free
/// connections, schema and pending migrations, the queue's oldest runnable job, `n_dead_tup` on `jobs`, on one short
/// connection of their own per page), and, as in the command, no disk or backup line: the server keeps the data and
/// `pg_dump` takes the backups.
extension Doctor {
    /// The largest database file the console runs `quick_check` on (measured at about 0.1 s on a small server).
    static let liveQuickCheckMaxBytes: Int64 = 64 << 20

    /// `databaseFile`: the engine keeps one file (SQLite), whose checks apply; `migrations`: the live store's count
    /// (nil when it could not be read); `llmCalls`/`llmErrors`: this process's provider calls in the last hour.
    func live(databaseFile: Bool, migrations: MigrationStatus?, llmCalls: Int, llmErrors: Int) async -> [DoctorCheck] {
        let doctor = self
        if let url = config.databaseURL {
            let database = await postgresDatabase(url)
            let font = (try? await BlockingWork.run { doctor.cardFont() }) ?? DoctorCheck(.fail, "card font", "not checked")
            return [configuration()] + database + [font, liveLLM(calls: llmCalls, errors: llmErrors)]
        }
        // Blocking file work (stat, a read-only open and quick_check, statvfs, FreeType, a directory listing) on a thread
        // of its own, once per page.
        let local =
            (try? await BlockingWork.run {
                (files: databaseFile ? doctor.liveFileChecks() : [], font: doctor.cardFont(), disk: doctor.disk(), backup: doctor.lastBackup())
            }) ?? (
                files: [], font: DoctorCheck(.fail, "card font", "not checked"), disk: DoctorCheck(.fail, "disk", "not checked"),
                backup: DoctorCheck(.fail, "backup", "not checked")
            )
        return [configuration()] + local.files + [
            liveSchema(migrations), local.font, local.disk, liveLLM(calls: llmCalls, errors: llmErrors), local.backup,
        ]
    }

    /// The file's size, `quick_check` when the file is small enough, and the WAL.
    func liveFileChecks() -> [DoctorCheck] {
        guard let bytes = DatabaseFile.size(of: config.databasePath) else { return [databaseFile()] }
        let file = DatabaseFile(path: config.databasePath)
        let quick: DoctorCheck
        if bytes > Self.liveQuickCheckMaxBytes {
            quick = DoctorCheck(
                .skipped, "quick_check",
                "not run here on a \(ByteSize.describe(bytes)) file (it reads every page): run `personaworlds doctor` for the full check")
        } else {
            do {
                let report = try file.check(thorough: false)
                quick = report.isIntact ? DoctorCheck(.ok, "quick_check", "ok") : DoctorCheck(.fail, "quick_check", report.problemSummary)
            } catch {
                quick = DoctorCheck(.fail, "quick_check", "\(error)")
            }
        }
        return [databaseFile(), quick, wal(file.walBytes)]
    }

    func liveSchema(_ status: MigrationStatus?) -> DoctorCheck {
        guard let status else { return DoctorCheck(.fail, "schema", "could not read the applied migrations") }
        let summary = "\(status.applied)/\(status.expected) migrations applied"
        if status.applied > status.expected { return DoctorCheck(.fail, "schema", summary + ": a newer release wrote this database") }
        if status.applied < status.expected { return DoctorCheck(.warn, "schema", summary + ", some pending (applied when the server starts)") }
        return DoctorCheck(.ok, "schema", summary + ", none pending")
    }

    /// The provider without a probe: what this process's calls of the last hour say.
    func liveLLM(calls: Int, errors: Int) -> DoctorCheck {
        guard probesProvider else { return DoctorCheck(.ok, "llm", "mock provider (built in, always answers)") }
        let target = "openai at \(config.openAIBaseURL), model \(config.openAIModel)"
        let probe = "`personaworlds doctor` probes it"
        guard calls > 0 else { return DoctorCheck(.ok, "llm", "\(target): no calls in the last hour in this process; \(probe)") }
        let figures = "\(calls - errors) of \(calls) calls answered in the last hour in this process"
        return DoctorCheck(errors == calls ? .warn : .ok, "llm", "\(target): \(figures)" + (errors == calls ? "; \(probe)" : ""))
    }

    /// Whether the configured provider is a remote one (the mock needs no probe).
    var probesProvider: Bool { config.llmProvider == "openai" }
}
