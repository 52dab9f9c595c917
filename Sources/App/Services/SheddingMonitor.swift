import Domain
import ServiceLifecycle
import Storage

/// Feeds adaptive shedding: every second it reads the reply queue depth and the jobs that failed and
/// await a retry within the last 10 minutes (from the database, so every process sharing the file
/// sees the same load), updates the shedding state and the `shedding_active` gauge.
///
/// It reads only when the answer can matter: at start, while shedding is on (so it ends on time), and for a few
/// seconds after a rate-limited request (`SheddingState.takeRequestsSeen`, `looksAfterLastRequest`). A node idle for
/// longer asks the database nothing here; the first request after a quiet spell is judged on the last reading, and
/// the next second's reading catches up, as a busy node's requests always were.
struct SheddingMonitor: Service {
    let limiter: RateLimiter
    let store: any JobQueue
    let metrics: AppMetrics
    let clock: any AppClock
    let maxAttempts: Int
    var interval: Duration = .seconds(1)
    /// Looks taken after the last request: a request is noted when it starts, so the writes it makes (an enqueue
    /// that deepens the queue) land after the look it caused; the looks that follow see them.
    static let looksAfterLastRequest = 10

    func run() async throws {
        metrics.setShedding(active: false)
        var quietLooks = 0
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            quietLooks = limiter.shedding.takeRequestsSeen() ? 0 : quietLooks + 1
            if quietLooks <= Self.looksAfterLastRequest || limiter.shedding.isActive { await tick() }
            try? await Task.sleep(for: interval)
        }
    }

    func tick() async {
        guard let load = try? await store.shedSignals(maxAttempts: maxAttempts, since: clock.now().adding(seconds: -600)) else { return }
        let active = limiter.shedding.update(queueDepth: load.queueDepth, retriesLast10m: load.recentRetries)
        metrics.setShedding(active: active)
    }
}
