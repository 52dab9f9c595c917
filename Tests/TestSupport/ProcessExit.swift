import Foundation
import Synchronization

/// A child process's exit status, awaited without blocking a thread of the cooperative pool.
///
/// A thread of its own waits in `waitpid` for the one child and resumes whoever awaits the status. Blocking waits in
/// async code would hold one of the cooperative pool's few threads (two on this machine) for as long as the child
/// takes to exit, and two such waits at once once stalled a whole suite (`ProcessExitTests`).
public final class ProcessExit: Sendable {
    private struct State {
        var status: Int32?
        var waiters: [CheckedContinuation<Int32, Never>] = []
    }

    private let state = Mutex(State())

    /// Watches the child `pid` (started by this process, not yet reaped) until it exits.
    public init(pid: pid_t) {
        let thread = Thread { [self] in
            var raw: Int32 = 0
            var reaped: pid_t
            repeat { reaped = waitpid(pid, &raw, 0) } while reaped == -1 && errno == EINTR
            finish(reaped == pid ? Self.status(raw) : -1)
        }
        thread.stackSize = 64 * 1024
        thread.start()
    }

    /// The exit code, or the number of the signal that ended the child (as Foundation's `Process` reports it).
    static func status(_ raw: Int32) -> Int32 { raw & 0x7f == 0 ? (raw >> 8) & 0xff : raw & 0x7f }

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
