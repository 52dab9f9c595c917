import Synchronization

/// At most one run of an expensive operation per key in this process at a time: the first caller starts it, every
/// caller that asks for the same key while it runs waits for the same result (or error). Nothing is remembered
/// afterwards: a later caller starts a new run, so errors are shared but never cached (the caller's own cache keeps
/// successes).
///
/// The shared run is an unstructured task of its own, so it outlives any one waiter: a waiter whose task is
/// cancelled stops waiting at once (`CancellationError`) and the run carries on for the others, and finishes even
/// when nobody waits any more (its result still reaches the caller's cache).
final class SingleFlight<Value: Sendable>: Sendable {
    private typealias Waiter = CheckedContinuation<Value, any Error>

    private struct State {
        var flights: [String: [Int: Waiter]] = [:]
        var nextWaiter = 0
    }

    private let state = Mutex(State())

    /// The result of `operation` for `key`, from a run already under way for that key if there is one.
    func run(_ key: String, _ operation: @escaping @Sendable () async throws -> Value) async throws -> Value {
        let id = state.withLock { s -> Int in
            s.nextWaiter &+= 1
            return s.nextWaiter
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (waiter: Waiter) in
                let start = state.withLock { s -> Bool? in
                    // Checked under the lock the cancellation handler takes: either the handler already ran (and saw
                    // no waiter to resume) and this sees the flag, or it runs later and finds this waiter.
                    if Task.isCancelled { return nil }
                    let first = s.flights[key] == nil
                    s.flights[key, default: [:]][id] = waiter
                    return first
                }
                guard let start else { return waiter.resume(throwing: CancellationError()) }
                guard start else { return }
                Task.detached {
                    let result = await Result(catching: { try await operation() })
                    let waiters = self.state.withLock { $0.flights.removeValue(forKey: key) ?? [:] }
                    for waiter in waiters.values { waiter.resume(with: result) }
                }
            }
        } onCancel: {
            let waiter = state.withLock { $0.flights[key]?.removeValue(forKey: id) }
            waiter?.resume(throwing: CancellationError())
        }
    }

    /// How many callers wait on the run for `key` (0 when none runs); for tests and metrics.
    func waiting(for key: String) -> Int {
        state.withLock { $0.flights[key]?.count ?? 0 }
    }
}

extension Result where Failure == any Error {
    /// The outcome of an async throwing body.
    init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}
