import Logging

/// The benchmarks' log handler: metadata kept in a plain dictionary, as `serve`'s JSON handler keeps it, and nothing
/// written below `.critical`.
///
/// Why not swift-log's default: `StreamLogHandler` renders its whole metadata again on every metadata change, so the
/// worker's per-job logger (four keys set per job) cost the benchmarks work that `serve` never does.
struct QuietLogHandler: LogHandler {
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .critical

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {}
}
