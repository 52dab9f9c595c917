import Storage

extension TestDatabase {
    /// The jobs the queue still counts as active (`ActiveJob`: pending, processing, or failed with attempts left), read
    /// from the rows: what the `queue_depth` gauges show, for tests that wait for the worker in router mode, where
    /// `/metrics` has no socket peer to admit (`METRICS_ALLOW`).
    public func activeJobs(maxAttempts: Int) async throws -> Int {
        try await int("SELECT COUNT(*) FROM jobs WHERE \(ActiveJob.condition)", [maxAttempts]) ?? 0
    }
}
