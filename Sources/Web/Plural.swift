/// Counts in words for people: `1 reply`, `2 replies`, `0 shares`. The one plural rule of the pages
/// (and of the script's few live texts, which follow the same rule).
public enum Plural {
    /// `count` and the noun, singular for exactly 1; `plural` defaults to the noun plus `s`.
    public static func count(_ count: Int, _ singular: String, _ plural: String? = nil) -> String {
        "\(count) \(count == 1 ? singular : plural ?? singular + "s")"
    }
}
