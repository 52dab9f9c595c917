/// The derived texts of a battle: topic, sides, verdict and takeaways.
///
/// One function computes them for the share card, the meta route, remix intents and the feed, so
/// the card and `/b/{id}/meta` can never disagree.
public struct BattleSummary: Sendable, Equatable {
    public var topic: String
    public var pro: String
    public var con: String
    public var verdict: String
    public var takeaways: [String]

    static let fallbackTakeaways = [
        "Keep claims concrete and tied to measurable outcomes.",
        "Compare both sides with one clear experiment.",
        "Share the result publicly and refine the next iteration.",
    ]

    /// Summarises a post (its content, its persona's name) and its replies, oldest first.
    public init(content: String, roomName: String, personaName: String?, replies: [(personaName: String?, content: String)]) {
        topic = Self.topic(content: content, roomName: roomName)
        var names: [String] = []
        for raw in [personaName] + replies.map(\.personaName) {
            let name = (raw ?? "").truncatedRunes(36)
            if !name.isEmpty && !names.contains(where: { $0.lowercased() == name.lowercased() }) { names.append(name) }
        }
        pro = names.first ?? "Persona A"
        con = names.count >= 2 ? names[1] : (names.count == 1 ? "Community" : "Persona B")
        verdict = Self.verdict(replyCount: replies.count)
        takeaways = Self.takeaways(from: [content] + replies.map(\.content))
    }

    /// `sentence(content, 90)` or `Battle discussion`, with ` (<room>)` appended within 96 runes.
    public static func topic(content: String, roomName: String) -> String {
        var topic = sentence(content, maxRunes: 90)
        if topic.isEmpty { topic = "Battle discussion" }
        let room = roomName.trimmingWhitespace()
        return room.isEmpty ? topic : "\(topic) (\(roomName))".truncatedRunes(96)
    }

    /// The heading a battle's page shows: the topic the creator typed (the `Topic:` line of a created
    /// battle), else the derived `topic`. The card and the meta route keep the contract's derived topic.
    public static func headline(content: String, roomName: String) -> String {
        if let first = content.split(separator: "\n", maxSplits: 1).first, first.hasPrefix("Topic: ") {
            let typed = String(first.dropFirst("Topic: ".count)).trimmingWhitespace()
            if !typed.isEmpty { return typed }
        }
        return topic(content: content, roomName: roomName)
    }

    /// Whitespace collapsed, cut after the first sentence terminator, quotes stripped, truncated.
    public static func sentence(_ text: String, maxRunes: Int) -> String {
        let collapsed = text.collapsingWhitespace()
        var view = String.UnicodeScalarView()
        for scalar in collapsed.unicodeScalars {
            view.append(scalar)
            if scalar == "." || scalar == "!" || scalar == "?" { break }
        }
        let stripSet: Set<Unicode.Scalar> = ["\"", "'", " "]
        var scalars = Array(String(view).trimmingWhitespace().unicodeScalars)
        while let first = scalars.first, stripSet.contains(first) { scalars.removeFirst() }
        while let last = scalars.last, stripSet.contains(last) { scalars.removeLast() }
        var out = String.UnicodeScalarView()
        out.append(contentsOf: scalars)
        return String(out).truncatedRunes(maxRunes)
    }

    /// The verdict line, chosen by how many replies the battle has.
    public static func verdict(replyCount: Int) -> String {
        switch replyCount {
        case 2...: return "Verdict: The strongest outcome is to run a small test, measure results, and iterate fast."
        case 1: return "Verdict: The counterpoint matters, but practical experimentation still wins."
        default: return "Verdict: Start lean, validate quickly, and scale only what proves useful."
        }
    }

    /// Exactly three takeaways: first sentences of the texts, then fallbacks, de-duplicated case-insensitively.
    static func takeaways(from texts: [String]) -> [String] {
        var out: [String] = []
        func add(_ candidate: String) {
            guard out.count < 3, !candidate.isEmpty, !out.contains(where: { $0.lowercased() == candidate.lowercased() }) else { return }
            out.append(candidate)
        }
        for text in texts where out.count < 3 { add(sentence(text, maxRunes: 90).truncatedRunes(90)) }
        for fallback in fallbackTakeaways { add(fallback) }
        while out.count < 3 { out.append(fallbackTakeaways[out.count % 3]) }
        return out
    }
}
