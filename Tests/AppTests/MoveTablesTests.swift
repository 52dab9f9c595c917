import Foundation
import TestSupport
import Testing

@testable import App

/// `move-to-postgres`'s table list against both schemas, and the canonical forms both checksums are computed from.
@Suite struct MoveTablesTests {
    @Test func everyTableAndColumnOfTheSQLiteSchemaIsMovedOrSkippedOnPurpose() async throws {
        let dir = TestDirectory(backend: .sqlite)
        let store = try await StoreBackend.sqlite.makeStore(in: dir)
        try await store.close()
        let db = try await TestDatabase.open(dir)
        let tables = try await db.strings("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        let moved = Dictionary(uniqueKeysWithValues: MoveTable.all.map { ($0.name, $0) })
        #expect(Set(tables) == Set(moved.keys).union(MoveTable.skipped.keys).union(MoveTable.sqliteOnly.keys))
        for table in tables where !MoveTable.isLeftOut(table) {
            let columns = try await db.strings("SELECT name FROM pragma_table_info(?) ORDER BY cid", [table])
            #expect(columns == moved[table]?.columns.map(\.name), "\(table)")
        }
    }

    @Test func everyTableAndColumnOfThePostgresSchemaReceivesTheSameColumns() async throws {
        guard StoreBackend.postgres.isAvailable else { return }
        let cluster = try await PostgresCluster.shared()
        let name = try await cluster.freshDatabase()
        let rows = try await cluster.query(
            name,
            "SELECT table_name::text, column_name::text FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, ordinal_position"
        )
        var columns: [String: [String]] = [:]
        for row in rows {
            let (table, column) = try row.decode((String, String).self)
            columns[table, default: []].append(column)
        }
        #expect(Set(columns.keys) == Set(MoveTable.all.map(\.name)).union(MoveTable.skipped.keys).union(MoveTable.postgresOnly.keys))
        for table in MoveTable.all {
            #expect(Set(columns[table.name] ?? []) == Set(table.columns.map(\.name)), "\(table.name)")
        }
    }

    @Test func tablesComeAfterTheTablesTheyReferTo() {
        let order = MoveTable.all.map(\.name)
        func before(_ a: String, _ b: String) -> Bool { order.firstIndex(of: a)! < order.firstIndex(of: b)! }
        for (parent, child) in [
            ("users", "personas"), ("rooms", "posts"), ("templates", "posts"), ("personas", "posts"), ("posts", "replies"),
            ("posts", "jobs"), ("users", "sessions"), ("posts", "remix_redemptions"), ("users", "templates"),
        ] {
            #expect(before(parent, child), "\(parent) before \(child)")
        }
    }

    @Test func sqliteTextAndPostgresTextMeetInOneCanonicalForm() {
        #expect(MoveRowCodec.canonical("1", .boolean) == "t" && MoveRowCodec.canonical("t", .boolean) == "t")
        #expect(MoveRowCodec.canonical("0", .boolean) == "f" && MoveRowCodec.canonical("2", .boolean) == nil)
        #expect(MoveRowCodec.canonical("2026-12-05T10:11:12.123456Z", .timestamp) == "2026-12-05T10:11:12.123456Z")
        #expect(MoveRowCodec.canonical("2026-12-05T10:11:12Z", .timestamp) == "2026-12-05T10:11:12.000000Z")
        #expect(MoveRowCodec.canonical("yesterday", .timestamp) == nil)
        #expect(MoveRowCodec.canonical("0A11CE00-0000-4000-8000-000000000001", .uuid) == nil, "an upper-case id is refused, not changed")
        #expect(MoveRowCodec.canonical("2026-02-30x", .date) == nil && MoveRowCodec.canonical("2026-12-07", .date) == "2026-12-07")
        // SQLite keeps the text as written; jsonb reorders keys, adds spaces and normalises numbers.
        let sqlite = MoveRowCodec.canonical(#"{"z":1,"a":{"y":[1e3,"x<"],"b":null}}"#, .json)
        let postgres = MoveRowCodec.canonical(#"{"a": {"b": null, "y": [1000, "x<"]}, "z": 1}"#, .json)
        #expect(sqlite != nil && sqlite == postgres)
        #expect(MoveRowCodec.canonical("{nope", .json) == nil)
    }

    @Test func valuesReadBackFromPostgresAreHashedInTheSourcesCanonicalForm() {
        // What PostgresBulkLoad gives per kind is canonical already, so it is hashed as read and meets the source's text.
        let driverForms: [(String, MoveTable.Kind)] = [
            ("2026-12-05T10:11:12.123456Z", .timestamp), ("2026-12-05T10:11:12.000000Z", .timestamp),
            ("0a11ce00-0000-4000-8000-000000000001", .uuid), ("-42", .integer), ("t", .boolean), ("f", .boolean), ("2026-12-07", .date),
            ("café\tline", .text), ("PUBLISHED", .enumeration),
        ]
        for (text, kind) in driverForms {
            #expect(MoveRowCodec.canonicalReadBack(text, kind) == MoveRowCodec.canonical(text, kind), "\(kind): \(text)")
        }
        #expect(
            MoveRowCodec.canonicalReadBack("2026-12-05T10:11:12.000000Z", .timestamp) == MoveRowCodec.canonical("2026-12-05T10:11:12Z", .timestamp))
        // JSON is the one kind re-encoded: jsonb's text meets SQLite's.
        #expect(MoveRowCodec.canonicalReadBack(#"{"a": [1000], "z": 1}"#, .json) == MoveRowCodec.canonical(#"{"z":1,"a":[1e3]}"#, .json))
        #expect(MoveRowCodec.canonicalReadBack("{nope", .json) == "\u{0}{nope", "JSON with no canonical form matches no source value")
    }

    @Test func copyLinesEscapeTheFormatsSpecialCharacters() {
        var out: [UInt8] = []
        MoveRowCodec.appendCopyLine(["a\tb", nil, "line\nbreak\r", #"back\slash"#, ""], to: &out)
        #expect(String(decoding: out, as: UTF8.self) == "a\\tb\t\\N\tline\\nbreak\\r\tback\\\\slash\t\n")
    }

    @Test func checksumsDifferWhenOneValueOrItsNullnessDiffers() {
        func sum(_ rows: [[String?]]) -> String {
            var checksum = MoveChecksum()
            for row in rows { checksum.add(row) }
            return checksum.finish()
        }
        let base = sum([["a", "b"], ["c", nil]])
        #expect(base == sum([["a", "b"], ["c", nil]]))
        #expect(base != sum([["a", "b"], ["c", ""]]))
        #expect(base != sum([["ab", ""], ["c", nil]]))
        #expect(base != sum([["c", nil], ["a", "b"]]), "row order counts")
    }
}
