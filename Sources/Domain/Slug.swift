/// Slug normalisation for public profile slugs.
public enum Slug {
    /// Maximum slug length in bytes.
    public static let maxLength = 64

    /// `NormSlug(s)`: lower-case, keep ASCII alphanumerics, fold separators to single dashes.
    public static func normalize(_ raw: String) -> String {
        var out = [UInt8]()
        for scalar in raw.trimmingWhitespace().lowercased().unicodeScalars {
            let v = scalar.value
            if (v >= 97 && v <= 122) || (v >= 48 && v <= 57) {
                out.append(UInt8(v))
            } else if scalar.properties.isWhitespace || v == 45 || v == 95 {
                if !out.isEmpty && out.last != 45 { out.append(45) }
            }
        }
        trimDashes(&out)
        if out.count > maxLength {
            out = Array(out.prefix(maxLength))
            trimDashes(&out)
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// A candidate for uniqueness attempt `n` (1 = the base itself), kept within 64 bytes.
    public static func candidate(base: String, attempt n: Int) -> String {
        guard n > 1 else { return base }
        let suffix = "-\(n)"
        var head = Array(base.utf8.prefix(maxLength - suffix.utf8.count))
        trimDashes(&head)
        return String(decoding: head, as: UTF8.self) + suffix
    }

    private static func trimDashes(_ bytes: inout [UInt8]) {
        while bytes.first == 45 { bytes.removeFirst() }
        while bytes.last == 45 { bytes.removeLast() }
    }
}
