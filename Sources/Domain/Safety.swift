/// The content safety check: it only rejects, never truncates.
public enum Safety {
    static let profanity: Set<String> = ["fuck", "shit", "bitch", "asshole", "dick"]
    static let linkMarkers = ["http://", "https://", "www."]

    /// Returns the trimmed content, or throws `invalid(<safety message>)`.
    public static func check(_ content: String, maxLength: Int) throws -> String {
        let text = content.trimmingWhitespace()
        guard !text.isEmpty else { throw DomainError.invalid("content cannot be empty") }
        guard maxLength > 0, text.runeCount <= maxLength else { throw DomainError.invalid("content exceeds max length") }
        try checkWords(text, field: "content")
        return text
    }

    /// The profanity and link-spam parts of the check, for text whose length another rule governs
    /// (battle topics are checked too, unlike the original). Messages name `field`.
    public static func checkWords(_ text: String, field: String) throws {
        let lower = text.lowercased()
        if containsProfanity(lower) { throw DomainError.invalid("\(field) failed profanity check") }
        let links = linkMarkers.reduce(0) { $0 + occurrences(of: $1, in: lower) }
        if links > 2 { throw DomainError.invalid("\(field) failed link spam check") }
    }

    /// Whole-word match with ASCII `\b` semantics (word characters are `[A-Za-z0-9_]`).
    static func containsProfanity(_ lower: String) -> Bool {
        var word: [UInt8] = []
        func flush() -> Bool {
            defer { word.removeAll(keepingCapacity: true) }
            return !word.isEmpty && profanity.contains(String(decoding: word, as: UTF8.self))
        }
        for byte in lower.utf8 {
            let isWord = (byte >= 97 && byte <= 122) || (byte >= 65 && byte <= 90) || (byte >= 48 && byte <= 57) || byte == 95
            if isWord { word.append(byte) } else if flush() { return true }
        }
        return flush()
    }

    static func occurrences(of needle: String, in haystack: String) -> Int {
        let n = Array(needle.utf8)
        let h = Array(haystack.utf8)
        guard !n.isEmpty, h.count >= n.count else { return 0 }
        var count = 0
        var i = 0
        while i <= h.count - n.count {
            if h[i..<(i + n.count)].elementsEqual(n) {
                count += 1
                i += n.count
            } else {
                i += 1
            }
        }
        return count
    }
}
