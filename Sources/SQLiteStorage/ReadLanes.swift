import GRDB
import Synchronization

/// The read-only connections `SQLiteStore.quickRead` runs on: a few connections of their own on the database file,
/// each with its serial queue, so a short read costs one hop to that queue and one back.
///
/// Why not the `DatabasePool`'s readers: GRDB's async read first waits for a free reader on the pool's one serial
/// "wait" queue, comes back to the caller's executor, then hops to the reader's queue and back again (four thread
/// handoffs per read, and every read of the process funnels through that one queue); the profile of the
/// authenticated read path showed those handoffs as the largest cost above `/healthz`.
///
/// Never a blocking wait on a thread that async code runs on: a lane is chosen under a lock that only counts work
/// (the one with the fewest reads in flight, the lowest index among equals, so a quiet server keeps one warm
/// connection), and the read is enqueued on the lane's queue through GRDB's async API. A lane that is busy queues
/// the read behind the current one instead of blocking anybody; quick reads are index lookups of a few rows, so that
/// wait is short. Reads from a WAL file on their own connections see every transaction committed before they start,
/// like the pool's readers.
final class ReadLanes: Sendable {
    private let lanes: [DatabaseQueue]
    private struct State {
        /// Reads enqueued and not yet finished, per lane.
        var inFlight: [Int]
        var closed = false
    }

    private let state: Mutex<State>

    /// Opens `count` (at least 1) read-only connections on the WAL database at `path`, configured like the pool's
    /// readers (`configuration` with `readonly` set: the same PRAGMAs and statement deadlines).
    init(path: String, configuration: Configuration, count: Int) throws {
        var readonly = configuration
        // The configuration's busy timeout stays: a WAL read meets SQLITE_BUSY only in the documented corner cases
        // (another process recovering or closing the file), which pass in milliseconds.
        readonly.readonly = true
        let connections = try (0..<max(1, count)).map { index in
            try DatabaseQueue(path: path, configuration: Self.labelled(readonly, index: index))
        }
        self.lanes = connections
        self.state = Mutex(State(inFlight: Array(repeating: 0, count: connections.count)))
    }

    private static func labelled(_ configuration: Configuration, index: Int) -> Configuration {
        var configuration = configuration
        configuration.label = "personaworlds.quick-read.\(index)"
        return configuration
    }

    /// Runs `body` outside a transaction on the least busy lane.
    func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        let chosen = state.withLock { s -> Int? in
            guard !s.closed else { return nil }
            var best = 0
            for i in s.inFlight.indices where s.inFlight[i] < s.inFlight[best] { best = i }
            s.inFlight[best] += 1
            return best
        }
        guard let index = chosen else { throw DatabaseError(resultCode: .SQLITE_MISUSE, message: "Connection is closed") }
        defer { state.withLock { $0.inFlight[index] -= 1 } }
        return try await lanes[index].unsafeRead(body)
    }

    /// Reads in flight per lane (for tests).
    var pendingReads: [Int] { state.withLock { $0.inFlight } }

    /// Closes every lane (each after the reads queued on it); reads started afterwards fail with SQLITE_MISUSE.
    func close() throws {
        state.withLock { $0.closed = true }
        for lane in lanes { try lane.close() }
    }
}
