import Foundation
import Logging
import TestSupport
import Testing

@testable import App

/// `docs/routes.md` is the route index: every method and path the server routes, with the controller file that serves
/// it, so a route is found from its path at a glance. The index is generated from the live route table (each
/// registration records its caller's `#fileID`), and this test fails when the document and the table disagree.
/// Regenerate with `make routes`.
@Suite struct RouteIndexTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test func docsRoutesListsEveryRouteWithTheControllerThatServesIt() async throws {
        let dir = TestDirectory()
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let parts = try await AppParts.make(AppDependencies(config: try TestApp.config(dir), logger: logger, runWorker: false))
        let rows = try parts.routes.index.map { route in
            (method: route.method.rawValue, pattern: route.pattern, path: try Self.sourcePath(route.source))
        }
        #expect(rows.count > 38, "the contract's 38 routes plus the pages")
        #expect(rows.allSatisfy { $0.path.hasSuffix("Controller.swift") }, "every route is registered by a controller")
        let expected = Self.markdown(rows)
        let file = Self.repository.appendingPathComponent("docs/routes.md")
        if ProcessInfo.processInfo.environment["UPDATE_ROUTE_INDEX"] == "1" {
            try expected.write(to: file, atomically: true, encoding: .utf8)
        }
        let actual = try String(contentsOf: file, encoding: .utf8)
        #expect(actual == expected, "docs/routes.md is out of date: run `make routes`")
    }

    /// The repository path of the file with `#fileID` `App/Name.swift`.
    static func sourcePath(_ fileID: String) throws -> String {
        let parts = fileID.split(separator: "/", maxSplits: 1).map(String.init)
        try #require(parts.count == 2, "a #fileID is Module/File.swift: \(fileID)")
        let module = Self.repository.appendingPathComponent("Sources/\(parts[0])")
        let found =
            FileManager.default.enumerator(atPath: module.path)?.compactMap { $0 as? String }
            .filter { ($0 as NSString).lastPathComponent == parts[1] } ?? []
        try #require(found.count == 1, "exactly one \(parts[1]) in Sources/\(parts[0]): \(found)")
        return "Sources/\(parts[0])/\(found[0])"
    }

    static func markdown(_ rows: [(method: String, pattern: String, path: String)]) -> String {
        let sorted = rows.sorted { ($0.pattern, $0.method) < ($1.pattern, $1.method) }
        var text = """
            # Route index

            Every method and path the server routes, with the controller that serves it (`HEAD` is served wherever \
            `GET` is). Generated from the route table: `make routes` rewrites this file, and `RouteIndexTests` fails \
            when it is out of date. The API's fields and statuses are in `openapi.yaml`; the pages are described in \
            `docs/web-ui.md`.

            | Method | Path | Controller |
            |---|---|---|

            """
        for row in sorted {
            let name = (row.path as NSString).lastPathComponent.replacingOccurrences(of: ".swift", with: "")
            text += "| \(row.method) | `\(row.pattern)` | [\(name)](../\(row.path)) |\n"
        }
        return text
    }
}
