import Domain
import Storage
import Synchronization

/// Wakes idle worker loops at once when a job is enqueued in this process; loops otherwise
/// fall back to polling for jobs enqueued by other processes sharing the database file.
public final class WakeSignal: Sendable {
    private struct State {
        var permits = 0
        var waiters: [(id: Int, continuation: CheckedContinuation<Void, Never>)] = []
        var nextID = 0
    }

    private let state = Mutex(State())

    public init() {}

    /// Wakes up to `count` waiting loops (or lets the next waits return immediately).
    public func notify(_ count: Int = 1) {
        let woken: [CheckedContinuation<Void, Never>] = state.withLock { s in
            var out: [CheckedContinuation<Void, Never>] = []
            for _ in 0..<max(1, count) {
                if s.waiters.isEmpty { s.permits = min(s.permits + 1, 1024) } else { out.append(s.waiters.removeFirst().continuation) }
            }
            return out
        }
        for waiter in woken { waiter.resume() }
    }

    /// Loops waiting now (tests and diagnostics).
    public var waitingCount: Int { state.withLock { $0.waiters.count } }

    /// Wakes one loop that is waiting now, if any; unlike `notify`, leaves no permit behind when none is (the poll
    /// tick: a loop that is busy polls anyway when it next goes idle). Returns whether a loop was woken.
    @discardableResult
    public func wakeOneWaiting() -> Bool {
        let woken: CheckedContinuation<Void, Never>? = state.withLock { s in
            s.waiters.isEmpty ? nil : s.waiters.removeFirst().continuation
        }
        woken?.resume()
        return woken != nil
    }

    /// Returns after a notify, after `timeout` seconds (never, for nil), or on cancellation.
    public func wait(timeout: Double?) async {
        let id: Int? = state.withLock { s in
            if s.permits > 0 {
                s.permits -= 1
                return nil
            }
            s.nextID += 1
            return s.nextID
        }
        guard let id else { return }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await withTaskCancellationHandler {
                    await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                        let resumeNow = self.state.withLock { s -> Bool in
                            if Task.isCancelled { return true }
                            s.waiters.append((id, c))
                            return false
                        }
                        if resumeNow { c.resume() }
                    }
                } onCancel: {
                    self.cancel(id)
                }
            }
            if let timeout {
                group.addTask {
                    try? await Task.sleep(nanoseconds: UInt64(saturating: timeout * 1e9))
                    self.cancel(id)
                }
            }
            await group.next()
            group.cancelAll()
        }
    }

    private func cancel(_ id: Int) {
        let c: CheckedContinuation<Void, Never>? = state.withLock { s in
            guard let index = s.waiters.firstIndex(where: { $0.id == id }) else { return nil }
            return s.waiters.remove(at: index).continuation
        }
        c?.resume()
    }
}

/// The in-process wake-up: a commit in this process wakes this process's worker loops (SQLite's notifier).
extension WakeSignal: WakeUpNotifier {
    public func jobsEnqueued(_ count: Int) { notify(count) }
}
