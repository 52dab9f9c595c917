#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Text forms of a timestamp: the fixed-width storage form and the RFC 3339 API forms.
extension Timestamp {
    /// `YYYY-MM-DDTHH:MM:SS.ffffffZ`, fixed width so text order equals time order.
    public var storageString: String {
        let c = utcComponents
        var out = [UInt8]()
        out.reserveCapacity(27)
        Self.appendDigits(&out, c.year, 4)
        out.append(45)
        Self.appendDigits(&out, c.month, 2)
        out.append(45)
        Self.appendDigits(&out, c.day, 2)
        out.append(84)
        Self.appendDigits(&out, c.hour, 2)
        out.append(58)
        Self.appendDigits(&out, c.minute, 2)
        out.append(58)
        Self.appendDigits(&out, c.second, 2)
        out.append(46)
        Self.appendDigits(&out, c.micro, 6)
        out.append(90)
        return String(decoding: out, as: UTF8.self)
    }

    /// RFC 3339 with fractional seconds only when non-zero, trailing zeros trimmed (Go `RFC3339Nano`).
    public var rfc3339: String {
        let c = utcComponents
        var out = [UInt8]()
        out.reserveCapacity(27)
        Self.appendDate(&out, c)
        if c.micro != 0 {
            out.append(46)
            var digits = [UInt8]()
            Self.appendDigits(&digits, c.micro, 6)
            while digits.last == 48 { digits.removeLast() }
            out.append(contentsOf: digits)
        }
        out.append(90)
        return String(decoding: out, as: UTF8.self)
    }

    /// RFC 3339 truncated to whole seconds (`…:30Z`).
    public var rfc3339Seconds: String {
        var out = [UInt8]()
        Self.appendDate(&out, utcComponents)
        out.append(90)
        return String(decoding: out, as: UTF8.self)
    }

    /// `YYYYMMDDTHHMMSS.mmmZ`: UTC, fixed width and free of `:` so it can name files (backups), and
    /// names sort in time order.
    public var fileStamp: String {
        let c = utcComponents
        var out = [UInt8]()
        out.reserveCapacity(20)
        Self.appendDigits(&out, c.year, 4)
        Self.appendDigits(&out, c.month, 2)
        Self.appendDigits(&out, c.day, 2)
        out.append(84)
        Self.appendDigits(&out, c.hour, 2)
        Self.appendDigits(&out, c.minute, 2)
        Self.appendDigits(&out, c.second, 2)
        out.append(46)
        Self.appendDigits(&out, c.micro / 1000, 3)
        out.append(90)
        return String(decoding: out, as: UTF8.self)
    }

    /// Parses `fileStamp`'s form; nil for anything else.
    public init?(fileStamp text: String) {
        let b = Array(text.utf8)
        guard b.count == 20, b[8] == 84, b[15] == 46, b[19] == 90 else { return nil }
        let s =
            String(decoding: b[0..<4], as: UTF8.self) + "-" + String(decoding: b[4..<6], as: UTF8.self) + "-"
            + String(decoding: b[6..<8], as: UTF8.self) + "T" + String(decoding: b[9..<11], as: UTF8.self) + ":"
            + String(decoding: b[11..<13], as: UTF8.self) + ":" + String(decoding: b[13..<15], as: UTF8.self) + "."
            + String(decoding: b[16..<19], as: UTF8.self) + "Z"
        self.init(storage: s)
    }

    /// `YYYY-MM-DD` of the UTC day.
    public var dateString: String {
        let c = utcComponents
        var out = [UInt8]()
        Self.appendDigits(&out, c.year, 4)
        out.append(45)
        Self.appendDigits(&out, c.month, 2)
        out.append(45)
        Self.appendDigits(&out, c.day, 2)
        return String(decoding: out, as: UTF8.self)
    }

    /// Parses the storage form (also accepts fewer fractional digits and no fraction).
    public init?(storage text: String) {
        let b = Array(text.utf8)
        guard b.count >= 20, b[4] == 45, b[7] == 45, b[10] == 84, b[13] == 58, b[16] == 58, b.last == 90 else { return nil }
        func num(_ from: Int, _ len: Int) -> Int? {
            var v = 0
            for i in from..<(from + len) {
                let d = Int(b[i]) - 48
                guard d >= 0 && d <= 9 else { return nil }
                v = v * 10 + d
            }
            return v
        }
        guard let y = num(0, 4), let mo = num(5, 2), let d = num(8, 2), let h = num(11, 2), let mi = num(14, 2),
            let s = num(17, 2)
        else { return nil }
        var micro = 0
        if b.count > 20 {
            guard b[19] == 46 else { return nil }
            let fracLen = b.count - 21
            guard fracLen >= 1, fracLen <= 9, let f = num(20, fracLen) else { return nil }
            var scaled = f
            if fracLen < 6 { for _ in fracLen..<6 { scaled *= 10 } } else if fracLen > 6 { for _ in 6..<fracLen { scaled /= 10 } }
            micro = scaled
        }
        var parts = tm()
        parts.tm_year = Int32(y - 1900)
        parts.tm_mon = Int32(mo - 1)
        parts.tm_mday = Int32(d)
        parts.tm_hour = Int32(h)
        parts.tm_min = Int32(mi)
        parts.tm_sec = Int32(s)
        let secs = timegm(&parts)
        self.init(microseconds: Int64(secs) * 1_000_000 + Int64(micro))
    }

    private static func appendDate(
        _ out: inout [UInt8], _ c: (year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, micro: Int, weekday: Int)
    ) {
        appendDigits(&out, c.year, 4)
        out.append(45)
        appendDigits(&out, c.month, 2)
        out.append(45)
        appendDigits(&out, c.day, 2)
        out.append(84)
        appendDigits(&out, c.hour, 2)
        out.append(58)
        appendDigits(&out, c.minute, 2)
        out.append(58)
        appendDigits(&out, c.second, 2)
    }

    private static func appendDigits(_ out: inout [UInt8], _ value: Int, _ width: Int) {
        var digits = [UInt8](repeating: 48, count: width)
        var v = value
        var i = width - 1
        while i >= 0 {
            digits[i] = UInt8(48 + v % 10)
            v /= 10
            i -= 1
        }
        out.append(contentsOf: digits)
    }
}
