import Logging
import ServiceLifecycle

/// Keeps systemd informed (`Type=notify`, `WatchdogSec=`): `READY=1` once the process serves (the HTTP
/// server listens, or the worker runs), `WATCHDOG=1` every half watchdog period, `STOPPING=1` when
/// graceful shutdown begins.
///
/// The pings come from a task on the Swift concurrency executor, the same threads request handlers, the
/// worker and every database await resume on. When they are all blocked (the wedge of issue 14: every
/// cooperative thread parked in a synchronous wait) the ping task cannot run, the pings stop, and
/// systemd kills and restarts the process after `WatchdogSec=` — a wedged process recovers instead of
/// answering nothing for good. A ping from a NIO event loop or a dispatch timer would keep a wedged
/// process "alive"; that is why it is not sent from one.
///
/// Place it last among the services: a service group shuts its services down in reverse order, so
/// `STOPPING=1` goes out as soon as the HTTP server has stopped accepting.
public struct SystemdSupervisor: Service {
    let notifier: SystemdNotifier
    let pingInterval: Duration?
    let readiness: ReadinessSignal
    /// The wait between pings; injected so tests can drive the schedule.
    let sleep: @Sendable (Duration) async throws -> Void

    public init(
        notifier: SystemdNotifier, pingInterval: Duration?, readiness: ReadinessSignal = ReadinessSignal(),
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    ) {
        self.notifier = notifier
        self.pingInterval = pingInterval
        self.readiness = readiness
        self.sleep = sleep
    }

    public func run() async throws {
        guard notifier.isEnabled else {
            // Not supervised: stay until shutdown (a service that returns early stops its whole group).
            try? await gracefulShutdown()
            return
        }
        await withTaskGroup(of: Void.self) { group in
            if let pingInterval {
                group.addTask { await pingWatchdog(every: pingInterval) }
            }
            group.addTask {
                guard let status = await readiness.wait() else { return }
                notifier.send(.ready, .status(status))
            }
            try? await gracefulShutdown()
            group.cancelAll()
        }
        notifier.send(.stopping, .status("stopping"))
    }

    /// `WATCHDOG=1` after every `interval` until cancelled. The first ping goes out one interval after start,
    /// well inside systemd's first deadline (twice the interval).
    func pingWatchdog(every interval: Duration) async {
        while !Task.isCancelled {
            do { try await sleep(interval) } catch { return }
            guard !Task.isCancelled else { return }
            notifier.send(.watchdog)
        }
    }
}

/// One-shot "the process now serves" signal: set by whoever knows (the HTTP server's `onServerRunning`,
/// or `serve --worker-only` once its services run), awaited once by `SystemdSupervisor`. The first status
/// wins; signalling before anyone waits is kept.
public struct ReadinessSignal: Sendable {
    private let stream: AsyncStream<String>
    private let continuation: AsyncStream<String>.Continuation

    public init() {
        (stream, continuation) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingOldest(1))
    }

    /// Marks the process ready; `status` becomes systemd's `STATUS=` line.
    public func signal(status: String) {
        continuation.yield(status)
        continuation.finish()
    }

    /// The status once ready; nil when the waiting task is cancelled first.
    func wait() async -> String? {
        for await status in stream { return status }
        return nil
    }
}
