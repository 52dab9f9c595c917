import Foundation

/// Build tool: writes `let <name> = "<contents of input>"` to a Swift file (used by the EmbedSchema plugin).
let args = CommandLine.arguments
guard args.count == 4 else {
    FileHandle.standardError.write(Data("usage: embed-text INPUT OUTPUT NAME\n".utf8))
    exit(2)
}
let text = try String(contentsOfFile: args[1], encoding: .utf8)
var literal = ""
for scalar in text.unicodeScalars {
    switch scalar {
    case "\\": literal += "\\\\"
    case "\"": literal += "\\\""
    case "\n": literal += "\\n"
    case "\r": literal += "\\r"
    case "\t": literal += "\\t"
    default: literal.unicodeScalars.append(scalar)
    }
}
let source = "// Generated from schema.sql by the EmbedSchema plugin. Do not edit.\nlet \(args[3]) = \"\(literal)\"\n"
try source.write(toFile: args[2], atomically: true, encoding: .utf8)
