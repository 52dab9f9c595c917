import Foundation

/// A child process a test starts beside `ServerProcess` (a `serve --worker-only` node without an HTTP port), whose exit
/// is awaited without holding a thread of the cooperative pool (`ProcessExit`).
public final class ChildProcess: @unchecked Sendable {
    public let process: Process
    private let exit: ProcessExit

    /// Runs `process`, configured and not started yet.
    public init(starting process: Process) throws {
        self.process = process
        exit = ProcessExit(watching: process)
        try process.run()
    }

    public var pid: Int32 { process.processIdentifier }

    /// Whether the child has not exited yet.
    public var isRunning: Bool { !exit.hasExited }

    /// The exit status once the child has exited by itself.
    public func exitStatus() async -> Int32 { await exit.status() }

    /// SIGTERM, then the exit status once the child is gone.
    @discardableResult
    public func stop() async -> Int32 {
        if !exit.hasExited { process.terminate() }
        return await exit.status()
    }

    /// SIGKILL, no chance to clean up; returns once the child is gone.
    public func kill9() async {
        if !exit.hasExited { kill(pid, SIGKILL) }
        _ = await exit.status()
    }

    /// A child a test left running (it threw first) is killed without waiting, so the deinit never blocks a thread.
    deinit { if !exit.hasExited { kill(process.processIdentifier, SIGKILL) } }
}
