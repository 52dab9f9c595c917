import Domain
import Foundation
import Storage

/// The backup folder's file names: what `backup` and the scheduler call their files, which files retention may
/// delete, and which is the newest backup (for `doctor` and the metric at start-up).
///
/// `backup` writes `personaworlds-<stamp>.sqlite`; the scheduler writes `personaworlds-scheduled-<stamp>.sqlite`
/// (`<stamp>` is `Timestamp.fileStamp`, UTC, e.g. `20250101T120000.123Z`). Retention only ever deletes names of the
/// scheduled pattern, exactly: a manual backup, a renamed copy or anything else in the folder is never touched.
struct BackupCatalog: Sendable {
    static let manualPrefix = "personaworlds-"
    static let scheduledPrefix = "personaworlds-scheduled-"
    static let suffix = ".sqlite"

    let directory: String

    /// Where `backup` without `--to` writes.
    func manualPath(at time: Timestamp) -> String { directory + "/" + Self.manualPrefix + time.fileStamp + Self.suffix }

    /// Where the scheduler writes.
    func scheduledPath(at time: Timestamp) -> String { directory + "/" + Self.scheduledPrefix + time.fileStamp + Self.suffix }

    /// The backup folder cannot be created.
    struct FolderUnavailable: Error, CustomStringConvertible {
        let path: String
        let reason: String
        var description: String { "cannot create the backup folder \(path): \(reason) (BACKUP_DIR)" }
    }

    /// Creates the folder (and its parents) if needed; mkdir(2) directly, so the error names the errno.
    func ensureDirectory() throws {
        var path = directory.hasPrefix("/") ? "" : "."
        for component in directory.split(separator: "/") {
            path += "/" + component
            var info = stat()
            if stat(path, &info) == 0 {
                guard info.st_mode & S_IFMT == S_IFDIR else { throw FolderUnavailable(path: directory, reason: "\(path) is not a folder") }
                continue
            }
            guard mkdir(path, 0o750) == 0 || errno == EEXIST else {
                throw FolderUnavailable(path: directory, reason: String(cString: strerror(errno)))
            }
        }
    }

    /// The scheduler's own backups, oldest first (stamps sort in time order).
    func scheduledBackups() -> [String] {
        names().filter { Self.isScheduled($0) }.sorted()
    }

    /// Deletes the oldest scheduled backups so that exactly `keep` remain; returns the deleted names.
    @discardableResult
    func prune(keep: Int) throws -> [String] {
        let own = scheduledBackups()
        guard own.count > keep else { return [] }
        let doomed = own.prefix(own.count - keep)
        for name in doomed { try FileManager.default.removeItem(atPath: directory + "/" + name) }
        return Array(doomed)
    }

    /// The newest backup of either kind, by its stamp, with its time.
    func newest() -> (path: String, time: Timestamp)? {
        let candidates = names().compactMap { name -> (String, Timestamp)? in
            guard let time = Self.stamp(of: name) else { return nil }
            return (directory + "/" + name, time)
        }
        return candidates.max { $0.1 < $1.1 }
    }

    /// A backup file in the folder.
    struct File: Sendable, Equatable {
        let name: String
        let time: Timestamp
        /// nil when the file vanished between listing and reading its size.
        let bytes: Int64?
        let isScheduled: Bool
    }

    /// Backups of either pattern, newest first, at most `limit` (a folder can hold any number of files).
    func files(limit: Int) -> [File] {
        let found = names().compactMap { name -> (String, Timestamp)? in Self.stamp(of: name).map { (name, $0) } }
        return found.sorted { ($0.1, $0.0) > ($1.1, $1.0) }.prefix(max(0, limit)).map { name, time in
            let size = (try? FileManager.default.attributesOfItem(atPath: directory + "/" + name)[.size] as? NSNumber)?.int64Value
            return File(name: name, time: time, bytes: size, isScheduled: Self.isScheduled(name))
        }
    }

    private func names() -> [String] { (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] }

    static func isScheduled(_ name: String) -> Bool {
        name.hasPrefix(scheduledPrefix) && stamp(of: name) != nil
    }

    /// The time in a backup name of either pattern; nil for any other name.
    static func stamp(of name: String) -> Timestamp? {
        guard name.hasSuffix(suffix) else { return nil }
        let prefix = name.hasPrefix(scheduledPrefix) ? scheduledPrefix : (name.hasPrefix(manualPrefix) ? manualPrefix : nil)
        guard let prefix else { return nil }
        return Timestamp(fileStamp: String(name.dropFirst(prefix.count).dropLast(suffix.count)))
    }
}
