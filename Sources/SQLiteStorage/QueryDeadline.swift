import Domain
import GRDB
import GRDBSQLite
import Storage
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Enforces `DB_QUERY_TIMEOUT`: a progress handler on every connection interrupts a statement
/// that runs past the deadline of the current database access, and the connection stays usable.
public final class QueryDeadlines: Sendable {
    public init() {}

    /// One deadline slot per SQLite connection, read by its progress handler.
    final class Slot: Sendable {
        let deadline = Atomic<UInt64>(0)

        /// True when a deadline is set and has passed.
        var expired: Bool {
            let d = deadline.load(ordering: .relaxed)
            return d != 0 && QueryDeadlines.monotonicNanos() > d
        }
    }

    private let slots = Mutex<[UInt: Slot]>([:])

    /// Installs the progress handler on a new connection.
    func install(on db: Database) {
        guard let connection = db.sqliteConnection else { return }
        let slot = Slot()
        slots.withLock { $0[UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(connection)))] = slot }
        let context = Unmanaged.passRetained(slot).toOpaque()
        sqlite3_progress_handler(
            connection, 2000,
            { ctx in
                guard let ctx else { return 0 }
                return Unmanaged<Slot>.fromOpaque(ctx).takeUnretainedValue().expired ? 1 : 0
            }, context)
    }

    /// Runs `body` with a deadline `timeoutNanos` from now on this connection (0 = none).
    func with<T>(_ db: Database, timeoutNanos: UInt64, _ body: () throws -> T) rethrows -> T {
        guard timeoutNanos > 0, let connection = db.sqliteConnection,
            let slot = slots.withLock({ $0[UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(connection)))] })
        else { return try body() }
        slot.deadline.store(Self.monotonicNanos() + timeoutNanos, ordering: .relaxed)
        defer { slot.deadline.store(0, ordering: .relaxed) }
        return try body()
    }

    static func monotonicNanos() -> UInt64 { Monotonic.nanos() }
}
