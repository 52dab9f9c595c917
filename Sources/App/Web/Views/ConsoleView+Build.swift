import Domain
import Storage
import Web

/// How the console's data becomes what its templates show: words for states, ages, cut error texts, charts.
extension QueueView {
    /// Characters of a failed job's error the list shows (the log and the database keep it whole).
    static let errorShown = 300

    init(_ queue: QueueOverview) {
        let summary = queue.summary
        states = [
            State(name: "Pending", count: summary.pending, hint: "waiting for a worker"),
            State(name: "Processing", count: summary.processing, hint: "claimed by a worker"),
            State(name: "Retrying", count: summary.retrying, hint: "failed, with attempts left"),
            State(name: "Failed", count: summary.failed, hint: "no attempts left"),
            State(name: "Done", count: summary.done, hint: "finished"),
        ]
        oldest = summary.oldestRunnableSince.map { ConsoleText.age(from: $0, to: queue.now) } ?? "nothing waiting"
        doneLastHour = queue.minutes.reduce(0) { $0 + $1.done }
        failedLastHour = queue.minutes.reduce(0) { $0 + $1.failed }
        let slots = queue.minutes.enumerated().map { index, minute in
            let time = ConsoleText.clock(minute.minute)
            return ColumnChart.Slot(
                title: "\(time) UTC: \(minute.done) done, \(minute.failed) failed", tick: index % 15 == 0 ? time : nil,
                values: [minute.done, minute.failed])
        }
        chart = ColumnChart(
            id: "throughput", title: "Jobs finished per minute, last hour",
            summary: "\(doneLastHour) done and \(failedLastHour) failed in the last \(queue.minutes.count) minutes.", slots: slots)
        failed = queue.failed.map { job in
            Failed(
                id: job.id, type: job.type, postID: job.postID, personaID: job.personaID, attempts: job.attempts,
                error: ConsoleText.cut(job.error.isEmpty ? "(no error recorded)" : job.error, Self.errorShown),
                when: DisplayTime.text(job.failedAt.rfc3339), ago: ConsoleText.age(from: job.failedAt, to: queue.now))
        }
        hasFailed = !failed.isEmpty
        failedTotal = summary.failed
        failedShown = failed.count
        failedMore = summary.failed > failed.count
    }
}

extension HealthView {
    init(_ report: HealthReport) {
        checks = report.checks.map { check in
            Check(
                status: check.status.rawValue, name: check.name, detail: check.detail, isOK: check.status == .ok,
                isWarn: check.status == .warn, isFail: check.status == .fail, isSkipped: check.status == .skipped)
        }
        failing = report.checks.filter { $0.status == .fail }.count
        warnings = report.checks.filter { $0.status == .warn }.count
        hasFailing = failing > 0
        hasWarnings = warnings > 0
        processUptime = ConsoleText.duration(from: report.processStartedAt, to: report.now)
        provider = report.provider
        isMock = report.provider.hasPrefix("Mock")
        llmCalls = report.llmCalls
        llmErrors = report.llmErrors
        cacheLookups = report.cacheHits + report.cacheMisses
        cacheHitRate = cacheLookups == 0 ? "no lookups" : "\(report.cacheHits * 100 / cacheLookups) % (\(report.cacheHits) of \(cacheLookups))"
        rateLimited = report.rateLimited.map { Count(label: $0.label, count: $0.count) }
        rateLimitedTotal = report.rateLimited.reduce(0) { $0 + $1.count }
        shedding = report.shedding
        shedQueueDepth = report.shedQueueDepth
        shedRetries = report.shedRetries
    }
}

extension BackupsView {
    init(_ overview: BackupOverview) {
        directory = overview.directory
        let newest = overview.files.first
        lastName = newest?.name
        lastAge = newest.map { ConsoleText.age(from: $0.time, to: overview.now) }
        let age = newest.map { Double(overview.now.microseconds - $0.time.microseconds) / 1e6 }
        lastIsStale = overview.every > 0 && (age.map { $0 > 2 * overview.every } ?? false)
        files = overview.files.map { file in
            File(
                name: file.name, kind: file.isScheduled ? "scheduled" : "manual", size: file.bytes.map(ByteSize.describe) ?? "gone",
                when: DisplayTime.text(file.time.rfc3339), ago: ConsoleText.age(from: file.time, to: overview.now))
        }
        hasFiles = !files.isEmpty
        schedule =
            overview.every > 0
            ? "Every \(Doctor.duration(overview.every)) by the worker process, keeping the newest \(overview.keep) scheduled backups (manual ones are never deleted)."
            : "Scheduled backups are off (BACKUP_EVERY=0)."
        running = overview.running.map {
            "\($0.trigger == "scheduled" ? "Scheduled" : "Manual") backup \(ConsoleText.fileName($0.path)) running for \(ConsoleText.duration(from: $0.startedAt, to: overview.now))."
        }
        online = overview.online
    }
}

extension NodesView {
    init(_ nodes: [NodeStatus], this: NodeInfo, now: Timestamp) {
        self.nodes = nodes.map { status in
            let node = status.node
            return Node(
                id: String(node.id.prefix(8)), role: node.role, version: node.version, otherVersion: node.version != this.version,
                host: node.host, pid: node.pid, started: ConsoleText.age(from: node.startedAt, to: now),
                heartbeat: ConsoleText.age(from: status.heartbeatAt, to: now), isThis: node.id == this.id)
        }
        count = nodes.count
        window = Doctor.duration(NodeHeartbeat.liveWindow)
    }
}

extension EventsView {
    init(_ days: [DayCount]) {
        // A label every 7 days counted back from today, so today is labelled and no two labels crowd each other.
        let slots = days.enumerated().map { index, day in
            ColumnChart.Slot(
                title: "\(day.day): \(day.count) \(day.count == 1 ? "event" : "events")",
                tick: (days.count - 1 - index) % 7 == 0 ? String(day.day.dropFirst(5)) : nil, values: [day.count])
        }
        total = days.reduce(0) { $0 + $1.count }
        self.days = days.count
        chart = ColumnChart(
            id: "events-per-day", title: "Events per day, last \(days.count) days",
            summary: "\(total) events in the last \(days.count) days, counted once per person, event and battle a day.", slots: slots)
    }
}

/// Times and texts as the console writes them.
enum ConsoleText {
    /// `4m10s ago`, `just now` (never negative: another process's clock may run a little ahead).
    static func age(from time: Timestamp, to now: Timestamp) -> String {
        let seconds = Double(now.microseconds - time.microseconds) / 1e6
        return seconds < 1 ? "just now" : Doctor.duration(seconds) + " ago"
    }

    /// `2h5m`.
    static func duration(from start: Timestamp, to now: Timestamp) -> String {
        Doctor.duration(max(0, Double(now.microseconds - start.microseconds) / 1e6))
    }

    /// `14:05`, UTC.
    static func clock(_ time: Timestamp) -> String {
        let c = time.utcComponents
        return (c.hour < 10 ? "0" : "") + "\(c.hour):" + (c.minute < 10 ? "0" : "") + "\(c.minute)"
    }

    /// At most `limit` characters, with an ellipsis when cut.
    static func cut(_ text: String, _ limit: Int) -> String {
        text.count > limit ? String(text.prefix(limit)) + "…" : text
    }

    static func fileName(_ path: String) -> String { String(path.split(separator: "/").last ?? Substring(path)) }
}
