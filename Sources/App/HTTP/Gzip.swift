import CZlib

/// One-shot gzip (RFC 1952) through zlib, for response bodies that are already in memory.
enum Gzip {
    /// zlib's default trade-off: most of level 9's saving on text at a fraction of its CPU.
    static let level: Int32 = 6

    /// The gzip form of `input`, or nil when there is nothing to compress or zlib failed (the caller then
    /// sends the body as it is).
    static func compress(_ input: [UInt8]) -> [UInt8]? {
        guard !input.isEmpty else { return nil }
        var output = [UInt8](repeating: 0, count: pw_gzip_bound(input.count))
        var length = output.count
        let status = input.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                pw_gzip(source.baseAddress, source.count, target.baseAddress, &length, level)
            }
        }
        guard status == 1, length <= output.count else { return nil }
        output.removeSubrange(length...)
        return output
    }
}
