import Domain
import Foundation
import Logging

/// One JSON object per line, keys sorted: `ts`, `level`, `msg`, `service` + metadata, handed to a `LogWriter` (which
/// never blocks the caller).
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    private let service: String
    private let output: LogWriter

    public init(label: String, service: String, level: Logger.Level, output: LogWriter) {
        self.service = service
        self.logLevel = level
        self.output = output
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields: [String: String] = [:]
        for (key, value) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { $1 }) {
            let text = Self.text(value)
            if !key.isEmpty && !text.isEmpty && !key.hasPrefix("hb.") { fields[key] = text }
        }
        fields["ts"] = fields["ts"] ?? Self.now()
        fields["level"] = Self.levelName(event.level)
        fields["msg"] = event.message.description
        fields["service"] = fields["service"] ?? service
        // The response encoder writes the line (a `[String: String]` comes out with its keys sorted).
        var line: [UInt8] = []
        line.reserveCapacity(256)
        if (try? CompactJSONEncoder.encode(fields, into: &line)) == nil { line = Array(#"{"msg":"logger_marshal_failed"}"#.utf8) }
        line.append(0x0A)
        output.write(line)
    }

    private static func text(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case .string(let s): return s
        case .stringConvertible(let c): return c.description
        default: return value.description
        }
    }

    private static func levelName(_ level: Logger.Level) -> String {
        switch level {
        case .trace, .debug: return "debug"
        case .info, .notice: return "info"
        case .warning: return "warn"
        case .error, .critical: return "error"
        }
    }

    static func now() -> String {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        let seconds = Int64(ts.tv_sec)
        var t = time_t(seconds)
        var parts = tm()
        gmtime_r(&t, &parts)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
            Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), ts.tv_nsec)
    }
}
