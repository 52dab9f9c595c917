import Domain
import Storage
import Web

/// The operator console's sections on `/app/admin` (templates `console*.mustache`), above the analytics.
struct ConsoleView: Sendable {
    let notice: NoticeView?
    /// The session's CSRF token for the console's forms.
    let csrf: String
    let queue: QueueView
    let health: HealthView
    let backups: BackupsView
    let nodes: NodesView
    let events: EventsView
}

struct NoticeView: Sendable {
    let text: String
    let isRefusal: Bool
}

struct QueueView: Sendable {
    struct State: Sendable {
        let name: String
        let count: Int
        let hint: String
    }

    struct Failed: Sendable {
        let id: Int64
        let type: String
        let postID: String
        let personaID: String
        let attempts: Int
        let error: String
        let when: String
        let ago: String
    }

    let states: [State]
    let oldest: String
    let chart: ColumnChart
    let doneLastHour: Int
    let failedLastHour: Int
    let failed: [Failed]
    let hasFailed: Bool
    /// More jobs failed for good than the list shows.
    let failedTotal: Int
    let failedShown: Int
    let failedMore: Bool
}

struct HealthView: Sendable {
    struct Check: Sendable {
        let status: String
        let name: String
        let detail: String
        let isOK: Bool
        let isWarn: Bool
        let isFail: Bool
        let isSkipped: Bool
    }

    struct Count: Sendable {
        let label: String
        let count: Int
    }

    let checks: [Check]
    let failing: Int
    let warnings: Int
    /// Mustache treats any number as true: the sections need flags.
    let hasFailing: Bool
    let hasWarnings: Bool
    let processUptime: String
    let provider: String
    let isMock: Bool
    let llmCalls: Int
    let llmErrors: Int
    let cacheLookups: Int
    let cacheHitRate: String
    let rateLimited: [Count]
    let rateLimitedTotal: Int
    let shedding: Bool
    let shedQueueDepth: Int
    let shedRetries: Int
}

struct BackupsView: Sendable {
    struct File: Sendable {
        let name: String
        let kind: String
        let size: String
        let when: String
        let ago: String
    }

    let directory: String
    let lastName: String?
    let lastAge: String?
    /// The newest backup is older than twice the schedule (the doctor's warning).
    let lastIsStale: Bool
    let files: [File]
    let hasFiles: Bool
    let schedule: String
    let running: String?
    let online: Bool
}

struct NodesView: Sendable {
    struct Node: Sendable {
        let id: String
        let role: String
        let version: String
        let otherVersion: Bool
        let host: String
        let pid: Int
        let started: String
        let heartbeat: String
        let isThis: Bool
    }

    let nodes: [Node]
    let count: Int
    let window: String
}

struct EventsView: Sendable {
    let chart: ColumnChart
    let total: Int
    let days: Int
}
