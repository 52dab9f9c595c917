import Logging

/// Records what the application logs, for tests of audit lines: a `Logger` whose handler keeps each message with its
/// metadata (flattened to strings).
public final class LogCapture: Sendable {
    public struct Entry: Sendable {
        public let level: Logger.Level
        public let message: String
        public let metadata: [String: String]
    }

    private let box = LockedBox<[Entry]>([])

    public init() {}

    /// Entries so far, oldest first.
    public var entries: [Entry] { box.value }

    /// Entries whose message is `message`.
    public func entries(_ message: String) -> [Entry] { entries.filter { $0.message == message } }

    /// A logger writing into this capture at `level` and above.
    public func logger(level: Logger.Level = .info) -> Logger {
        var logger = Logger(label: "capture") { _ in Handler(capture: self) }
        logger.logLevel = level
        return logger
    }

    fileprivate func append(_ entry: Entry) { box.mutate { $0.append(entry) } }

    private struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            var flat: [String: String] = [:]
            for (key, value) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { $1 }) { flat[key] = "\(value)" }
            capture.append(Entry(level: event.level, message: "\(event.message)", metadata: flat))
        }
    }
}
