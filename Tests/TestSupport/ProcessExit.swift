import Foundation
import Synchronization

/// A child process's exit status, awaited without blocking a thread.
///
/// `Process.waitUntilExit` spins a run loop on the calling thread until the child is gone; called from a test's async
/// code it holds one of the cooperative pool's few threads (two on this machine) for as long as the child takes to
/// exit, and two such waits at once once stalled a whole suite. Here the exit arrives through `terminationHandler`
/// (Foundation calls it on a thread of its own once it has reaped the child) and resumes whoever awaits it.
public final class ProcessExit: Sendable {
    private struct State {
        var status: Int32?
        var waiters: [CheckedContinuation<Int32, Never>] = []
    }

    private let state = Mutex(State())

    /// Watches `process`; call before `process.run()`, so an exit is never missed.
    public init(watching process: Process) {
        process.terminationHandler = { [self] finished in self.finish(finished.terminationStatus) }
    }

    /// The exit status once the child has exited (at once if it already has).
    public func status() async -> Int32 {
        await withCheckedContinuation { continuation in
            let done: Int32? = state.withLock { state in
                if let status = state.status { return status }
                state.waiters.append(continuation)
                return nil
            }
            if let done { continuation.resume(returning: done) }
        }
    }

    /// Whether the child has exited (its status is known).
    public var hasExited: Bool { state.withLock { $0.status != nil } }

    private func finish(_ status: Int32) {
        let waiters = state.withLock { state in
            state.status = status
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(returning: status) }
    }
}
