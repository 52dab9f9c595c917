import Foundation
import TestSupport
import Testing

/// `ProcessExit`, which `ServerProcess.stop`, `kill9` and `run` await: waiting for children never holds a thread of
/// the cooperative pool, so more waits than the pool has threads still leave room for the code that ends them.
@Suite struct ProcessExitTests {
    /// A child that exits 0 once `release` exists, and is killed after `seconds` otherwise (`timeout -s KILL`: status
    /// 9), so a test whose waits held every pool thread ends instead of hanging. Released through a file, not the end
    /// of a pipe, which a process another test spawns meanwhile could inherit and keep open.
    static func child(release: String, seconds: Int) throws -> ChildProcess {
        try ChildProcess("/usr/bin/timeout", ["-s", "KILL", String(seconds), "/bin/sh", "-c", "while [ ! -e \"$0\" ]; do sleep 0.05; done", release])
    }

    @Test func morePendingWaitsThanPoolThreadsLeaveRoomForTheCodeThatEndsTheChildren() async throws {
        // Two more waits than the pool has threads: blocking waits would take every thread, and the step below that
        // releases the children could not run until `timeout` ended them (status 9). The 300 s only bounds that
        // failure, generously for a loaded machine; a passing run releases the children as soon as every wait is
        // pending.
        let count = ProcessInfo.processInfo.activeProcessorCount + 2
        let dir = TestDirectory(backend: .sqlite)
        let release = dir.path + "/release"
        let children = try (0..<count).map { _ in try Self.child(release: release, seconds: 300) }
        let (waiting, announce) = AsyncStream<Void>.makeStream()
        let statuses = try await withThrowingTaskGroup(of: Int32.self) { group in
            for child in children {
                group.addTask {
                    announce.yield()
                    return await child.exitStatus()
                }
            }
            var announced = 0
            for await _ in waiting {
                announced += 1
                if announced == count { break }
            }
            #expect(FileManager.default.createFile(atPath: release, contents: nil))
            return try await group.reduce(into: [Int32]()) { $0.append($1) }
        }
        #expect(statuses == Array(repeating: 0, count: count), "9 means `timeout` killed a child nobody could release")
        #expect(children.allSatisfy { !$0.isRunning })
        // An exit already seen is returned at once.
        #expect(await children[0].exitStatus() == 0)
        withExtendedLifetime(dir) {}
    }
}
