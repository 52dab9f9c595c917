import PackagePlugin

/// Embeds the root `schema.sql` into the Store module as a Swift string, so the single binary
/// carries its schema and the file at the root stays the one source.
@main
struct EmbedSchema: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let input = context.package.directoryURL.appending(path: "schema.sql")
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedSchema.swift")
        return [
            .buildCommand(
                displayName: "Embedding schema.sql",
                executable: try context.tool(named: "embed-text").url,
                arguments: [input.path, output.path, "embeddedSchemaSQL"],
                inputFiles: [input],
                outputFiles: [output]
            )
        ]
    }
}
