import Domain
import Foundation

/// Waits until worker processes have drained a queue of `total` jobs, asking `remaining` how many are left; returns
/// the seconds from `start` (a `Monotonic.nanos()` reading) to the first answer of none, or to `timeout`.
///
/// Why the wait is not the same throughout: the count is the benchmark's own work on the machine it measures. On
/// PostgreSQL a count over a full queue cost the server 3-4 ms, and at one ask every 20 ms that was 11-17 % of a core
/// taken from the runs being timed (`pg_stat_statements`: 400-635 ms of a 4 s run). A count is cheap once few jobs
/// are left, and only the end needs to be seen closely: the asks are 100 ms apart while more than a tenth of the jobs
/// remain, then 20 ms apart, so the end is still seen within 20 ms.
func waitUntilDrained(
    total: Int, start: UInt64, timeout: Double = 300, remaining: () async throws -> Int
) async throws -> Double {
    while true {
        let left = try await remaining()
        let seconds = Double(Monotonic.nanos() - start) / 1e9
        if left <= 0 || seconds > timeout { return seconds }
        try await Task.sleep(nanoseconds: drainAskDelay(remaining: left, total: total))
    }
}

/// The wait before the next ask (`waitUntilDrained`): 100 ms while more than a tenth of `total` remains, else 20 ms.
func drainAskDelay(remaining: Int, total: Int) -> UInt64 {
    remaining * 10 > total ? 100_000_000 : 20_000_000
}
