import Domain
import Synchronization

/// Counts per minute over the last hour, in memory: what the operator console shows as "the last hour" for figures
/// that live only in this process (LLM calls, cache lookups, rate-limit rejections). Prometheus keeps the running
/// totals; this keeps just enough history to answer "how many in the last 60 minutes" without a time-series store.
///
/// Sixty slots, one per minute of the clock; a slot is reused (and cleared) when its minute comes round again, so
/// memory stays fixed whatever the traffic. Keys are labels chosen by the code (an outcome, a rate-limit class), and
/// each slot holds at most `maxKeys` of them; anything past that is counted under `overflowKey`.
final class MinuteRing: Sendable {
    /// Minutes of history: the current minute and the 59 before it.
    static let minutes = 60
    /// Distinct keys one minute may hold.
    static let maxKeys = 32
    static let overflowKey = "other"

    private struct Slot {
        /// Minutes since the Unix epoch this slot counts; nil before first use.
        var minute: Int64?
        var counts: [String: Int] = [:]
    }

    private let clock: any AppClock
    private let slots = Mutex([Slot](repeating: Slot(), count: MinuteRing.minutes))

    init(clock: any AppClock) { self.clock = clock }

    /// Adds `count` to `key` in the current minute.
    func add(_ key: String, count: Int = 1) {
        let minute = Self.minute(of: clock.now())
        let index = Self.index(of: minute)
        slots.withLock { slots in
            if slots[index].minute != minute { slots[index] = Slot(minute: minute) }
            let counts = slots[index].counts
            let name = counts[key] != nil || counts.count < Self.maxKeys ? key : Self.overflowKey
            slots[index].counts[name, default: 0] &+= count
        }
    }

    /// Each key's total over the last `minutes` minutes, the current one included.
    func totals() -> [String: Int] {
        let now = Self.minute(of: clock.now())
        return slots.withLock { slots in
            var totals: [String: Int] = [:]
            for slot in slots {
                guard let minute = slot.minute, minute <= now, minute > now - Int64(Self.minutes) else { continue }
                for (key, count) in slot.counts { totals[key, default: 0] &+= count }
            }
            return totals
        }
    }

    /// `key`'s count in each of the last `minutes` minutes, oldest first (the last entry is the current minute).
    func series(_ key: String) -> [Int] {
        let now = Self.minute(of: clock.now())
        return slots.withLock { slots in
            (0..<Int64(Self.minutes)).map { back in
                let minute = now - Int64(Self.minutes - 1) + back
                let slot = slots[Self.index(of: minute)]
                return slot.minute == minute ? slot.counts[key] ?? 0 : 0
            }
        }
    }

    static func minute(of time: Timestamp) -> Int64 {
        let perMinute: Int64 = 60_000_000
        return time.microseconds >= 0 ? time.microseconds / perMinute : (time.microseconds - perMinute + 1) / perMinute
    }

    private static func index(of minute: Int64) -> Int {
        Int(((minute % Int64(minutes)) + Int64(minutes)) % Int64(minutes))
    }
}
