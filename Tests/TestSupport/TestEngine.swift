import Foundation

/// Which engine the in-process API tests run on: SQLite by default, PostgreSQL with
/// `PERSONAWORLDS_TEST_ENGINE=postgres` (`make test-swift` runs the storage-touching test targets once per engine).
public enum TestEngine: String, Sendable {
    case sqlite, postgres

    public static let current: TestEngine =
        ProcessInfo.processInfo.environment["PERSONAWORLDS_TEST_ENGINE"].flatMap { TestEngine(rawValue: $0.lowercased()) } ?? .sqlite

    /// For `.enabled(if:)` on tests that reach into the SQLite file itself (its locks, triggers, WAL, backups).
    public static var isSQLite: Bool { current == .sqlite }
}
