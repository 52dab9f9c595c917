import Mustache

/// Renders pages from the embedded Mustache templates. `{{value}}` HTML-escapes (`<`, `>`, `&`, `"`, `'`),
/// which is how every user-written string reaches a page; templates never use the unescaped forms.
public struct PageRenderer: Sendable {
    /// A template failed to parse; the binary refuses to start rather than serve broken pages.
    public struct TemplateError: Error, CustomStringConvertible {
        public let name: String
        public let detail: String
        public var description: String { "template \(name): \(detail)" }
    }

    private let library: MustacheLibrary
    public let templateNames: [String]

    public init(files: [String: String] = WebFiles.all) throws {
        var library = MustacheLibrary()
        var names: [String] = []
        for (path, text) in files where path.hasPrefix("templates/") && path.hasSuffix(".mustache") {
            let name = String(path.dropFirst("templates/".count).dropLast(".mustache".count))
            do { try library.register(text, named: name) } catch { throw TemplateError(name: name, detail: "\(error)") }
            names.append(name)
        }
        self.library = library
        self.templateNames = names.sorted()
    }

    /// The page `template` filled from `view` (a struct, read through reflection).
    public func render(_ view: Any, template: String) -> String {
        guard let html = library.render(view, withTemplate: template) else {
            preconditionFailure("no template named \(template)")
        }
        return html
    }
}
