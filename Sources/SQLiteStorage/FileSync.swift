import Foundation
import Storage

#if canImport(Glibc)
    import Glibc
#endif

/// fsync(2) helpers: a renamed file is durable only once its data and the directory entry are on disk.
public enum FileSync {
    /// A failed system call, with its errno text.
    public struct Failure: Error, CustomStringConvertible {
        public let operation: String
        public let code: Int32
        public var description: String { "\(operation): \(String(cString: strerror(code)))" }
    }

    /// Flushes a file's data to disk.
    public static func file(at path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Failure(operation: "open \(path)", code: errno) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw Failure(operation: "fsync \(path)", code: errno) }
    }

    /// Flushes the directory holding `path`, so a rename or link in it survives a power cut.
    public static func directory(containing path: String) throws {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw Failure(operation: "open \(directory)", code: errno) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw Failure(operation: "fsync \(directory)", code: errno) }
    }
}
