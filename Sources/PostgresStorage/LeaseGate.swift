import Synchronization

/// Admission to the connection pool: at most `capacity` operations hold a lease at once, the others wait in arrival
/// order, each until a holder leaves, its deadline passes or its task is cancelled, whichever comes first.
///
/// Why in front of the pool: postgres-nio's own wait for a connection can only be ended by cancelling the task that
/// waits, and a cancellation that arrives while the request is being queued is lost (the request then waits for the
/// next free connection). With at most `capacity` leases in flight the pool always has a connection for each, so the
/// waiting happens here, where a deadline or a cancellation ends it at once, takes no slot and leaves no task behind.
final class LeaseGate: Sendable {
    private struct Waiter {
        let id: UInt64
        /// Set once the waiting task has suspended.
        var continuation: CheckedContinuation<Void, any Error>?
        /// Set when the wait ended before the task suspended (it resumes as soon as it does).
        var outcome: Result<Void, any Error>?
    }

    private struct State {
        var free: Int
        /// In arrival order; a waiter whose outcome is set is no longer waiting for a slot.
        var waiters: [Waiter] = []
        var nextID: UInt64 = 0
    }

    private let state: Mutex<State>

    init(capacity: Int) {
        state = Mutex(State(free: max(1, capacity)))
    }

    /// Operations waiting for a slot (for tests and metrics).
    var waiting: Int { state.withLock { s in s.waiters.count { $0.outcome == nil } } }

    /// Takes a slot, waiting until `deadline` at most (nil: no limit). Throws `timeout()` when the deadline passes
    /// and `CancellationError` when the task is cancelled; either way no slot is taken. The caller gives the slot back
    /// with `leave()` once it returned normally.
    func enter(until deadline: ContinuousClock.Instant?, timeout: @escaping @Sendable () -> any Error) async throws {
        let id: UInt64? = state.withLock { s in
            // Slots are free only while nobody waits: `leave()` hands a slot to a waiter before it frees one.
            if s.free > 0 {
                s.free -= 1
                return nil
            }
            defer { s.nextID += 1 }
            s.waiters.append(Waiter(id: s.nextID))
            return s.nextID
        }
        guard let id else { return }
        try await withThrowingTaskGroup(of: Void.self) { group in
            if let deadline {
                group.addTask {
                    try? await Task.sleep(until: deadline, clock: .continuous)
                    guard !Task.isCancelled else { return }
                    self.end(id, .failure(timeout()))
                }
            }
            defer { group.cancelAll() }
            try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { continuation in self.suspended(id, continuation) }
            } onCancel: {
                self.end(id, .failure(CancellationError()))
            }
        }
    }

    /// Gives a slot back: to the longest waiter if there is one, else to the pool of free slots.
    func leave() {
        let granted = state.withLock { s -> CheckedContinuation<Void, any Error>? in
            guard let index = s.waiters.firstIndex(where: { $0.outcome == nil }) else {
                s.free += 1
                return nil
            }
            guard let continuation = s.waiters[index].continuation else {
                s.waiters[index].outcome = .success(())
                return nil
            }
            s.waiters.remove(at: index)
            return continuation
        }
        granted?.resume()
    }

    /// The waiting task has suspended: resume it at once if its wait already ended.
    private func suspended(_ id: UInt64, _ continuation: CheckedContinuation<Void, any Error>) {
        let outcome = state.withLock { s -> Result<Void, any Error>? in
            guard let index = s.waiters.firstIndex(where: { $0.id == id }) else { return .failure(CancellationError()) }
            if let outcome = s.waiters[index].outcome {
                s.waiters.remove(at: index)
                return outcome
            }
            s.waiters[index].continuation = continuation
            return nil
        }
        if let outcome { continuation.resume(with: outcome) }
    }

    /// Ends a wait with a failure (deadline or cancellation) unless it already ended; a wait that was granted a slot
    /// keeps it, so no slot is ever lost.
    private func end(_ id: UInt64, _ outcome: Result<Void, any Error>) {
        let continuation = state.withLock { s -> CheckedContinuation<Void, any Error>? in
            guard let index = s.waiters.firstIndex(where: { $0.id == id }), s.waiters[index].outcome == nil else { return nil }
            guard let continuation = s.waiters[index].continuation else {
                s.waiters[index].outcome = outcome
                return nil
            }
            s.waiters.remove(at: index)
            return continuation
        }
        continuation?.resume(with: outcome)
    }
}
