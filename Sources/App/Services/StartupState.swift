import Synchronization

/// Whether the database start-up (schema, seed rows, the `ADMIN_EMAILS` bootstrap) has finished in this process.
///
/// On SQLite it finishes before the server starts; on PostgreSQL `StoreStartup` finishes it while the process already
/// serves, and `/readyz` says 503 until then, so a load balancer (or a test) never sends work to a node that has not
/// applied its start-up rules yet.
final class StartupState: Sendable {
    private let prepared: Mutex<Bool>

    init(prepared: Bool) {
        self.prepared = Mutex(prepared)
    }

    var isPrepared: Bool { prepared.withLock { $0 } }

    func markPrepared() {
        prepared.withLock { $0 = true }
    }
}
