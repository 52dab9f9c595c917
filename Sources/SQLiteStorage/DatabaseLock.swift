import Foundation
import Storage

#if canImport(Glibc)
    import Glibc
#endif

/// The advisory lock that tells `restore` whether a server is using a database file.
///
/// Every `serve` process holds a shared POSIX record lock (`fcntl(F_SETLK, F_RDLCK)`) on `<db>.lock` for
/// its lifetime; several servers (an HTTP process and worker processes) can share one file, so the lock
/// is shared, not exclusive. `restore` takes the exclusive lock without waiting: it fails while any
/// server holds its shared lock, and the kernel names one holder's pid (`F_GETLK`), so nothing has to be
/// written into the file and a crashed server never leaves a stale lock behind (the kernel drops it
/// with the process). While `restore` holds the exclusive lock, a starting server is refused instead.
public final class DatabaseLock: Sendable {
    /// Why a lock could not be taken.
    public enum Failure: Error, CustomStringConvertible, Equatable {
        /// Another process holds a conflicting lock (pid when the kernel reports one).
        case held(path: String, pid: Int32?)
        case unavailable(path: String, reason: String)

        public var description: String {
            switch self {
            case .held(let path, let pid): return "\(path) is locked by another process" + (pid.map { " (pid \($0))" } ?? "")
            case .unavailable(let path, let reason): return "cannot open lock file \(path): \(reason)"
            }
        }
    }

    public let path: String
    private let descriptor: Int32

    /// `<database path>.lock`.
    public static func path(forDatabase databasePath: String) -> String { databasePath + ".lock" }

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = descriptor
    }

    /// The shared lock a server holds while it runs.
    public static func shared(database: String) throws(Failure) -> DatabaseLock { try take(database: database, exclusive: false) }

    /// The exclusive lock `restore` holds while it replaces the file.
    public static func exclusive(database: String) throws(Failure) -> DatabaseLock { try take(database: database, exclusive: true) }

    private static func take(database: String, exclusive: Bool) throws(Failure) -> DatabaseLock {
        let path = Self.path(forDatabase: database)
        // 0644: the file holds nothing, and a lock file created by root (restore run with sudo) must still be
        // readable by the service user, which needs only read access for its shared lock.
        var fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        if fd < 0 && !exclusive { fd = open(path, O_RDONLY | O_CLOEXEC) }
        guard fd >= 0 else { throw .unavailable(path: path, reason: String(cString: strerror(errno))) }
        var request = flock()
        request.l_type = Int16(exclusive ? F_WRLCK : F_RDLCK)
        request.l_whence = Int16(SEEK_SET)
        guard fcntl(fd, F_SETLK, &request) == 0 else {
            let reason = errno
            var probe = flock()
            probe.l_type = Int16(exclusive ? F_WRLCK : F_RDLCK)
            probe.l_whence = Int16(SEEK_SET)
            let pid: Int32? = fcntl(fd, F_GETLK, &probe) == 0 && probe.l_type != Int16(F_UNLCK) && probe.l_pid > 0 ? probe.l_pid : nil
            close(fd)
            if reason == EACCES || reason == EAGAIN { throw .held(path: path, pid: pid) }
            throw .unavailable(path: path, reason: String(cString: strerror(reason)))
        }
        return DatabaseLock(path: path, descriptor: fd)
    }

    /// Who holds a lock on the database's lock file (a server, or a restore), without taking one; nil when nobody.
    public static func holder(database: String) -> (pid: Int32?, exclusive: Bool)? {
        let fd = open(path(forDatabase: database), O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var probe = flock()
        probe.l_type = Int16(F_WRLCK)
        probe.l_whence = Int16(SEEK_SET)
        guard fcntl(fd, F_GETLK, &probe) == 0, probe.l_type != Int16(F_UNLCK) else { return nil }
        return (probe.l_pid > 0 ? probe.l_pid : nil, probe.l_type == Int16(F_WRLCK))
    }

    /// Drops the lock (closing the descriptor releases it).
    deinit { close(descriptor) }
}
