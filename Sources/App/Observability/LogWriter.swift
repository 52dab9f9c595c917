import Foundation
import Synchronization

/// Writes log lines to a file descriptor from a thread of its own, so logging never blocks the caller.
///
/// Rule: a request or a Service must never wait on the log's reader. Standard output is a pipe to journald (or a
/// terminal); when the reader stalls the pipe fills, and a synchronous `write` would park every thread that logs —
/// the event loops and the cooperative pool included — which wedges the server exactly like the blocking database
/// read did. Lines therefore go into a bounded buffer (`capacity` bytes) that one dedicated thread drains. When the
/// buffer is full a line is dropped and counted; the next write that gets through is preceded by one
/// `log_lines_dropped` line with the count, so an operator sees the gap.
public final class LogWriter: Sendable {
    /// The buffer's default size: a few seconds of a busy server's access log.
    public static let defaultCapacity = 4 << 20

    private struct State {
        var pending: [UInt8] = []
        var dropped = 0
        var busy = false
    }

    private let fileDescriptor: Int32
    private let capacity: Int
    private let state = Mutex(State())
    private let wake = DispatchSemaphore(value: 0)

    /// A writer to `fileDescriptor` holding at most `capacity` bytes of unwritten lines.
    public init(fileDescriptor: Int32, capacity: Int = LogWriter.defaultCapacity) {
        self.fileDescriptor = fileDescriptor
        self.capacity = max(capacity, 1)
        let thread = Thread { [self] in drain() }
        thread.name = "log-writer"
        thread.start()
    }

    /// Queues `line` (which ends with a newline) and returns at once; drops it when the buffer is full.
    public func write(_ line: [UInt8]) {
        let wasIdle = state.withLock { state -> Bool? in
            guard state.pending.count + line.count <= capacity else {
                state.dropped += 1
                return nil
            }
            let idle = state.pending.isEmpty
            state.pending += line
            return idle
        }
        if wasIdle == true { wake.signal() }
    }

    /// Lines dropped since the last `log_lines_dropped` line.
    public var droppedCount: Int { state.withLock { $0.dropped } }

    /// Waits until every queued line is written, for at most `seconds` (used at exit, so the last lines of a
    /// command are not lost; bounded, because the reader may be gone).
    public func flush(within seconds: Double = 2) {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if state.withLock({ $0.pending.isEmpty && !$0.busy }) { return }
            usleep(1_000)
        }
    }

    /// The writer thread: takes everything queued and writes it; blocks only itself when the reader stalls.
    private func drain() {
        while true {
            wake.wait()
            let (chunk, dropped) = state.withLock { state -> ([UInt8], Int) in
                let taken = (state.pending, state.dropped)
                state.pending = []
                state.dropped = 0
                state.busy = true
                return taken
            }
            if dropped > 0 { writeAll(Self.droppedLine(dropped)) }
            writeAll(chunk)
            state.withLock { $0.busy = false }
        }
    }

    /// Writes all of `bytes`, retrying interrupted and partial writes; gives up on an error (the reader is gone).
    private func writeAll(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Foundation.write(fileDescriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written > 0 {
                    offset += written
                } else if written < 0 && errno == EINTR {
                    continue
                } else if written < 0 && errno == EAGAIN {
                    usleep(10_000)
                } else {
                    return
                }
            }
        }
    }

    /// The line that reports a gap, in the log's own format.
    static func droppedLine(_ count: Int) -> [UInt8] {
        Array(#"{"dropped":"\#(count)","level":"warn","msg":"log_lines_dropped","ts":"\#(JSONLogHandler.now())"}"#.utf8) + [0x0A]
    }
}
