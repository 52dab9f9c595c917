import Domain

/// The fields of a page form post (`application/x-www-form-urlencoded`), in order and with every value of
/// a repeated name (the three `writing_samples`), read the way the pages' script reads the same form for
/// the JSON API: absent text is `""`, an empty number is 0, a textarea of lines is its non-blank lines.
public struct FormFields: Sendable {
    /// More fields than any page form has is not a form: `400 too many form fields`.
    public static let maxFields = 200

    public let pairs: [(name: String, value: String)]

    public init(_ bytes: [UInt8]) throws {
        var pairs: [(name: String, value: String)] = []
        for pair in String(decoding: bytes, as: UTF8.self).split(separator: "&", omittingEmptySubsequences: true) {
            guard pairs.count < Self.maxFields else { throw DomainError.invalid("too many form fields") }
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = FormBody.decode(parts[0])
            if !name.isEmpty { pairs.append((name, parts.count > 1 ? FormBody.decode(parts[1]) : "")) }
        }
        self.pairs = pairs
    }

    /// The first value of `name`, unchecked (for fields that never reach storage, like the CSRF token).
    public subscript(_ name: String) -> String? { pairs.first { $0.name == name }?.value }

    /// Whether a checkbox named `name` was ticked (a browser sends only ticked boxes).
    public func has(_ name: String) -> Bool { self[name] != nil }

    /// The first value of `name`, or `""`; a NUL is refused as the JSON API refuses it (it cannot be stored).
    public func string(_ name: String) throws -> String {
        try storable(self[name] ?? "", name)
    }

    /// Every value of `name`, in form order.
    public func strings(_ name: String) throws -> [String] {
        try pairs.filter { $0.name == name }.map { try storable($0.value, name) }
    }

    /// A textarea with one item a line: its trimmed, non-blank lines.
    public func lines(_ name: String) throws -> [String] {
        try string(name).split(whereSeparator: \.isNewline).map { String($0).trimmingWhitespace() }.filter { !$0.isEmpty }
    }

    /// A whole number; empty or absent is 0 (the API's default for a missing number).
    public func int(_ name: String) throws -> Int {
        let text = try string(name).trimmingWhitespace()
        if text.isEmpty { return 0 }
        guard let value = Int(text) else { throw DomainError.invalid("\(name) must be a whole number") }
        return value
    }

    private func storable(_ value: String, _ name: String) throws -> String {
        guard !value.utf8.contains(0) else { throw DomainError.unstorableText(field: name) }
        return value
    }
}
