import Foundation

/// Content negotiation for the paths that are both a page and an API route (`/p/{slug}`, `/b/{id}`).
public enum AcceptHeader {
    /// Whether `accept` prefers `text/html` to `application/json`: a browser's navigation sends
    /// `text/html,…,*/*;q=0.8`; curl sends `*/*`; API clients send `application/json`. A tie, or no
    /// explicit `text/html`, keeps the JSON the contract promises.
    public static func prefersHTML(_ accept: String?) -> Bool {
        guard let accept, !accept.isEmpty else { return false }
        var html: Double?
        var json: Double?
        var wildcard: Double?
        for part in accept.split(separator: ",") {
            let pieces = part.split(separator: ";")
            guard let type = pieces.first?.trimmingCharacters(in: .whitespaces).lowercased() else { continue }
            var q = 1.0
            for parameter in pieces.dropFirst() {
                let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                if pair.count == 2, pair[0].lowercased() == "q", let value = Double(pair[1]) { q = value }
            }
            switch type {
            case "text/html", "application/xhtml+xml": html = max(html ?? 0, q)
            case "application/json": json = max(json ?? 0, q)
            case "*/*", "application/*": wildcard = max(wildcard ?? 0, q)
            default: break
            }
        }
        guard let html, html > 0 else { return false }
        return html > (json ?? wildcard ?? 0)
    }
}
