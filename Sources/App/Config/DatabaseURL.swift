import Foundation

/// `DATABASE_URL`, parsed: `postgres://[user[:password]@][host][:port][/database][?param=value&…]` (or
/// `postgresql://`), as libpq reads it. Parameters: `sslmode` (`disable`, `prefer`, `require`, `verify-full`) and
/// `host` (a unix socket directory, for a URL without a host). Anything else is refused, so a typo never passes
/// silently.
public struct DatabaseURL: Sendable, Equatable {
    public enum SSLMode: String, Sendable, Equatable, CaseIterable {
        case disable, prefer, require
        case verifyFull = "verify-full"
    }

    /// TCP host (brackets of an IPv6 literal removed), or nil for a unix socket.
    public var host: String?
    public var port: Int
    /// The socket file when `host` is nil: `<directory>/.s.PGSQL.<port>`.
    public var socketPath: String?
    public var username: String
    public var password: String?
    public var database: String
    public var sslMode: SSLMode

    /// PostgreSQL's port, and the socket directory Debian's server uses, when the URL names neither.
    public static let defaultPort = 5432
    public static let defaultSocketDirectory = "/var/run/postgresql"

    /// Whether `text` asks for PostgreSQL at all (its scheme); a value with another scheme is a configuration error.
    public static func isPostgres(_ text: String) -> Bool {
        let lower = text.lowercased()
        return lower.hasPrefix("postgres://") || lower.hasPrefix("postgresql://")
    }

    /// Parses a URL; the thrown error's text says what is wrong (never the password).
    public init(_ text: String, osUser: String = ProcessInfo.processInfo.userName) throws {
        guard Self.isPostgres(text), let schemeEnd = text.range(of: "://") else {
            throw DatabaseURLError("must start with postgres:// or postgresql://")
        }
        var rest = Substring(text[schemeEnd.upperBound...])
        var query = Substring("")
        if let mark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        var path = Substring("")
        if let slash = rest.firstIndex(of: "/") {
            path = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
        }
        var userInfo: Substring?
        if let at = rest.lastIndex(of: "@") {
            userInfo = rest[..<at]
            rest = rest[rest.index(after: at)...]
        }
        var user: String?
        if let info = userInfo {
            if let colon = info.firstIndex(of: ":") {
                user = try Self.decode(info[..<colon], "user name")
                password = try Self.decode(info[info.index(after: colon)...], "password")
            } else {
                user = try Self.decode(info, "user name")
            }
        }
        var hostText = rest
        var portText: Substring?
        if hostText.hasPrefix("[") {
            guard let close = hostText.firstIndex(of: "]") else { throw DatabaseURLError("unclosed [ in the host") }
            let after = hostText[hostText.index(after: close)...]
            if after.hasPrefix(":") {
                portText = after.dropFirst()
            } else if !after.isEmpty {
                throw DatabaseURLError("unexpected text after the host")
            }
            hostText = hostText[hostText.index(after: hostText.startIndex)..<close]
        } else if let colon = hostText.lastIndex(of: ":") {
            portText = hostText[hostText.index(after: colon)...]
            hostText = hostText[..<colon]
        }
        port = Self.defaultPort
        if let portText {
            guard let value = Int(portText), (1...65535).contains(value) else { throw DatabaseURLError("port must be 1-65535") }
            port = value
        }
        host = hostText.isEmpty ? nil : try Self.decode(hostText, "host")
        sslMode = .prefer
        var socketDirectory: String?
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = try Self.decode(parts[0], "parameter")
            let value = parts.count > 1 ? try Self.decode(parts[1], "parameter value") : ""
            switch key {
            case "sslmode":
                guard let mode = SSLMode(rawValue: value) else {
                    throw DatabaseURLError("sslmode must be one of \(SSLMode.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                sslMode = mode
            case "host":
                guard value.hasPrefix("/") else { throw DatabaseURLError("the host parameter must be a socket directory (an absolute path)") }
                socketDirectory = value
            default:
                throw DatabaseURLError("unsupported parameter \"\(key)\" (supported: sslmode, host)")
            }
        }
        if host != nil && socketDirectory != nil { throw DatabaseURLError("give either a host or a host= socket directory, not both") }
        if host == nil {
            let directory = socketDirectory ?? Self.defaultSocketDirectory
            socketPath = directory + (directory.hasSuffix("/") ? "" : "/") + ".s.PGSQL.\(port)"
        }
        username = user.flatMap { $0.isEmpty ? nil : $0 } ?? osUser
        let name = try Self.decode(path, "database name")
        guard !name.contains("/") else { throw DatabaseURLError("the database name must not contain /") }
        database = name.isEmpty ? username : name
    }

    private static func decode(_ text: Substring, _ what: String) throws -> String {
        guard let decoded = String(text).removingPercentEncoding else { throw DatabaseURLError("bad percent-encoding in the \(what)") }
        return decoded
    }

    /// Where the server is, for logs and messages (no credentials).
    public var redacted: String {
        let place = host.map { $0.contains(":") ? "[\($0)]:\(port)" : "\($0):\(port)" } ?? (socketPath ?? "")
        return "postgres://\(username)@\(place)/\(database)"
    }
}

/// A `DATABASE_URL` that cannot be used.
public struct DatabaseURLError: Error, CustomStringConvertible, Equatable {
    public let description: String
    init(_ description: String) { self.description = description }
}
