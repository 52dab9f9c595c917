import Domain
import Foundation
import Storage
import TestSupport

/// DECISIONS 28's per-actor counting computed in Swift over the raw `events` rows: the oracle the engagement
/// aggregates are checked against. Each (actor, event name, battle key, UTC day) counts once; the actor is the stored
/// actor, else the user, else the event itself; the battle key is `source_battle_id` when non-empty, else `battle_id`.
struct EngagementOracle {
    struct Event {
        let id: String
        let name: String
        let actor: String
        let key: String?
        let createdAt: String
        var day: Substring { createdAt.prefix(10) }
    }

    let events: [Event]

    /// Every stored event of `dir`'s database.
    static func load(_ dir: TestDirectory) async throws -> EngagementOracle {
        let db = try await TestDatabase.open(dir)
        let rows = try await db.rows("SELECT id, user_id, actor, event_name, metadata, created_at FROM events")
        try await db.close()
        return EngagementOracle(
            events: try rows.map { row in
                let id = (row["id"] ?? nil) ?? ""
                let json = try JSONSerialization.jsonObject(with: Data(((row["metadata"] ?? nil) ?? "{}").utf8)) as? [String: Any] ?? [:]
                let nonEmpty = { (field: String) -> String? in (json[field] as? String).flatMap { $0.isEmpty ? nil : $0 } }
                return Event(
                    id: id, name: (row["event_name"] ?? nil) ?? "", actor: (row["actor"] ?? nil) ?? (row["user_id"] ?? nil) ?? "event:\(id)",
                    key: nonEmpty("source_battle_id") ?? nonEmpty("battle_id"), createdAt: (row["created_at"] ?? nil) ?? "")
            })
    }

    private func since(_ since: Timestamp) -> [Event] { events.filter { $0.createdAt >= since.storageString } }

    /// The admin summary's counts by (lowercased) name since `since`.
    func eventCounts(since: Timestamp) -> [String: Int] {
        var keys: [String: Set<String>] = [:]
        for e in self.since(since) { keys[e.name, default: []].insert("\(e.actor)|\(e.day)|\(e.key ?? "")") }
        var out: [String: Int] = [:]
        for (name, set) in keys { out[name.lowercased(), default: 0] += set.count }
        return out
    }

    /// Per-actor counts of all events by UTC day since `since`.
    func eventsPerDay(since: Timestamp) -> [DayCount] {
        var keys: [Substring: Set<String>] = [:]
        for e in self.since(since) { keys[e.day, default: []].insert("\(e.name)|\(e.actor)|\(e.key ?? "")") }
        return keys.keys.sorted().map { DayCount(day: String($0), count: keys[$0]!.count) }
    }

    /// Shares and remixes per battle key since `since`, among `battles` (the published ones).
    func engagement(since: Timestamp, among battles: Set<String>) -> [String: [Int]] {
        var keys: [String: [Set<String>]] = [:]
        for e in self.since(since) {
            guard let key = e.key, battles.contains(key) else { continue }
            let slot = e.name == "battle_shared" ? 0 : e.name == "remix_completed" ? 1 : -1
            guard slot >= 0 else { continue }
            keys[key, default: [[], []]][slot].insert("\(e.actor)|\(e.day)")
        }
        return keys.mapValues { $0.map(\.count) }
    }
}

/// A small deterministic generator (SplitMix64), so a failing history can be replayed from its seed.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
