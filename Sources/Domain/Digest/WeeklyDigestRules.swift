/// The weekly user digest: which week it belongs to, how candidates are scored and ranked, and the
/// texts of each item (topic and one-sentence summary).
public enum WeeklyDigestRules {
    public static let maxItems = 3
    public static let topicMaxRunes = 140
    public static let summaryMaxRunes = 220
    static let microsPerDay: Int64 = 86_400_000_000

    // MARK: Week

    /// Monday 00:00 UTC of the ISO week containing `now` (weeks start on Monday, so a Sunday belongs
    /// to the week that began six days earlier, across month and year ends alike).
    public static func weekStart(_ now: Timestamp) -> Timestamp {
        let midnight = now.startOfDay
        let weekday = midnight.utcComponents.weekday // 0 = Sunday … 6 = Saturday
        let daysSinceMonday = Int64((weekday + 6) % 7)
        return midnight.adding(microseconds: -daysSinceMonday * microsPerDay)
    }

    /// `YYYY-MM-DD` of the week's Monday, the stored `week_start`.
    public static func weekStartDate(_ now: Timestamp) -> String { weekStart(now).dateString }

    // MARK: Score and rank

    /// `(6 if followed) + 2·shares + 3·remixes + max(0, 96 − age hours)`: fresh posts earn up to four
    /// days' worth of bonus, followed personas a small boost, engagement the rest.
    public static func score(followed: Bool, shares: Int, remixes: Int, ageHours: Double) -> Double {
        Double(followed ? 6 : 0) + Double(shares * 2) + Double(remixes * 3) + max(0, 96 - ageHours)
    }

    /// `floor(x·100 + 0.5) / 100`, the stored item score.
    public static func roundScore(_ x: Double) -> Double {
        (x * 100 + 0.5).rounded(.down) / 100
    }

    /// Fractional hours from `from` to `to` (negative when `from` is in the future; the score's
    /// `max(0, 96 − age)` caps the bonus either way).
    public static func ageHours(from: Timestamp, to: Timestamp) -> Double {
        Double(to.microseconds - from.microseconds) / 3_600_000_000
    }

    /// The digest's candidates in final order: the top 3 by unrounded score (then newest, then
    /// battle id), re-sorted by rounded score, newest first, then battle id. The original's last
    /// sort is unstable; the id tie-breaker makes ours deterministic.
    public static func rank(_ items: [WeeklyCandidate], now: Timestamp) -> [WeeklyCandidate] {
        let scored = items.map { (candidate: $0, score: $0.score(now: now)) }
        let top = scored.sorted { a, b in
            if a.score != b.score { return a.score > b.score }
            if a.candidate.createdAt != b.candidate.createdAt { return a.candidate.createdAt > b.candidate.createdAt }
            return a.candidate.battleID < b.candidate.battleID
        }.prefix(maxItems)
        return top.map { (candidate: $0.candidate, rounded: roundScore($0.score)) }.sorted { a, b in
            if a.rounded != b.rounded { return a.rounded > b.rounded }
            if a.candidate.createdAt != b.candidate.createdAt { return a.candidate.createdAt > b.candidate.createdAt }
            return a.candidate.battleID < b.candidate.battleID
        }.map(\.candidate)
    }

    /// The stored item for a ranked candidate. `generatedSummary` is the LLM's thread summary (nil
    /// when the call failed); it is used when `oneSentence` leaves something, else the fallback.
    public static func item(for candidate: WeeklyCandidate, generatedSummary: String?, now: Timestamp) -> WeeklyDigestItem {
        let topic = candidate.topic
        var summary = generatedSummary.map { oneSentence($0, max: summaryMaxRunes) } ?? ""
        if summary.isEmpty {
            summary = fallbackSummary(
                topic: topic, roomName: candidate.roomName, shares: candidate.shares,
                remixes: candidate.remixes)
        }
        return WeeklyDigestItem(
            battleID: candidate.battleID, roomID: candidate.roomID, roomName: candidate.roomName,
            topic: topic, summary: summary, score: roundScore(candidate.score(now: now)),
            createdAt: candidate.createdAt)
    }

    // MARK: Texts

    /// The weekly topic: the battle's one topic (`BattleTopic`, DECISIONS 27) cut to `topicMaxRunes`
    /// (140), where the other surfaces allow 180.
    public static func topic(content: String) -> String {
        BattleTopic.capped(content, maxRunes: topicMaxRunes)
    }

    /// One sentence of at most `max` runes ending in `.`, `!` or `?`, or `""`:
    /// 1. newlines become spaces and whitespace is collapsed; nothing left gives `""`;
    /// 2. the text is cut just after the first `.`, `!` or `?` found at a UTF-8 **byte** offset of 20
    ///    or more (so short openers like `Hi!` do not end the sentence) and trimmed; without one it is
    ///    truncated to `max`, stripped of trailing dots and spaces (nothing left gives `""`), and
    ///    given a final `.`;
    /// 3. truncated to `max` again (nothing left gives `""`), and given a `.` unless it already ends
    ///    in `.`, `!` or `?`.
    public static func oneSentence(_ v: String, max: Int) -> String {
        var clean = String(
            v.unicodeScalars.map { $0 == "\n" ? " " : $0 }.reduce(into: String.UnicodeScalarView()) {
                $0.append($1)
            }
        ).collapsingWhitespace()
        if clean.isEmpty { return "" }
        let bytes = Array(clean.utf8)
        var end: Int?
        for (offset, byte) in bytes.enumerated() where offset >= 20 && (byte == 0x2E || byte == 0x21 || byte == 0x3F) {
            end = offset + 1
            break
        }
        if let end {
            clean = String(decoding: bytes[..<end], as: UTF8.self).trimmingWhitespace()
        } else {
            var scalars = Array(clean.truncatedRunes(max).unicodeScalars)
            while let last = scalars.last, last == "." || last == " " { scalars.removeLast() }
            if scalars.isEmpty { return "" }
            var view = String.UnicodeScalarView()
            view.append(contentsOf: scalars)
            clean = String(view) + "."
        }
        clean = clean.truncatedRunes(max)
        if clean.isEmpty { return "" }
        if !(clean.hasSuffix(".") || clean.hasSuffix("!") || clean.hasSuffix("?")) { clean += "." }
        return clean
    }

    /// The summary used when the LLM gives nothing usable, labelled with the topic (or `This battle`):
    /// engagement first, else the room, else a plain line; each passed through `oneSentence(·, 220)`.
    public static func fallbackSummary(topic: String, roomName: String, shares: Int, remixes: Int) -> String {
        var label = topic.trimmingWhitespace()
        if label.isEmpty { label = "This battle" }
        let room = roomName.trimmingWhitespace()
        let text: String
        if shares > 0 || remixes > 0 {
            text = "\(label) gained traction this week with \(shares) shares and \(remixes) remixes."
        } else if !room.isEmpty {
            text = "\(label) was one of the notable discussions in \(room) this week."
        } else {
            text = "\(label) was one of the notable discussions this week."
        }
        return oneSentence(text, max: summaryMaxRunes)
    }

    // MARK: Stored items

    /// The `items` column: a compact JSON array of item objects.
    public static func encodeItems(_ items: [WeeklyDigestItem]) -> String {
        CompactJSON.encode(.array(items.map(\.json)))
    }

    /// Reads the `items` column back. Anything that is not a JSON array gives `[]`; entries that are
    /// not readable items are skipped.
    public static func decodeItems(_ text: String) -> [WeeklyDigestItem] {
        guard let parsed = try? JSONParser.parseFirst(Array(text.utf8)), !parsed.trailing,
            case .array(let entries)? = parsed.value
        else { return [] }
        return entries.compactMap(WeeklyDigestItem.init(json:))
    }
}
