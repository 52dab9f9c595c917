/// A web origin: scheme, host and port, the port filled in from the scheme when the text leaves it out, so
/// `https://a.example` and `https://a.example:443` compare equal and `http://a.example` does not.
struct WebOrigin: Sendable, Hashable {
    let scheme: String
    let host: String
    let port: Int

    init(scheme: String, host: HostName) {
        self.scheme = scheme.lowercased()
        self.host = host.name
        self.port = host.port ?? (self.scheme == "https" ? 443 : 80)
    }

    /// Parses `scheme://host[:port]`, the form of an `Origin` header; with `allowPath`, a path after the
    /// authority is ignored (`FRONTEND_ORIGIN` may end in `/`). Only `http` and `https` are origins here:
    /// `null` (a sandboxed frame, a `data:` or `file:` page) and anything else parse as nil.
    init?(_ text: String, allowPath: Bool = false) {
        guard let separator = text.range(of: "://") else { return nil }
        let scheme = text[..<separator.lowerBound].lowercased()
        guard scheme == "http" || scheme == "https" else { return nil }
        var authority = text[separator.upperBound...]
        if let slash = authority.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) {
            guard allowPath else { return nil }
            authority = authority[..<slash]
        }
        // Credentials in an origin never come from a browser.
        guard !authority.contains("@"), let host = HostName(authority), host.name != "*" else { return nil }
        self.init(scheme: scheme, host: host)
    }
}
