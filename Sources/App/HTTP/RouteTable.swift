import HTTPTypes

/// The registered method+path patterns, used for 404 vs 405 and for the metrics `route` label.
///
/// Filled while the application is built and read-only afterwards.
final class RouteTable: @unchecked Sendable {
    private struct Entry {
        let method: HTTPRequest.Method
        let pattern: String
        let parts: [Substring]
        /// The `#fileID` of the controller that registered the route (`App/RoomsController.swift`).
        let source: String
    }

    private var entries: [Entry] = []

    /// Records a route such as `/personas/{id}`, registered by the controller in `source`.
    func add(_ method: HTTPRequest.Method, _ pattern: String, source: String = "") {
        entries.append(Entry(method: method, pattern: pattern, parts: Self.split(pattern), source: source))
    }

    /// Every registered route with the file of the controller that serves it, in registration order, so a route is
    /// found from its path (the route index in `docs/routes.md` is this list).
    var index: [(method: HTTPRequest.Method, pattern: String, source: String)] {
        entries.map { ($0.method, $0.pattern, $0.source) }
    }

    /// The pattern matching `path` for `method`, and every method any matching pattern allows.
    ///
    /// `HEAD` is allowed wherever `GET` is, and runs the `GET` route (the router's generated `HEAD`
    /// endpoints answer with the `GET` response's status and headers, and no body).
    func match(path: String, method: HTTPRequest.Method) -> (pattern: String?, allowed: [HTTPRequest.Method])? {
        let parts = Self.split(path)
        var allowed: [HTTPRequest.Method] = []
        var exact: String?
        var get: String?
        for entry in entries where Self.matches(entry.parts, parts) {
            if !allowed.contains(entry.method) { allowed.append(entry.method) }
            if entry.method == method && exact == nil { exact = entry.pattern }
            if entry.method == .get && get == nil { get = entry.pattern }
        }
        if let get, !allowed.contains(.head) {
            allowed.insert(.head, at: allowed.firstIndex(of: .get).map { $0 + 1 } ?? allowed.endIndex)
            if method == .head && exact == nil { exact = get }
        }
        return allowed.isEmpty ? nil : (exact, allowed)
    }

    private static func split(_ path: String) -> [Substring] {
        var parts = path.split(separator: "/", omittingEmptySubsequences: false)
        if parts.first == "" { parts.removeFirst() }
        return parts
    }

    private static func matches(_ pattern: [Substring], _ path: [Substring]) -> Bool {
        guard pattern.count == path.count else { return false }
        for (p, s) in zip(pattern, path) {
            if p.hasPrefix("{") && p.hasSuffix("}") {
                if s.isEmpty { return false }
            } else if p != s {
                return false
            }
        }
        return true
    }
}
