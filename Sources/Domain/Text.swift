/// Text helpers shared by validation and derived values.
extension String {
    /// Removes leading and trailing Unicode whitespace.
    public func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
        return String(scalars[first...last])
    }

    /// Number of Unicode scalar values ("runes").
    public var runeCount: Int { unicodeScalars.count }

    /// `Trunc(s, n)`: trim; if longer than n runes keep the first n and trim again.
    public func truncatedRunes(_ n: Int) -> String {
        let trimmed = trimmingWhitespace()
        guard n > 0, trimmed.unicodeScalars.count > n else { return trimmed }
        var view = String.UnicodeScalarView()
        view.append(contentsOf: trimmed.unicodeScalars.prefix(n))
        return String(view).trimmingWhitespace()
    }

    /// `Collapse(s)`: runs of whitespace become one space; ends trimmed.
    public func collapsingWhitespace() -> String {
        var out = String.UnicodeScalarView()
        var pendingSpace = false
        for scalar in unicodeScalars {
            if scalar.properties.isWhitespace {
                pendingSpace = !out.isEmpty
            } else {
                if pendingSpace { out.append(" ") }
                pendingSpace = false
                out.append(scalar)
            }
        }
        return String(out)
    }
}
