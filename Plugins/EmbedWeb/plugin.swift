import Foundation
import PackagePlugin

/// Embeds the web interface's templates and assets (`templates/`, `assets/` inside the target) into the
/// module as one `[relative path: text]` dictionary, so the binary serves its pages with no files beside it.
@main
struct EmbedWeb: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let root = target.directoryURL
        var inputs: [URL] = []
        for folder in ["templates", "assets"] {
            let dir = root.appending(path: folder)
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir.path) else { continue }
            inputs += names.filter { !$0.hasPrefix(".") }.sorted().map { dir.appending(path: $0) }
        }
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedWebFiles.swift")
        return [
            .buildCommand(
                displayName: "Embedding web templates and assets",
                executable: try context.tool(named: "embed-text").url,
                arguments: ["--dir", root.path, output.path, "embeddedWebFiles"] + inputs.map(\.path),
                inputFiles: inputs,
                outputFiles: [output]
            )
        ]
    }
}
