/// The derived texts of a battle: topic, sides, verdict and takeaways.
///
/// One function computes them for the share card and the battle page; the topic is `BattleTopic`, the
/// one extractor every surface uses (DECISIONS 27), so the card and `/b/{id}/meta` can never disagree.
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
    public init(content: String, personaName: String?, replies: [(personaName: String?, content: String)]) {
        topic = BattleTopic.capped(content)
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

    /// `CardSentence(text, max)`: whitespace collapsed, cut after the first sentence terminator, quotes
    /// stripped, truncated.
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
