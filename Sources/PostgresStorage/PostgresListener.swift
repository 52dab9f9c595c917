import Logging
import PostgresNIO
import ServiceLifecycle

/// A node's one LISTEN connection, for every channel the node follows (postgres-nio's pool has no `LISTEN`): job
/// wake-ups on worker nodes (`PostgresWakeUps`), cache evictions on every node (`PostgresCacheInvalidator`).
///
/// After every (re)connect it listens on all channels again and then tells each channel's owner (`listening`), which
/// makes up for whatever was sent while no connection listened (a poll, a full eviction). Reconnects back off from
/// 0.1 s to 5 s. Graceful shutdown closes the connection.
public final class PostgresListener: Service {
    /// One channel and what to do with it.
    public struct Channel: Sendable {
        public let name: String
        /// Called once LISTEN is in place after each (re)connect.
        public let listening: @Sendable () -> Void
        /// Called with each notification's payload (outside input: bound it).
        public let received: @Sendable (String) -> Void

        public init(name: String, listening: @escaping @Sendable () -> Void, received: @escaping @Sendable (String) -> Void) {
            self.name = name
            self.listening = listening
            self.received = received
        }
    }

    private let store: PostgresStore
    private let channels: [Channel]
    private let logger: Logger

    public init(store: PostgresStore, channels: [Channel], logger: Logger) {
        self.store = store
        self.channels = channels
        self.logger = logger
    }

    /// Listens until graceful shutdown, reconnecting after any loss of the connection.
    public func run() async throws {
        guard !channels.isEmpty else { return }
        await cancelWhenGracefulShutdown { await self.listen() }
    }

    private func listen() async {
        var backoff = 0.1
        var attempt = 0
        while !Task.isCancelled {
            attempt += 1
            do {
                let configuration = try PostgresStore.connectionConfiguration(store.settings, applicationName: "personaworlds-listen")
                let connection = try await PostgresConnection.connect(configuration: configuration, id: attempt, logger: logger)
                backoff = 0.1
                do {
                    try await listen(on: connection, channels[...], subscribed: [], attempt: attempt)
                } catch {
                    if !Task.isCancelled { logger.warning("listen_lost", metadata: ["detail": .string(PostgresDiagnosis.reason(error))]) }
                }
                try? await connection.close()
            } catch  where !Task.isCancelled {
                logger.warning(
                    "listen_connect_failed", metadata: ["detail": .string(PostgresDiagnosis.reason(error)), "retry_in": .stringConvertible(backoff)])
            } catch {}
            guard !Task.isCancelled else { return }
            try? await Task.sleep(for: .milliseconds(Int(backoff * 1000)))
            backoff = min(backoff * 2, 5)
        }
    }

    /// LISTENs on each remaining channel in turn (each `listen` holds its channel while its closure runs), then
    /// consumes every channel's notifications until one sequence ends or fails, which means the connection is gone.
    private func listen(
        on connection: PostgresConnection, _ remaining: ArraySlice<Channel>, subscribed: [(Channel, PostgresNotificationSequence)], attempt: Int
    ) async throws {
        if let next = remaining.first {
            try await connection.listen(on: next.name) { notifications in
                try await listen(on: connection, remaining.dropFirst(), subscribed: subscribed + [(next, notifications)], attempt: attempt)
            }
            return
        }
        for (channel, _) in subscribed { channel.listening() }
        // Logged once the owners have made up for the time without a connection (tests wait for this line).
        logger.info(
            "listening", metadata: ["channels": .string(channels.map(\.name).joined(separator: ",")), "attempt": .stringConvertible(attempt)])
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (channel, notifications) in subscribed {
                group.addTask {
                    for try await notification in notifications { channel.received(notification.payload) }
                }
            }
            defer { group.cancelAll() }
            try await group.next()
        }
    }
}
