import Foundation
import TestSupport
import Testing

/// `ProcessExit`, which `ServerProcess.stop`, `kill9` and `run` await: waiting for children never holds a thread of
/// the cooperative pool, so more waits than the pool has threads still leave room for the code that ends them.
@Suite struct ProcessExitTests {
    /// A child that exits 0 when its stdin closes, and is killed after `seconds` otherwise (`timeout -s KILL`, status
    /// 9 as `Process` reports the signal; SIGTERM would not do: children of Foundation's `Process` start with it
    /// blocked), so a test whose waits held every pool thread ends instead of hanging.
    static func child(seconds: Int) throws -> (process: Process, exit: ProcessExit, stdin: Pipe) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
        process.arguments = ["-s", "KILL", String(seconds), "/bin/cat"]
        let stdin = Pipe()
        process.standardInput = stdin
        process.standardOutput = FileHandle.nullDevice
        let exit = ProcessExit(watching: process)
        try process.run()
        return (process, exit, stdin)
    }

    @Test func morePendingWaitsThanPoolThreadsLeaveRoomForTheCodeThatEndsTheChildren() async throws {
        // Two more waits than the pool has threads: blocking waits would take every thread, and the step below that
        // closes the children's stdin could not run until `timeout` ended them (status 9). The 30 s only bounds
        // that failure; a passing run ends the children as soon as every wait is pending.
        let count = ProcessInfo.processInfo.activeProcessorCount + 2
        let children = try (0..<count).map { _ in try Self.child(seconds: 30) }
        let (waiting, announce) = AsyncStream<Void>.makeStream()
        let statuses = try await withThrowingTaskGroup(of: Int32.self) { group in
            for child in children {
                group.addTask {
                    announce.yield()
                    return await child.exit.status()
                }
            }
            var announced = 0
            for await _ in waiting {
                announced += 1
                if announced == count { break }
            }
            for child in children { try child.stdin.fileHandleForWriting.close() }
            return try await group.reduce(into: [Int32]()) { $0.append($1) }
        }
        #expect(statuses == Array(repeating: 0, count: count), "9 means `timeout` killed a child nobody could release")
        #expect(children.allSatisfy { $0.exit.hasExited })
        // An exit already seen is returned at once.
        #expect(await children[0].exit.status() == 0)
    }
}
