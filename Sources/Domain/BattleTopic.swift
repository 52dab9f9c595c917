/// The one topic of a battle (DECISIONS 27), shown on the share card, `GET /b/{id}/meta`, the battle page
/// and its Open Graph/Twitter tags, feed items, remix intents (and their tokens) and the weekly digest.
///
/// The original's card topic kept the `Topic:` prefix, ran on into `Template: …` and appended `(room)`,
/// so previews read `Topic: Go vs Rust Template: Claim/Evidence 6 turns …` and remixes became
/// `Topic: Topic: …`. Here the topic is what the creator typed; the room is a field of its own.
public enum BattleTopic {
    /// The topic when the content says nothing usable.
    public static let fallback = "Battle discussion"
    /// The first-sentence fallback's cap (`CardSentence(content, 90)`).
    public static let sentenceRunes = 90
    /// The cap for the card, the meta route, feed items and remix intents (`Trunc(·, 180)`), the
    /// longest topic a battle can be created with.
    public static let maxRunes = 180
    /// The weekly digest's cap.
    public static let digestMaxRunes = 140

    /// The topic of a post's content, in order of preference:
    /// 1. the remainder of the first non-blank line that starts with `topic:` (ASCII case-insensitive,
    ///    after trimming) and has a non-blank remainder, trimmed;
    /// 2. the content's first sentence (`BattleSummary.sentence(content, 90)`);
    /// 3. `Battle discussion`.
    /// Not yet capped: each surface applies its own cap (`capped`).
    public static func extract(_ content: String) -> String {
        // Split on scalars: as Characters, `\r\n` is one grapheme that never equals `\n`.
        for line in content.unicodeScalars.split(separator: "\n") {
            let trimmed = String(String.UnicodeScalarView(line)).trimmingWhitespace()
            guard hasTopicPrefix(trimmed) else { continue }
            let remainder = String(String.UnicodeScalarView(trimmed.unicodeScalars.dropFirst(prefix.count))).trimmingWhitespace()
            if !remainder.isEmpty { return remainder }
        }
        let sentence = BattleSummary.sentence(content, maxRunes: sentenceRunes)
        return sentence.isEmpty ? fallback : sentence
    }

    /// `extract(content)` cut to `maxRunes` (180 on every surface but the weekly digest's 140).
    public static func capped(_ content: String, maxRunes: Int = maxRunes) -> String {
        extract(content).truncatedRunes(maxRunes)
    }

    private static let prefix = Array("topic:".unicodeScalars)

    /// Whether `line` starts with `topic:`, ignoring ASCII case (the prefix is ASCII, so this is the
    /// lower-cased comparison without Unicode case mappings that could change the length).
    static func hasTopicPrefix(_ line: String) -> Bool {
        let head = Array(line.unicodeScalars.prefix(prefix.count))
        guard head.count == prefix.count else { return false }
        for (a, b) in zip(head, prefix) {
            let lower = (a.value >= 0x41 && a.value <= 0x5A) ? a.value + 0x20 : a.value
            if lower != b.value { return false }
        }
        return true
    }
}
