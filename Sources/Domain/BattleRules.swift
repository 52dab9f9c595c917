/// Battle creation rules: topic and style checks, and the opening content of a battle post.
public enum BattleRules {
    public static let defaultProStyle = "Bold and practical"
    public static let defaultConStyle = "Skeptical and evidence-first"
    /// The styles a remix intent proposes.
    public static let remixProStyle = "Bold, practical, concise"
    public static let remixConStyle = "Skeptical, evidence-first, concise"

    /// A trimmed topic of 3 to 180 runes that passes the profanity and link-spam checks.
    public static func topic(_ raw: String) throws -> String {
        let topic = raw.trimmingWhitespace()
        guard topic.runeCount >= 3 else { throw DomainError.invalid("topic must be at least 3 chars") }
        guard topic.runeCount <= 180 else { throw DomainError.invalid("topic must be <= 180 chars") }
        try Safety.checkWords(topic, field: "topic")
        return topic
    }

    /// A style trimmed and cut to 80 runes, or the default when blank.
    public static func style(_ raw: String, default fallback: String) -> String {
        let style = raw.truncatedRunes(80)
        return style.isEmpty ? fallback : style
    }

    /// The battle post's content, cut to the draft length cap.
    public static func content(topic: String, templateName: String, pro: String, con: String, maxLength: Int) -> String {
        """
        Topic: \(topic)
        Template: \(templateName)
        Pro style: \(pro)
        Con style: \(con)

        Battle opening: keep arguments concise and evidence-based.
        """.truncatedRunes(maxLength)
    }
}

/// What a signed remix intent carries from a source battle to the battle it seeds.
public struct RemixIntent: Sendable, Equatable {
    public var battleID: String
    public var roomID: String
    public var topic: String
    public var proStyle: String
    public var conStyle: String
    public var templateID: String

    public init(battleID: String, roomID: String, topic: String, proStyle: String, conStyle: String, templateID: String) {
        self.battleID = battleID
        self.roomID = roomID
        self.topic = topic.truncatedRunes(180)
        self.proStyle = proStyle.truncatedRunes(80)
        self.conStyle = conStyle.truncatedRunes(80)
        self.templateID = templateID.trimmingWhitespace()
    }

    /// Remix tokens live 30 minutes.
    public static let lifetimeSeconds: Int64 = 30 * 60
}

/// The `/p/{slug}/posts` cursor: `<created_at unix nanoseconds>|<post id>` of the last item of a page.
public struct PostCursor: Sendable, Equatable {
    public var createdAt: Timestamp
    public var postID: String

    public init(createdAt: Timestamp, postID: String) {
        self.createdAt = createdAt
        self.postID = postID
    }

    /// Public pages hold 10 posts; a full page carries a cursor to the next.
    public static let pageSize = 10

    public var encoded: String { "\(createdAt.unixNanoseconds)|\(postID)" }

    /// Parses a cursor; a blank one is nil (first page), a malformed one `invalid cursor`.
    public static func parse(_ raw: String) throws -> PostCursor? {
        let text = raw.trimmingWhitespace()
        if text.isEmpty { return nil }
        guard let bar = text.firstIndex(of: "|"), case .value(let nanos) = DecimalText.parse(text[..<bar], allowNegative: true) else {
            throw DomainError.invalid("invalid cursor")
        }
        let id = String(text[text.index(after: bar)...]).trimmingWhitespace()
        guard id.utf8.count == 36 else { throw DomainError.invalid("invalid cursor") }
        // Stored times have microsecond precision; a cursor from another clock rounds down, never skipping a post.
        let micros = nanos / 1000 - (nanos % 1000 < 0 ? 1 : 0) // floor division that cannot overflow at Int64.min
        return PostCursor(createdAt: Timestamp(microseconds: micros), postID: id.lowercased())
    }
}
