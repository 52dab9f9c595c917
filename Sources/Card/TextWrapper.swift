/// Word-wise wrapping and ellipsis to pixel widths.
struct TextWrapper<Measurer: TextMeasurer> {
    static var ellipsis: String { "…" }

    let measurer: Measurer

    /// Splits on any whitespace and joins the words with single spaces.
    static func words(_ text: String) -> [Substring] {
        text.split(whereSeparator: { $0.isWhitespace || $0.isNewline })
    }

    static func collapse(_ text: String) -> String {
        words(text).joined(separator: " ")
    }

    func width(_ text: String, _ style: TextStyle) -> Int {
        measurer.width(of: text, style: style)
    }

    /// Greedy word wrap to `maxWidth` pixels. A word wider than the line is
    /// split into character chunks that fit. Empty text gives no lines.
    func wrap(_ text: String, maxWidth: Int, style: TextStyle) -> [String] {
        var lines: [String] = []
        var current = ""
        for word in Self.words(text) {
            let word = String(word)
            if !current.isEmpty {
                let candidate = current + " " + word
                if width(candidate, style) <= maxWidth {
                    current = candidate
                    continue
                }
                lines.append(current)
                current = ""
            }
            if width(word, style) <= maxWidth {
                current = word
                continue
            }
            var chunks = split(word, maxWidth: maxWidth, style: style)
            current = chunks.removeLast()
            lines.append(contentsOf: chunks)
        }
        if !current.isEmpty { lines.append(current) }
        return lines
    }

    /// Splits a word into the longest character chunks that fit (at least one character each).
    private func split(_ word: String, maxWidth: Int, style: TextStyle) -> [String] {
        var chunks: [String] = []
        var rest = Substring(word)
        while !rest.isEmpty {
            let n = max(1, longestFittingPrefix(rest, maxWidth: maxWidth, style: style, suffix: ""))
            let cut = rest.index(rest.startIndex, offsetBy: n)
            chunks.append(String(rest[..<cut]))
            rest = rest[cut...]
        }
        return chunks
    }

    /// The largest character count `n` such that `text.prefix(n) + suffix` fits (binary search;
    /// widths grow with the prefix since advances are never negative).
    private func longestFittingPrefix(_ text: Substring, maxWidth: Int, style: TextStyle, suffix: String) -> Int {
        var lo = 0
        var hi = text.count
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if width(String(text.prefix(mid)) + suffix, style) <= maxWidth { lo = mid } else { hi = mid - 1 }
        }
        return lo
    }

    /// Cuts `text` so that it plus "…" fits `maxWidth`, preferring a word boundary when
    /// that keeps most of the line. Text that already fits is returned unchanged.
    func ellipsize(_ text: String, maxWidth: Int, style: TextStyle) -> String {
        let text = Self.collapse(text)
        if width(text, style) <= maxWidth { return text }
        if width(Self.ellipsis, style) > maxWidth { return "" }
        let chars = Substring(text)
        let n = longestFittingPrefix(chars, maxWidth: maxWidth, style: style, suffix: Self.ellipsis)
        var prefix = chars.prefix(n)
        if n < chars.count, chars[chars.index(chars.startIndex, offsetBy: n)] != " ",
            let space = prefix.lastIndex(of: " "),
            prefix.distance(from: prefix.startIndex, to: space) * 10 >= n * 7
        {
            prefix = prefix[..<space] // break at the last word boundary
        }
        while let last = prefix.last, last == " " || ",;:-–—".contains(last) { prefix = prefix.dropLast() }
        return String(prefix) + Self.ellipsis
    }

    /// Wraps and keeps at most `maxLines` lines; the last kept line takes the
    /// rest of the text and is ellipsized to the width.
    func wrap(_ text: String, maxWidth: Int, maxLines: Int, style: TextStyle) -> (lines: [String], truncated: Bool) {
        let lines = wrap(text, maxWidth: maxWidth, style: style)
        guard maxLines > 0 else { return ([], !lines.isEmpty) }
        guard lines.count > maxLines else { return (lines, false) }
        var kept = Array(lines.prefix(maxLines - 1))
        let rest = lines[(maxLines - 1)...].joined(separator: " ")
        kept.append(ellipsize(rest, maxWidth: maxWidth, style: style))
        return (kept, true)
    }

    /// Height of a paragraph of `lines` lines in `style`.
    func blockHeight(lines: Int, style: TextStyle) -> Int {
        guard lines > 0 else { return 0 }
        let lineHeight = measurer.lineHeight(style)
        return (lines - 1) * style.linePitch(lineHeight: lineHeight) + lineHeight
    }

    /// How many lines of `style` fit in `height` pixels.
    func linesFitting(height: Int, style: TextStyle) -> Int {
        let lineHeight = measurer.lineHeight(style)
        guard height >= lineHeight else { return 0 }
        return 1 + (height - lineHeight) / style.linePitch(lineHeight: lineHeight)
    }

    /// Shrink-to-fit: the first style (largest first) whose wrap fits the box
    /// within `maxLines` lines; otherwise the last style, cut with an ellipsis.
    func fit(_ text: String, width: Int, height: Int, maxLines: Int, styles: [TextStyle]) -> (style: TextStyle, lines: [String]) {
        precondition(!styles.isEmpty)
        for style in styles {
            let allowed = min(maxLines, linesFitting(height: height, style: style))
            let lines = wrap(text, maxWidth: width, style: style)
            if lines.count <= allowed { return (style, lines) }
        }
        let style = styles[styles.count - 1]
        let allowed = min(maxLines, linesFitting(height: height, style: style))
        return (style, wrap(text, maxWidth: width, maxLines: allowed, style: style).lines)
    }
}
