/// Where a page sends the browser after logging in: only a path on this site, never another host
/// (`//evil.example`, `/\evil`, `https://…`), so `?next=` cannot be used as an open redirect.
public enum ReturnPath {
    public static let fallback = "/app/personas"

    public static func safe(_ candidate: String?) -> String {
        guard let candidate, candidate.hasPrefix("/"), !candidate.hasPrefix("//"), !candidate.hasPrefix("/\\"),
            candidate.count <= 512, !candidate.unicodeScalars.contains(where: { $0.value < 0x20 || $0 == "\\" })
        else {
            return fallback
        }
        return candidate
    }
}
