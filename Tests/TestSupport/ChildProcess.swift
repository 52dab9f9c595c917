import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A child process a test starts (the `personaworlds` binary, a tool), spawned with `posix_spawn` and awaited without
/// holding a thread of the cooperative pool (`ProcessExit`).
///
/// Why not Foundation's `Process`: on Linux its `run()` scans `/proc/self/fd` with a fixed 256-byte copy of each
/// directory entry's name (swift-corelibs-foundation#5472, in the toolchain this project builds with), which reads
/// past the end of glibc's buffer and crashed whole test runs (SIGSEGV in `Process.run()`) once the test process held a
/// few thousand descriptors, as the connection tests make it. Here the child closes every descriptor above 2 itself
/// (`posix_spawn_file_actions_addclosefrom_np`), so it inherits no test's sockets or files, and it starts with no
/// signal blocked or ignored, whatever the test process does with its own.
public final class ChildProcess: Sendable {
    /// Where the child's standard output and error go.
    public enum Output: Sendable {
        case discard
        /// Appended to the file at this path (created if missing).
        case file(String)
    }

    public let pid: pid_t
    private let exit: ProcessExit

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34 and later; Swift's Glibc module does not declare it).
    private static let addCloseFrom: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32)? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)
    }()

    /// Starts `executable` with `arguments`; `environment` nil passes the test process's own. Standard input is
    /// `/dev/null`.
    public init(_ executable: String, _ arguments: [String], environment: [String: String]? = nil, output: Output = .discard) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        switch output {
        case .discard: posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        case .file(let path): posix_spawn_file_actions_addopen(&actions, 1, path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        }
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        guard let closeFrom = Self.addCloseFrom, closeFrom(&actions, 3) == 0 else {
            throw TestFailure("posix_spawn_file_actions_addclosefrom_np (glibc 2.34 or later) is not available")
        }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in 1..<32 where signal != SIGKILL && signal != SIGSTOP { sigaddset(&defaults, Int32(signal)) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for arg in argv { free(arg) } }
        let env = (environment ?? ProcessInfo.processInfo.environment).map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for entry in env { free(entry) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, &attributes, argv, env)
        guard spawned == 0 else { throw TestFailure("cannot start \(executable): \(String(cString: strerror(spawned)))") }
        self.pid = pid
        exit = ProcessExit(pid: pid)
    }

    /// The process id (Foundation's name for it).
    public var processIdentifier: pid_t { pid }

    /// Whether the child has not exited yet.
    public var isRunning: Bool { !exit.hasExited }

    /// The exit status once the child has exited by itself: its exit code, or the signal that ended it.
    public func exitStatus() async -> Int32 { await exit.status() }

    /// SIGTERM without waiting.
    public func terminate() { if !exit.hasExited { kill(pid, SIGTERM) } }

    /// SIGTERM, then the exit status once the child is gone.
    @discardableResult
    public func stop() async -> Int32 {
        terminate()
        return await exit.status()
    }

    /// SIGKILL, no chance to clean up; returns once the child is gone.
    public func kill9() async {
        if !exit.hasExited { kill(pid, SIGKILL) }
        _ = await exit.status()
    }

    /// SIGSTOP, then waits until every thread of the child is stopped (the signal stops a process's threads
    /// asynchronously); from then on the child runs nothing until `thaw()` or a kill. Returns whether all stopped
    /// within `seconds`.
    @discardableResult
    public func freeze(within seconds: Double = 10) async -> Bool {
        guard !exit.hasExited, kill(pid, SIGSTOP) == 0 else { return false }
        return (try? await eventually(timeout: seconds, every: 0.001) { allThreadsStopped() }) ?? false
    }

    /// SIGCONT: a frozen child runs on.
    public func thaw() { if !exit.hasExited { kill(pid, SIGCONT) } }

    /// Whether every thread's state in `/proc/<pid>/task/*/stat` is stopped (`T`).
    private func allThreadsStopped() -> Bool {
        let tasks = "/proc/\(pid)/task"
        guard let threads = try? FileManager.default.contentsOfDirectory(atPath: tasks), !threads.isEmpty else { return false }
        return threads.allSatisfy { procStatFields("\(tasks)/\($0)/stat")?.first == "T" }
    }

    /// A child a test left running (it threw first) is killed without waiting, so the deinit never blocks a thread;
    /// its `ProcessExit` thread reaps it.
    deinit { if !exit.hasExited { kill(pid, SIGKILL) } }
}
