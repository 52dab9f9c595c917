import Foundation
import Testing

@testable import App

/// `LogWriter`: logging never waits on the log's reader, keeps whole lines in order, and reports what it dropped.
@Suite struct LogWriterTests {
    /// A pipe whose reader does not read (journald stalled) fills after 64 KiB; a synchronous writer would block here
    /// for good. The time limit turns such a hang into a failure instead of a stuck run.
    @Test(.timeLimit(.minutes(1)))
    func aReaderThatStopsReadingNeverBlocksTheLoggerAndEveryLineIsWrittenOrCounted() throws {
        var fds: [Int32] = [0, 0]
        try #require(pipe(&fds) == 0)
        let writer = LogWriter(fileDescriptor: fds[1], capacity: 16 << 10)
        let lines = 20_000
        for i in 0..<lines {
            writer.write(Array(#"{"msg":"line","n":"\#(i)"}"#.utf8) + [0x0A])
        }
        // Every call returned although nobody read: well over the pipe's 64 KiB and the 16 KiB buffer were offered.
        let reader = FileHandle(fileDescriptor: fds[0], closeOnDealloc: true)
        var received: [Int] = []
        var reportedDrops = 0
        var buffered = Data()
        var unreported = 0
        // Read until every line is accounted for: written, counted in a `log_lines_dropped` line, or still counted by
        // the writer (drops after its last write). Drops it has taken but not yet written are in none of these, so
        // the sum only ever undercounts until their line arrives; the writer's count is read fresh each time, never
        // added to a report of the same drops.
        while true {
            unreported = writer.droppedCount
            if received.count + reportedDrops + unreported >= lines { break }
            let chunk = reader.availableData
            if chunk.isEmpty { break }
            buffered += chunk
            while let newline = buffered.firstIndex(of: 0x0A) {
                let line = buffered[buffered.startIndex..<newline]
                buffered = Data(buffered[buffered.index(after: newline)...])
                let object = try #require(try JSONSerialization.jsonObject(with: line) as? [String: String], "a whole JSON line")
                if object["msg"] == "log_lines_dropped" {
                    reportedDrops += Int(object["dropped"] ?? "") ?? 0
                    #expect(object["level"] == "warn")
                } else {
                    received.append(try #require(Int(object["n"] ?? "")))
                }
            }
        }
        #expect(received.count + reportedDrops + unreported == lines)
        #expect(reportedDrops + unreported > 0, "the buffer is far smaller than what was offered")
        #expect(received == received.sorted(), "lines keep their order")
        #expect(received.first == 0, "the first lines are written, not dropped")
        close(fds[1])
    }

    @Test func flushWritesEverythingQueued() throws {
        var fds: [Int32] = [0, 0]
        try #require(pipe(&fds) == 0)
        let writer = LogWriter(fileDescriptor: fds[1])
        for i in 0..<100 { writer.write(Array("line \(i)\n".utf8)) }
        writer.flush()
        close(fds[1])
        let text = String(decoding: FileHandle(fileDescriptor: fds[0], closeOnDealloc: true).readDataToEndOfFile(), as: UTF8.self)
        #expect(text == (0..<100).map { "line \($0)\n" }.joined())
    }
}
