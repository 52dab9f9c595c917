import Synchronization

/// Set once graceful shutdown begins. A job's watchdog waits on it (`waitUntilStopped`) rather than polling: a
/// polling sleep per job armed and cancelled a timer for every job, which the queue profile showed in libdispatch's
/// timer thread.
public final class StopFlag: Sendable {
    private struct State {
        var stopped = false
        var nextWaiter = 0
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        /// Waits cancelled before their continuation was registered.
        var cancelled: Set<Int> = []
    }

    private let flag = Atomic<Bool>(false)
    private let state = Mutex(State())

    public init() {}

    public var isStopped: Bool { flag.load(ordering: .relaxed) }

    public func stop() {
        flag.store(true, ordering: .relaxed)
        let waiting = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.stopped = true
            defer { s.waiters.removeAll() }
            return Array(s.waiters.values)
        }
        for waiter in waiting { waiter.resume() }
    }

    /// Returns once the flag is set, or at once when the calling task is cancelled.
    public func waitUntilStopped() async {
        let id = state.withLock { s -> Int in
            defer { s.nextWaiter &+= 1 }
            return s.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = state.withLock { s -> Bool in
                    if s.stopped || s.cancelled.remove(id) != nil { return true }
                    s.waiters[id] = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
                if let waiter = s.waiters.removeValue(forKey: id) { return waiter }
                if !s.stopped { s.cancelled.insert(id) }
                return nil
            }
            waiter?.resume()
        }
    }
}
