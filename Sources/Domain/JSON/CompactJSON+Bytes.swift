/// The byte-level pieces every JSON writer of the project shares (`CompactJSON` for stored documents and
/// `CompactJSONEncoder` for responses, the provider's request body and log lines), so a string is escaped and a
/// number spelled the same way wherever it is written.
extension CompactJSON {
    /// Bytes that need more than a copy inside a JSON string: control characters, quote, backslash, the three Go
    /// escapes `<`, `>`, `&`, and 0xE2, the lead byte of U+2028 and U+2029 (which Go also escapes).
    private static let attention: [Bool] = (0..<256).map { b in
        b < 0x20 || b == 0x22 || b == 0x5C || b == 0x3C || b == 0x3E || b == 0x26 || b == 0xE2
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// Appends `s` as a JSON string: RFC 8259's escapes plus Go's (`<`, `>`, `&`, U+2028, U+2029 as `\u`
    /// escapes); everything else is copied in runs, byte for byte.
    static func writeString(_ s: String, into out: inout [UInt8]) {
        out.append(0x22)
        var text = s
        text.withUTF8 { utf8 in
            var runStart = 0
            var i = 0
            let n = utf8.count
            while i < n {
                let byte = utf8[i]
                guard attention[Int(byte)] else {
                    i += 1
                    continue
                }
                if byte == 0xE2 {
                    // U+2028 / U+2029 are E2 80 A8 / E2 80 A9; any other E2 sequence is copied.
                    guard i + 2 < n, utf8[i + 1] == 0x80, utf8[i + 2] == 0xA8 || utf8[i + 2] == 0xA9 else {
                        i += 1
                        continue
                    }
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<i]))
                    out.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x32, 0x30, 0x32, utf8[i + 2] == 0xA8 ? 0x38 : 0x39])
                    i += 3
                    runStart = i
                    continue
                }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<i]))
                switch byte {
                case 0x22: out.append(contentsOf: [0x5C, 0x22])
                case 0x5C: out.append(contentsOf: [0x5C, 0x5C])
                case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
                case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
                case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
                default:
                    out.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]])
                }
                i += 1
                runStart = i
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<n]))
        }
        out.append(0x22)
    }

    /// Appends the decimal digits of `value` (no allocation).
    static func writeInteger<T: BinaryInteger>(_ value: T, into out: inout [UInt8]) {
        if value == 0 {
            out.append(UInt8(ascii: "0"))
            return
        }
        // The magnitude as UInt64 (every integer type we write fits), two's complement so Int64.min is exact.
        var magnitude: UInt64
        if value < 0 {
            out.append(UInt8(ascii: "-"))
            magnitude = UInt64(bitPattern: 0 &- Int64(truncatingIfNeeded: value))
        } else {
            magnitude = UInt64(truncatingIfNeeded: value)
        }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { buffer in
            var start = 20
            while magnitude > 0 {
                start -= 1
                buffer[start] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[start...]))
        }
    }
}
