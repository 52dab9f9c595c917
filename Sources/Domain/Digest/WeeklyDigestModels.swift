/// Inputs and output of the weekly user digest.

/// A published post eligible for a user's weekly digest (not the user's own, not yet seen by them,
/// created within the last 7 days), with its engagement counts.
public struct WeeklyCandidate: Sendable, Equatable {
    public var battleID: String
    public var roomID: String
    public var roomName: String
    public var content: String
    public var createdAt: Timestamp
    /// The post's persona is followed by the digest's user.
    public var followed: Bool
    public var shares: Int
    public var remixes: Int

    public init(
        battleID: String, roomID: String, roomName: String, content: String, createdAt: Timestamp,
        followed: Bool, shares: Int, remixes: Int
    ) {
        self.battleID = battleID
        self.roomID = roomID
        self.roomName = roomName
        self.content = content
        self.createdAt = createdAt
        self.followed = followed
        self.shares = shares
        self.remixes = remixes
    }

    /// The unrounded digest score at `now`.
    public func score(now: Timestamp) -> Double {
        WeeklyDigestRules.score(
            followed: followed, shares: shares, remixes: remixes,
            ageHours: WeeklyDigestRules.ageHours(from: createdAt, to: now))
    }

    /// The battle's topic (`BattleTopic`) under the digest's own cap.
    public var topic: String { WeeklyDigestRules.topic(content: content) }
}

/// One stored and returned weekly digest item:
/// `{battle_id, room_id, room_name, topic, summary, score, created_at}`.
public struct WeeklyDigestItem: Sendable, Equatable {
    public var battleID: String
    public var roomID: String
    public var roomName: String
    public var topic: String
    public var summary: String
    /// Already rounded (`WeeklyDigestRules.roundScore`).
    public var score: Double
    public var createdAt: Timestamp

    public init(
        battleID: String, roomID: String, roomName: String, topic: String, summary: String, score: Double,
        createdAt: Timestamp
    ) {
        self.battleID = battleID
        self.roomID = roomID
        self.roomName = roomName
        self.topic = topic
        self.summary = summary
        self.score = score
        self.createdAt = createdAt
    }

    /// The item as a JSON object, fields in the contract's order, `created_at` in RFC 3339.
    public var json: JSONValue {
        .object([
            ("battle_id", .string(battleID)),
            ("room_id", .string(roomID)),
            ("room_name", .string(roomName)),
            ("topic", .string(topic)),
            ("summary", .string(summary)),
            ("score", .number(CompactJSON.number(score))),
            ("created_at", .string(createdAt.rfc3339)),
        ])
    }

    /// Reads an item back; nil unless it is an object with a parseable `created_at`. Missing
    /// strings read as empty and a missing or non-numeric score as 0, so one odd field does not
    /// lose the item.
    public init?(json: JSONValue) {
        guard case .object(let fields) = json else { return nil }
        let map = JSONFields(fields)
        guard let created = map.timestamp("created_at") else { return nil }
        self.init(
            battleID: map.string("battle_id") ?? "", roomID: map.string("room_id") ?? "",
            roomName: map.string("room_name") ?? "", topic: map.string("topic") ?? "",
            summary: map.string("summary") ?? "", score: map.double("score") ?? 0, createdAt: created)
    }
}
