import App
import ArgumentParser
import Foundation
import SQLiteStorage

/// `backup`: an online, verified copy while the server keeps running.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Take an online, verified backup of the database (the server may keep running).",
        discussion:
            "Copies a consistent snapshot with SQLite's online backup API, checks it (integrity_check is ok, schema versions equal the source's) and prints where it went and its size. Default: BACKUP_DIR/personaworlds-<UTC timestamp>.sqlite (BACKUP_DIR defaults to a backups folder beside the database). Exit status 0 on success, 1 on failure."
    )
    @OptionGroup var options: CommonOptions
    @Option(name: .long, help: ArgumentHelp("Backup file to create, or an existing folder to put the default name in.", valueName: "FILE"))
    var to: String?

    func run() async throws {
        let deps = options.bootstrap(service: "backup")
        let bar = ProgressBar(label: "backup", enabled: isatty(STDOUT_FILENO) == 1)
        let started = Date()
        do {
            let result = try await AppCommands.backup(deps, to: to, progress: { bar.update("pages", $0, $1) })
            bar.finish()
            print(
                String(
                    format: "backup: %@ (%@, %d schema versions, integrity ok) in %.1f s", result.path, ByteSize.describe(result.bytes),
                    result.migrations.count, Date().timeIntervalSince(started)))
        } catch let error as AppCommands.Refused {
            bar.finish()
            FileHandle.standardError.write(Data("backup: refused: \(error)\n".utf8))
            throw ExitCode(1)
        } catch {
            bar.finish()
            FileHandle.standardError.write(Data("backup: FAILED: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}

/// `restore FILE`: replace the database with a backup, keeping the old one beside it.
struct RestoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Replace the database with a backup file (the server must be stopped).",
        discussion:
            "Refuses while a server uses the database (every serve process holds a shared lock on <DATABASE_PATH>.lock), and refuses a file that is not a sound PersonaWorlds database (integrity_check, schema_migrations with known versions). Keeps the replaced database as <DATABASE_PATH>.replaced-<UTC timestamp> and swaps the files atomically with rename(2). Exit status 0 on success, 1 otherwise."
    )
    @OptionGroup var options: CommonOptions
    @Argument(help: "The backup file to restore.") var file: String

    func run() throws {
        let deps = options.bootstrap(service: "restore")
        do {
            let result = try AppCommands.restore(deps, from: file)
            print(
                "restore: \(deps.config.databasePath) now holds \(file) (\(ByteSize.describe(result.bytes)), latest schema version \(result.migrations.last ?? "none"))"
            )
            print("restore: " + (result.replacedPath.map { "the replaced database is kept as \($0)" } ?? "there was no database to replace"))
        } catch let error as AppCommands.Refused {
            FileHandle.standardError.write(Data("restore: refused: \(error)\n".utf8))
            throw ExitCode(1)
        } catch let error as DatabaseRestore.Failure {
            let verb: String
            if case .io = error { verb = "FAILED" } else { verb = "refused" }
            FileHandle.standardError.write(Data("restore: \(verb): \(error)\n".utf8))
            throw ExitCode(1)
        } catch {
            FileHandle.standardError.write(Data("restore: FAILED: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}

/// `doctor`: check the installation and say what is wrong.
struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check the installation: configuration, database, schema, disk, card font, LLM provider, backups.",
        discussion:
            "Prints one line per check with a status word (ok, warn, FAIL). Read-only: the database is opened read-only and nothing is created. On PostgreSQL (DATABASE_URL) the database checks are the server's: connection, version and free connections, schema, the queue's oldest runnable job, dead rows in jobs. Exit status 0 when no check fails (warnings allowed), 1 otherwise, 2 when the configuration itself is invalid."
    )
    @OptionGroup var options: CommonOptions

    func run() async throws {
        do { _ = try options.loadConfig() } catch {
            print(DoctorCheck(.fail, "config", "\(error)").line)
            throw ExitCode(2)
        }
        let checks = await AppCommands.doctor(options.bootstrap(service: "doctor"))
        for check in checks { print(check.line) }
        let failures = checks.filter { $0.status == .fail }.count
        let warnings = checks.filter { $0.status == .warn }.count
        if failures > 0 {
            print("doctor: \(failures) FAIL, \(warnings) warn")
            throw ExitCode(1)
        }
        print("doctor: healthy" + (warnings > 0 ? " (\(warnings) warn)" : ""))
    }
}
