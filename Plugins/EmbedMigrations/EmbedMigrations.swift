import Foundation
import PackagePlugin

/// Embeds a target's `migrations/*.sql` files into the module as one `[file name: SQL]` dictionary
/// (`embeddedMigrations`), so the single binary carries its PostgreSQL migrations and the files stay the one source.
@main
struct EmbedMigrations: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let dir = target.directoryURL.appending(path: "migrations")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        let inputs = names.filter { $0.hasSuffix(".sql") }.sorted().map { dir.appending(path: $0) }
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedMigrations.swift")
        return [
            .buildCommand(
                displayName: "Embedding PostgreSQL migrations",
                executable: try context.tool(named: "embed-text").url,
                arguments: ["--dir", dir.path, output.path, "embeddedMigrations"] + inputs.map(\.path),
                inputFiles: inputs,
                outputFiles: [output]
            )
        ]
    }
}
