import Logging
import PostgresNIO
import Storage
import Synchronization

/// Job wake-ups across nodes on one PostgreSQL database: `LISTEN`/`NOTIFY` on one channel.
///
/// **Sending.** `jobsEnqueued` runs after the enqueueing transaction committed (the application sends, no trigger). It
/// wakes this node's loops at once and sends a `NOTIFY` through the pool, debounced: at most one per channel per
/// `debounce` window, the first at once and the rest of a burst folded into one at the end of the window. The payload is
/// the number of jobs the notification stands for.
///
/// **Receiving** (`channel`, on worker nodes): the node's one LISTEN connection (`PostgresListener`) turns each
/// notification into a local wake-up of that many loops (at most `maxWakePerNotification`). After every (re)connect it
/// wakes one loop once, which polls for whatever was enqueued while it was away. Polling every `WORKER_POLL_EVERY` stays
/// the fallback.
public final class PostgresWakeUps: WakeUpNotifier {
    /// The channel every node listens on and notifies.
    public static let channel = "personaworlds_jobs"
    /// The debounce window per channel.
    public static let defaultDebounce: Duration = .milliseconds(100)
    /// The most loops one notification wakes (a payload is outside input to a listener).
    static let maxWakePerNotification = 1024

    private struct Outbox {
        var pending = 0
        var scheduled = false
        var lastSent: ContinuousClock.Instant?
    }

    private let store: PostgresStore
    private let wake: @Sendable (Int) -> Void
    private let debounce: Duration
    private let logger: Logger
    private let outbox = Mutex(Outbox())
    private let sent = Atomic<Int>(0)

    /// - Parameter wake: wakes `n` of this node's worker loops (the local `WakeSignal`).
    public init(store: PostgresStore, debounce: Duration = defaultDebounce, logger: Logger, wake: @escaping @Sendable (Int) -> Void) {
        self.store = store
        self.debounce = debounce
        self.logger = logger
        self.wake = wake
    }

    /// NOTIFY statements issued so far (tests check the debounce).
    public var notificationsSent: Int { sent.load(ordering: .relaxed) }

    public func jobsEnqueued(_ count: Int) {
        guard count > 0 else { return }
        wake(count)
        let delay: Duration? = outbox.withLock { box in
            box.pending += count
            if box.scheduled { return nil }
            box.scheduled = true
            let now = ContinuousClock.now
            guard let last = box.lastSent, now - last < debounce else { return .zero }
            return last + debounce - now
        }
        guard let delay else { return }
        Task { [self] in
            if delay > .zero { try? await Task.sleep(for: delay) }
            await send()
        }
    }

    /// Sends one NOTIFY for everything pending (a failure is logged: polling picks the jobs up).
    private func send() async {
        let count = outbox.withLock { box -> Int in
            defer {
                box.pending = 0
                box.scheduled = false
                box.lastSent = .now
            }
            return box.pending
        }
        let payload = String(min(count, Self.maxWakePerNotification))
        sent.add(1, ordering: .relaxed)
        do {
            _ = try await store.quick { db in try await db.execute("SELECT pg_notify(\(Self.channel), \(payload))") }
        } catch {
            logger.warning("wakeup_notify_failed", metadata: ["detail": .string("\(error)"), "fallback": "polling"])
        }
    }

    /// How many loops a notification wakes: its payload, bounded; 1 for a payload that is not a count.
    static func wakeCount(_ payload: String) -> Int {
        guard payload.utf8.count <= 8, let n = Int(payload), n > 0 else { return 1 }
        return min(n, maxWakePerNotification)
    }

    /// The jobs channel for this node's `PostgresListener` (worker nodes only: a front end has no loops to wake). Each
    /// notification wakes that many loops; every (re)connect wakes one, which polls for whatever was enqueued while no
    /// connection listened.
    public var channel: PostgresListener.Channel {
        let wake = self.wake
        return PostgresListener.Channel(name: Self.channel, listening: { wake(1) }, received: { wake(Self.wakeCount($0)) })
    }
}

extension PostgresStore {
    /// A single connection's configuration with the pool's settings (endpoint, credentials, TLS, UTC), for the LISTEN
    /// connection that the pool cannot provide and for `doctor`'s connection.
    static func connectionConfiguration(_ settings: PostgresSettings, applicationName: String) throws -> PostgresConnection.Configuration {
        var tlsConfig = TLSConfiguration.makeClientConfiguration()
        if settings.tls != .verifyFull { tlsConfig.certificateVerification = .none }
        var config: PostgresConnection.Configuration
        switch settings.endpoint {
        case .tcp(let host, let port):
            let tls: PostgresConnection.Configuration.TLS
            switch settings.tls {
            case .disable: tls = .disable
            case .prefer: tls = .prefer(try NIOSSLContext(configuration: tlsConfig))
            case .require, .verifyFull: tls = .require(try NIOSSLContext(configuration: tlsConfig))
            }
            config = .init(host: host, port: port, username: settings.username, password: settings.password, database: settings.database, tls: tls)
        case .socket(let path):
            config = .init(unixSocketPath: path, username: settings.username, password: settings.password, database: settings.database)
        }
        config.options.connectTimeout = .seconds(10)
        config.options.additionalStartupParameters = [("application_name", applicationName), ("TimeZone", "UTC")]
        return config
    }
}
