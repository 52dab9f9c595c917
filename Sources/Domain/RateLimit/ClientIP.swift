/// Works out which client address a request is charged to.
///
/// Rule: the client is the socket peer. Only when the peer is a trusted proxy are forwarding
/// headers read, because anyone else can put anything in them:
/// 1. `X-Forwarded-For` (all occurrences, comma-joined, in order): walk the list from the
///    right, skipping addresses that are themselves trusted proxies, and take the first one that
///    is not. Each proxy appends the address it saw, so the rightmost untrusted entry is the
///    last hop our own infrastructure vouches for; everything left of it is client-supplied and
///    may be forged. If every entry is trusted, the leftmost one is used.
/// 2. Otherwise `X-Real-IP`.
/// If the walk meets an entry that does not parse as an IP address before it finds the client,
/// the whole header is ignored (then `X-Real-IP`, then the peer), rather than letting garbage
/// become a rate-limit key. Entries may carry a port (`1.2.3.4:5678`, `[2001:db8::1]:443`).
///
/// The result is the canonical spelling (`IPAddress.description`), so `::ffff:1.2.3.4` and
/// `1.2.3.4` share a bucket. A peer that does not parse is returned as given, and an empty
/// peer as `unknown`, so the request still gets a (shared) key.
public enum ClientIP {
    /// - Parameters:
    ///   - peer: the socket peer address, with or without a port (`1.2.3.4:5678`, `[::1]:80`).
    ///   - headers: looks up a request header by name; for repeated headers, return the values
    ///     joined with `,` in order.
    ///   - trusted: the proxies whose headers are believed.
    public static func resolve(peer: String, headers: (String) -> String?, trusted: TrustedProxies) -> String {
        guard let peerIP = parsePeer(peer) else { return peer.isEmpty ? "unknown" : peer }
        guard trusted.contains(peerIP) else { return peerIP.description }

        if let forwarded = headers("X-Forwarded-For"), let ip = forwardedClient(forwarded, trusted: trusted) {
            return ip.description
        }
        if let real = headers("X-Real-IP"), let ip = IPAddress(trimmed(Substring(real))) {
            return ip.description
        }
        return peerIP.description
    }

    /// The right-to-left walk over `X-Forwarded-For`: the rightmost hop that is not a trusted
    /// proxy, or the leftmost hop when all are trusted; `nil` (header ignored) when the walk
    /// meets an entry that is not an address before finding the client.
    static func forwardedClient(_ header: String, trusted: TrustedProxies) -> IPAddress? {
        var client: IPAddress?
        for hop in header.split(separator: ",").reversed() {
            let text = trimmed(hop)
            if text.isEmpty { continue }
            guard let ip = parsePeer(String(text)) else { return nil }
            client = ip
            if !trusted.contains(ip) { break }
        }
        return client
    }

    /// Parses a peer address, dropping a port (`host:port` or `[v6]:port`) if present.
    static func parsePeer(_ peer: String) -> IPAddress? {
        let text = trimmed(Substring(peer))
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            return IPAddress(text[text.index(after: text.startIndex)..<close])
        }
        if let ip = IPAddress(text) { return ip }
        // IPv4 with a port: exactly one colon.
        if let colon = text.firstIndex(of: ":"), text[text.index(after: colon)...].firstIndex(of: ":") == nil {
            return IPAddress(text[..<colon])
        }
        return nil
    }

    private static func trimmed(_ s: Substring) -> Substring {
        var s = s
        while let c = s.first, c == " " || c == "\t" { s.removeFirst() }
        while let c = s.last, c == " " || c == "\t" { s.removeLast() }
        return s
    }
}
