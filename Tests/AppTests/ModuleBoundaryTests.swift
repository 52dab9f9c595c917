import Foundation
import Testing

/// The layering that `docs/architecture.md` draws, checked on the source tree so it cannot drift silently.
///
/// SwiftPM already refuses an import a target does not declare; these rules cover what it cannot see: which files of
/// a target may use an engine or a C library, and that the App target's request layer (controllers, pages, views) goes
/// through services and never names a store. App stays one target on purpose (see the architecture document): its
/// layers are folders, and this test is what makes the folders a boundary.
@Suite struct ModuleBoundaryTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Every Swift file under `Sources/`, as (repository-relative path, text).
    static func sources() throws -> [(path: String, text: String)] {
        let root = repository.appendingPathComponent("Sources")
        let walker = try #require(FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil))
        var files: [(String, String)] = []
        for case let url as URL in walker where url.pathExtension == "swift" {
            let path = "Sources/" + url.path.dropFirst(root.path.count + 1)
            files.append((path, try String(contentsOf: url, encoding: .utf8)))
        }
        return files.sorted { $0.0 < $1.0 }
    }

    static func imports(_ module: String, in text: String) -> Bool {
        text.split(separator: "\n").contains { line in
            let words = line.split(separator: " ")
            return words.count >= 2 && words[words.count - 2] == "import" && words.last.map(String.init) == module
        }
    }

    /// Whether `name` occurs as a whole identifier (not inside a longer one) outside comments.
    static func names(_ name: String, in text: String) -> Bool {
        for line in text.split(separator: "\n") {
            let code = line.trimmingCharacters(in: .whitespaces)
            if code.hasPrefix("//") { continue }
            var rest = Substring(code)
            while let range = rest.range(of: name) {
                let before = rest[..<range.lowerBound].last
                let after = rest[range.upperBound...].first
                let isPart = { (c: Character?) in c.map { $0.isLetter || $0.isNumber || $0 == "_" } ?? false }
                if !isPart(before) && !isPart(after) { return true }
                rest = rest[range.upperBound...]
            }
        }
        return false
    }

    /// A module may be imported only from the listed folders (path prefixes).
    static let importRules: [(module: String, allowed: [String], why: String)] = [
        ("GRDB", ["Sources/SQLiteStorage/", "Sources/personaworlds-bench/"], "SQLite is reached through the store protocols"),
        ("GRDBSQLite", ["Sources/SQLiteStorage/"], "SQLite's C API belongs to the SQLite store"),
        ("PostgresNIO", ["Sources/PostgresStorage/"], "PostgreSQL is reached through the store protocols"),
        ("CCurl", ["Sources/HTTPClient/"], "libcurl is fenced in the HTTP transport"),
        ("CPNG", ["Sources/Card/"], "libpng is fenced in the card renderer"),
        ("CFreeType", ["Sources/Card/"], "FreeType is fenced in the card renderer"),
        ("CZlib", ["Sources/App/HTTP/Gzip.swift"], "zlib is fenced in the response compressor"),
        (
            "SQLiteStorage",
            [
                "Sources/App/StoreEngine.swift", "Sources/App/Commands.swift", "Sources/App/Commands+Operations.swift",
                "Sources/App/Move/", "Sources/App/Operations/Doctor", "Sources/personaworlds/",
                "Sources/personaworlds-bench/",
            ],
            "the engine is chosen in one place; engine-only operations (backup, doctor, move) are the exceptions"
        ),
        (
            "PostgresStorage",
            ["Sources/App/StoreEngine.swift", "Sources/App/Move/", "Sources/App/Operations/Doctor", "Sources/personaworlds-bench/"],
            "the engine is chosen in one place; the move writes PostgreSQL directly, the doctor diagnoses it, the benchmark measures it"
        ),
    ]

    @Test func enginesAndCLibrariesAreImportedOnlyWhereTheirFenceIs() throws {
        for file in try Self.sources() {
            for rule in Self.importRules where Self.imports(rule.module, in: file.text) {
                let allowed = rule.allowed.contains { file.path.hasPrefix($0) || file.path == $0 }
                #expect(allowed, "\(file.path) imports \(rule.module): \(rule.why)")
            }
        }
    }

    @Test func theConcreteStoresAreNamedOnlyWhereTheEngineIsChosen() throws {
        let rules: [(type: String, home: String, allowed: [String])] = [
            ("SQLiteStore", "Sources/SQLiteStorage/", ["Sources/App/StoreEngine.swift", "Sources/personaworlds-bench/"]),
            (
                "PostgresStore", "Sources/PostgresStorage/",
                ["Sources/App/StoreEngine.swift", "Sources/App/Move/SQLiteToPostgresMove.swift", "Sources/personaworlds-bench/"]
            ),
        ]
        for file in try Self.sources() {
            for rule in rules where !file.path.hasPrefix(rule.home) && Self.names(rule.type, in: file.text) {
                #expect(rule.allowed.contains { file.path.hasPrefix($0) }, "\(file.path) names \(rule.type)")
            }
        }
    }

    /// Controllers, pages and views decode, call a service and render: none of them names a store protocol, so every
    /// rule (quotas, ownership, visibility) is applied by the service every route shares.
    @Test func controllersPagesAndViewsReachStorageOnlyThroughServices() throws {
        let all = try Self.sources()
        let protocols = all.filter { $0.path.hasPrefix("Sources/Storage/") }.flatMap { file in
            file.text.split(separator: "\n").compactMap { line -> String? in
                guard line.hasPrefix("public protocol ") else { return nil }
                return line.dropFirst("public protocol ".count).split(whereSeparator: { !$0.isLetter }).first.map(String.init)
            }
        }.filter { name in
            // The stores (and the engine-only parts); the signalling ports in Storage (wake-ups, cache evictions) are
            // not storage and may be handed to a controller.
            name.hasSuffix("Store") || ["JobQueue", "OnlineBackup", "DemoSeeder"].contains(name)
        }
        #expect(protocols.contains("AppStore") && protocols.contains("JobQueue"), "the store protocols were found: \(protocols)")
        let requestLayer = ["Sources/App/HTTP/Controllers/", "Sources/App/Web/Pages/", "Sources/App/Web/Views/", "Sources/App/Web/PageKit"]
        let files = all.filter { file in requestLayer.contains { file.path.hasPrefix($0) } }
        #expect(files.count > 20, "the request layer's files were found")
        for file in files {
            for name in protocols where Self.names(name, in: file.text) {
                Issue.record("\(file.path) names the store protocol \(name): call a service instead")
            }
        }
    }
}
