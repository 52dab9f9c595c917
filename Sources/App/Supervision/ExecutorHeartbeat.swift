import Domain
import ServiceLifecycle
import Synchronization

/// Proof for `/healthz` that the Swift concurrency executor still runs tasks, not only that a NIO event loop
/// answers: a task stamps the monotonic time every `interval`, and `/healthz` reports 503 once the stamp is
/// older than `staleAfter`. When every cooperative thread is blocked (the wedge of issue 14) the stamp stops
/// moving while the event loops would still happily answer.
///
/// Before the first beat (start-up, or an in-process test router that runs no services) there is nothing to
/// judge, and the heartbeat counts as fresh.
public final class ExecutorHeartbeat: Service, Sendable {
    /// How often the heartbeat task stamps.
    public static let interval: Duration = .seconds(1)
    /// Five missed beats: far beyond any scheduling delay of a busy but healthy process (milliseconds), and
    /// well before systemd's watchdog (`WatchdogSec=30s`) restarts a wedged one, so a monitor sees it first.
    public static let staleAfter: Duration = .seconds(5)

    private let lastBeat = Mutex<UInt64?>(nil)
    /// Monotonic nanoseconds; injected in tests.
    private let now: @Sendable () -> UInt64
    private let sleep: @Sendable (Duration) async throws -> Void

    public init(
        now: @escaping @Sendable () -> UInt64 = { Monotonic.nanos() },
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    ) {
        self.now = now
        self.sleep = sleep
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                self.beat()
                do { try await self.sleep(Self.interval) } catch { return }
            }
        }
    }

    /// Records that the executor ran this task now.
    func beat() {
        let stamp = now()
        lastBeat.withLock { $0 = stamp }
    }

    /// How long since the last beat when that is longer than `staleAfter`; nil while the executor keeps up.
    public func stall() -> Duration? {
        guard let last = lastBeat.withLock({ $0 }) else { return nil }
        let current = now()
        let age = Duration.nanoseconds(Int64(clamping: current >= last ? current - last : 0))
        return age > Self.staleAfter ? age : nil
    }
}
