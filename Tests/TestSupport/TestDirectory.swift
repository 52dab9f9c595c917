import Foundation

/// A fresh temporary directory per test, removed on deinit.
public final class TestDirectory: @unchecked Sendable {
    public let path: String

    public init() {
        path = NSTemporaryDirectory() + "pw-test-" + UUID().uuidString.lowercased()
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// A database file path inside the directory.
    public var databasePath: String { path + "/db.sqlite" }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}
