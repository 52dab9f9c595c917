import Foundation

/// Polls `condition` until it holds; false if it still does not after `timeout` seconds.
///
/// Tests wait for a condition, never for a fixed time: a sleep that orders events fails on a loaded machine, and a
/// short polling deadline does too. The default deadline only bounds a hang (it is long, and a passing test returns
/// as soon as the condition holds), so a slow machine makes the test slower, never wrong.
public func eventually(
    timeout: Double = 60, every interval: Double = 0.02, _ condition: () async throws -> Bool
) async throws -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int64(timeout * 1000))
    while true {
        if try await condition() { return true }
        if ContinuousClock.now >= deadline { return false }
        try await Task.sleep(nanoseconds: UInt64(interval * 1e9))
    }
}
