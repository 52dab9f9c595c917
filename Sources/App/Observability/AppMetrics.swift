import Domain
import Foundation
import Prometheus
import Synchronization

/// The application's Prometheus families, recorded into one injected registry.
public final class AppMetrics: Sendable {
    /// Seconds, per the contract: 0.005 … 10 (+Inf is implicit).
    static let buckets: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    /// Families always announced with `# HELP`/`# TYPE`, even before their first sample.
    static let families: [(name: String, type: String, help: String)] = [
        ("http_requests_total", "counter", "HTTP requests by method, route and status."),
        ("http_request_duration_seconds", "histogram", "HTTP request latency in seconds."),
        ("db_query_duration_seconds", "histogram", "Duration of database calls in seconds."),
        ("queue_depth", "gauge", "Active jobs by type."),
        ("rate_limit_events_total", "counter", "Requests rejected by a rate limit."),
        ("shedding_active", "gauge", "1 while adaptive shedding halves the anonymous public-write limit."),
        ("jobs_processed_total", "counter", "Jobs finished by type and status (done, retry, failed)."),
        ("job_retries_total", "counter", "Retryable job failures by type."),
        ("job_duration_seconds", "histogram", "Job run time from claim to outcome, by type."),
        ("jobs_trace_total", "counter", "Finished jobs by whether they carried a trace id."),
        ("llm_requests_total", "counter", "LLM provider calls by operation and outcome."),
        ("llm_request_duration_seconds", "histogram", "LLM provider call latency in seconds."),
        ("llm_cache_hits_total", "counter", "LLM response cache hits."),
        ("llm_cache_misses_total", "counter", "LLM response cache misses."),
        ("backup_last_success_timestamp_seconds", "gauge", "Unix time of the newest scheduled backup that was taken and verified."),
        ("backup_failures_total", "counter", "Scheduled backups that failed (copy, verification or disk)."),
        ("process_start_time_seconds", "gauge", "Start time of the process since the Unix epoch in seconds."),
        ("process_uptime_seconds", "gauge", "Seconds since the process started."),
        ("process_resident_memory_bytes", "gauge", "Resident memory size in bytes."),
    ]

    public let registry: PrometheusCollectorRegistry
    private let dbDuration: ValueHistogram
    private let startTime: Double
    private let startGauge: Gauge
    private let uptimeGauge: Gauge
    private let rssGauge: Gauge
    private let requestInstruments = Mutex<[RequestKey: (Counter, ValueHistogram)]>([:])

    public init(registry: PrometheusCollectorRegistry, clock: any AppClock) {
        self.registry = registry
        self.dbDuration = registry.makeValueHistogram(name: "db_query_duration_seconds", labels: [], buckets: Self.buckets,
                                                      help: Self.help("db_query_duration_seconds"))
        self.startTime = Double(clock.now().microseconds) / 1e6
        self.startGauge = registry.makeGauge(name: "process_start_time_seconds", labels: [], help: Self.help("process_start_time_seconds"))
        self.uptimeGauge = registry.makeGauge(name: "process_uptime_seconds", labels: [], help: Self.help("process_uptime_seconds"))
        self.rssGauge = registry.makeGauge(name: "process_resident_memory_bytes", labels: [], help: Self.help("process_resident_memory_bytes"))
        startGauge.set(startTime)
    }

    static func help(_ name: String) -> String { families.first { $0.name == name }?.help ?? "" }

    /// Counts one finished request and its latency. Instruments are looked up once per label set.
    func recordRequest(method: String, route: String, status: Int, seconds: Double) {
        let key = RequestKey(method: method, route: route, status: status)
        let instruments = requestInstruments.withLock { cache -> (Counter, ValueHistogram) in
            if let hit = cache[key] { return hit }
            let made = (registry.makeCounter(name: "http_requests_total", labels: [("method", method), ("route", route), ("status", String(status))],
                                             help: Self.help("http_requests_total")),
                        registry.makeValueHistogram(name: "http_request_duration_seconds", labels: [("method", method), ("route", route)],
                                                    buckets: Self.buckets, help: Self.help("http_request_duration_seconds")))
            cache[key] = made
            return made
        }
        instruments.0.increment()
        instruments.1.record(seconds)
    }

    /// Labels of a request series.
    private struct RequestKey: Hashable {
        let method: String
        let route: String
        let status: Int
    }

    /// Observes one database call.
    public func recordDatabaseCall(seconds: Double) { dbDuration.record(seconds) }

    /// Counts a rate-limit rejection.
    func recordRateLimited(scope: String, endpoint: String) {
        registry.makeCounter(name: "rate_limit_events_total", labels: [("endpoint", endpoint), ("scope", scope)],
                             help: Self.help("rate_limit_events_total")).increment()
    }

    /// Counts a finished job: `jobs_processed_total`, `job_duration_seconds`, `jobs_trace_total`.
    func recordJob(type: String, status: String, seconds: Double, traced: Bool) {
        registry.makeCounter(name: "jobs_processed_total", labels: [("status", status), ("type", type)],
                             help: Self.help("jobs_processed_total")).increment()
        registry.makeValueHistogram(name: "job_duration_seconds", labels: [("type", type)], buckets: Self.buckets,
                                    help: Self.help("job_duration_seconds")).record(seconds)
        registry.makeCounter(name: "jobs_trace_total", labels: [("status", status), ("trace", traced ? "present" : "missing"), ("type", type)],
                             help: Self.help("jobs_trace_total")).increment()
    }

    /// Counts a retryable job failure.
    func recordJobRetry(type: String) {
        registry.makeCounter(name: "job_retries_total", labels: [("type", type)], help: Self.help("job_retries_total")).increment()
    }

    /// Counts one LLM provider call.
    func recordLLMCall(op: String, outcome: String, seconds: Double) {
        registry.makeCounter(name: "llm_requests_total", labels: [("op", op), ("outcome", outcome)],
                             help: Self.help("llm_requests_total")).increment()
        registry.makeValueHistogram(name: "llm_request_duration_seconds", labels: [("op", op)], buckets: Self.buckets,
                                    help: Self.help("llm_request_duration_seconds")).record(seconds)
    }

    /// Counts a cache lookup.
    func recordLLMCache(hit: Bool) {
        let name = hit ? "llm_cache_hits_total" : "llm_cache_misses_total"
        registry.makeCounter(name: name, labels: [], help: Self.help(name)).increment()
    }

    /// Whether adaptive shedding is on.
    func setShedding(active: Bool) {
        registry.makeGauge(name: "shedding_active", labels: [], help: Self.help("shedding_active")).set(Double(active ? 1 : 0))
    }

    /// Sets a queue depth gauge.
    func setQueueDepth(type: String, depth: Int) {
        registry.makeGauge(name: "queue_depth", labels: [("type", type)], help: Self.help("queue_depth")).set(Double(depth))
    }

    /// A scheduled backup finished and was verified at `at` (also set at start from the newest backup on disk).
    func recordBackupSuccess(at: Timestamp) {
        registry.makeGauge(descriptor: .init(metricName: "backup_last_success_timestamp", unitName: "seconds",
                                             helpText: Self.help("backup_last_success_timestamp_seconds")))
            .set(Double(at.microseconds) / 1e6)
    }

    /// A scheduled backup failed.
    func recordBackupFailure() { backupFailures().increment() }

    /// Creates the failure counter at 0, so the process that takes backups exports it before the first failure
    /// (a rate over a series that does not exist yet would hide the first one).
    func announceBackups() { _ = backupFailures() }

    private func backupFailures() -> Counter {
        registry.makeCounter(descriptor: .init(metricName: "backup_failures", unitName: "total", helpText: Self.help("backup_failures_total")))
    }

    /// The exposition text, with process gauges refreshed and every family announced.
    func render(now: Timestamp) -> String {
        uptimeGauge.set(Double(now.microseconds) / 1e6 - startTime)
        rssGauge.set(Double(Self.residentMemoryBytes()))
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        var text = String(decoding: buffer, as: UTF8.self)
        for family in Self.families where !text.contains("# TYPE \(family.name) ") {
            text += "# HELP \(family.name) \(family.help)\n# TYPE \(family.name) \(family.type)\n"
        }
        return text
    }

    /// RSS from /proc/self/statm (0 where unavailable).
    static func residentMemoryBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
