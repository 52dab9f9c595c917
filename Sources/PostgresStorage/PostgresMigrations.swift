import Foundation

/// The PostgreSQL schema's history: the files under `migrations/`, embedded in the binary, applied in file-name order.
///
/// 001-007 are the original service's schema as its reference documents it; 008 onward are this appliance's additions.
/// Each file runs in its own transaction under `pg_advisory_xact_lock` (a transaction lock, so it holds behind a pooler
/// and is released by COMMIT or a dropped connection) and is recorded in `schema_migrations` by file name, as the
/// original's runner does. A migration counts as applied when a row with its number is there, whatever the rest of the
/// name: the original's rows for 002-006 carry its own file names.
public enum PostgresMigrations {
    /// One migration file.
    public struct Migration: Sendable {
        /// The file name, e.g. `001_init.sql`.
        public let version: String
        public let sql: String

        /// The leading digits of the file name.
        public var number: Int? { Self.number(of: version) }

        static func number(of version: String) -> Int? { Int(version.prefix(while: \.isNumber)) }
    }

    /// Every migration this binary knows, oldest first.
    public static let all: [Migration] = embeddedMigrations.keys.sorted().map { Migration(version: $0, sql: embeddedMigrations[$0]!) }

    /// The advisory lock key of the original's runner: this runner and the original's never migrate one database at once.
    static let lockKey: Int64 = 82_458_324_711

    /// The numbers of the applied versions.
    static func appliedNumbers(_ versions: [String]) -> Set<Int> { Set(versions.compactMap(Migration.number(of:))) }

    /// Splits a migration file into its statements (the extended protocol takes one at a time): at `;` outside quotes,
    /// quoted identifiers, dollar quotes and comments; comments are dropped, blank statements skipped.
    public static func statements(_ sql: String) -> [String] {
        let chars = Array(sql.unicodeScalars)
        var out: [String] = []
        var current = String.UnicodeScalarView()
        var i = 0
        func flush() {
            let text = String(current).trimmingCharacters(in: .whitespacesAndNewlines)
            if !text.isEmpty { out.append(text) }
            current = String.UnicodeScalarView()
        }
        func copy(until end: [Unicode.Scalar], from start: Int) -> Int {
            var j = start
            while j < chars.count {
                if chars[j] == end[0], j + end.count <= chars.count, Array(chars[j..<(j + end.count)]) == end {
                    current.append(contentsOf: chars[i..<(j + end.count)])
                    return j + end.count
                }
                j += 1
            }
            current.append(contentsOf: chars[i...])
            return chars.count
        }
        while i < chars.count {
            let c = chars[i]
            let next: Unicode.Scalar? = i + 1 < chars.count ? chars[i + 1] : nil
            switch c {
            case "-" where next == "-":
                while i < chars.count && chars[i] != "\n" { i += 1 }
            case "/" where next == "*":
                i += 2
                while i < chars.count && !(chars[i] == "*" && i + 1 < chars.count && chars[i + 1] == "/") { i += 1 }
                i += 2
            case "'": i = copy(until: ["'"], from: i + 1)
            case "\"": i = copy(until: ["\""], from: i + 1)
            case "$":
                var j = i + 1
                while j < chars.count && (chars[j].properties.isAlphabetic || chars[j] == "_") { j += 1 }
                if j < chars.count && chars[j] == "$" {
                    i = copy(until: Array(chars[i...j]), from: j + 1)
                } else {
                    current.append(c)
                    i += 1
                }
            case ";":
                flush()
                i += 1
            default:
                current.append(c)
                i += 1
            }
        }
        flush()
        return out
    }
}
