import Foundation
import GRDB
import Storage

#if canImport(Glibc)
    import Glibc
#endif

/// Puts a backup file in place of the database, atomically, keeping the replaced database beside it.
///
/// Order matters for crash safety; at every instant the database path names either the old or the new file:
/// 1. take `DatabaseLock`'s exclusive lock (refused while a server runs; a server starting meanwhile is refused);
/// 2. check the candidate read-only: readable SQLite, `integrity_check` ok, a `schema_migrations` table holding
///    only versions this binary knows (older is fine: the server applies the rest when it opens the file);
/// 3. copy it to a temporary file in the database's directory (same filesystem, so the rename is atomic),
///    with the old file's owner and mode, and fsync it;
/// 4. checkpoint the old database (its WAL folded into the main file) and hard-link it as `<db>.replaced-<stamp>`;
/// 5. move any WAL or journal left (a checkpoint that could not run) beside the kept copy and delete the `-shm`:
///    a stale WAL would otherwise be replayed onto the restored file;
/// 6. rename(2) the temporary file over the database and fsync the directory.
public enum DatabaseRestore {
    /// Why a restore was refused or failed; nothing was changed unless the text says so.
    public enum Failure: Error, CustomStringConvertible {
        case serverRunning(database: String, pid: Int32?)
        case lockUnavailable(String)
        case sameFile(String)
        case unreadable(String)
        case corrupt(path: String, problems: String)
        case foreign(path: String)
        case newerSchema(path: String, versions: [String])
        case io(String)

        public var description: String {
            switch self {
            case .serverRunning(let database, let pid):
                return "a server is using \(database)" + (pid.map { " (pid \($0))" } ?? "") + "; stop it first (systemctl stop personaworlds)"
            case .lockUnavailable(let reason): return reason
            case .sameFile(let path): return "\(path) is the live database itself"
            case .unreadable(let reason): return reason
            case .corrupt(let path, let problems): return "\(path) is corrupt: integrity_check: \(problems)"
            case .foreign(let path): return "\(path) is not a PersonaWorlds database (no schema_migrations table)"
            case .newerSchema(let path, let versions):
                return
                    "\(path) has schema versions this binary does not know (\(versions.joined(separator: ", "))): it comes from a newer release or another program"
            case .io(let reason): return reason
            }
        }
    }

    /// What a restore did.
    public struct Result: Sendable {
        /// Where the replaced database was kept; nil when there was none.
        public let replacedPath: String?
        public let bytes: Int64
        public let migrations: [String]
    }

    /// Checks `source` as a restore candidate without changing anything.
    public static func verify(_ source: String) throws(Failure) -> DatabaseFile.Report {
        let report: DatabaseFile.Report
        do { report = try DatabaseFile(path: source).check(thorough: true) } catch {
            throw .unreadable("\(error)")
        }
        guard report.isIntact else { throw .corrupt(path: source, problems: report.problemSummary) }
        guard report.migrations != nil else { throw .foreign(path: source) }
        guard report.unknownMigrations.isEmpty else { throw .newerSchema(path: source, versions: report.unknownMigrations) }
        return report
    }

    /// Replaces `database` with a copy of `source`; `stamp` names the kept copy.
    public static func restore(from source: String, to database: String, stamp: String) throws(Failure) -> Result {
        let lock: DatabaseLock
        do { lock = try DatabaseLock.exclusive(database: database) } catch {
            switch error {
            case .held(_, let pid): throw .serverRunning(database: database, pid: pid)
            case .unavailable: throw .lockUnavailable(error.description)
            }
        }
        defer { withExtendedLifetime(lock) {} }
        let fm = FileManager.default
        if fm.fileExists(atPath: database), realpath(source) == realpath(database) { throw .sameFile(source) }
        let report = try verify(source)

        let temporary = URL(fileURLWithPath: database).deletingLastPathComponent().path + "/.restore-\(getpid())-\(stamp).tmp"
        let existing = fm.fileExists(atPath: database)
        do {
            try copy(source, to: temporary, like: existing ? database : nil)
            var replaced: String?
            if existing {
                let kept = "\(database).replaced-\(stamp)"
                checkpoint(database)
                try keep(database, as: kept)
                replaced = kept
            } else {
                try? fm.removeItem(atPath: database + "-shm")
            }
            guard rename(temporary, database) == 0 else { throw FileSync.Failure(operation: "rename \(temporary) to \(database)", code: errno) }
            try FileSync.directory(containing: database)
            return Result(replacedPath: replaced, bytes: DatabaseFile.size(of: database) ?? 0, migrations: report.migrations ?? [])
        } catch {
            try? fm.removeItem(atPath: temporary)
            throw .io("restore failed: \(error)")
        }
    }

    /// Folds the WAL into the main file (best effort: a damaged database may refuse; its WAL is then kept too).
    static func checkpoint(_ database: String) {
        guard let queue = try? DatabaseQueue(path: database) else { return }
        _ = try? queue.writeWithoutTransaction { try $0.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
        try? queue.close()
    }

    /// Hard-links the old database as `kept` (the path keeps naming a complete database throughout), and moves
    /// a leftover WAL or rollback journal beside it.
    static func keep(_ database: String, as kept: String) throws {
        if link(database, kept) != 0 {
            // A filesystem without hard links: a full copy keeps the same guarantee, only slower.
            try FileManager.default.copyItem(atPath: database, toPath: kept)
        }
        for suffix in ["-wal", "-journal"] where (DatabaseFile.size(of: database + suffix) ?? 0) > 0 {
            guard rename(database + suffix, kept + suffix) == 0 else {
                throw FileSync.Failure(operation: "rename \(database + suffix)", code: errno)
            }
        }
        for suffix in ["-wal", "-journal", "-shm"] { try? FileManager.default.removeItem(atPath: database + suffix) }
        try FileSync.directory(containing: database)
    }

    /// Copies `source` to a new file `target`, with the owner and mode of `model` when given, and fsyncs it.
    static func copy(_ source: String, to target: String, like model: String?) throws {
        let input = open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw FileSync.Failure(operation: "open \(source)", code: errno) }
        defer { close(input) }
        let output = open(target, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard output >= 0 else { throw FileSync.Failure(operation: "create \(target)", code: errno) }
        defer { close(output) }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
            guard n >= 0 else { throw FileSync.Failure(operation: "read \(source)", code: errno) }
            if n == 0 { break }
            var written = 0
            while written < n {
                let w = buffer.withUnsafeBytes { write(output, $0.baseAddress! + written, n - written) }
                guard w > 0 else { throw FileSync.Failure(operation: "write \(target)", code: errno) }
                written += w
            }
        }
        var info = stat()
        if let model, stat(model, &info) == 0 {
            // Restore is often run as root: the service user must still own (and be able to write) its database.
            _ = fchown(output, info.st_uid, info.st_gid)
            _ = fchmod(output, info.st_mode & 0o7777)
        } else {
            _ = fchmod(output, 0o640)
        }
        guard fsync(output) == 0 else { throw FileSync.Failure(operation: "fsync \(target)", code: errno) }
    }

    /// The canonical path, nil when it does not resolve.
    static func realpath(_ path: String) -> String? {
        guard let resolved = Glibc.realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
