/// Parses Go duration syntax (`300ms`, `1m30s`, `1.5h`, `0`) into seconds.
enum GoDuration {
    /// The longest duration any setting accepts: a year (`8760h`). Longer values are typos, and bounding them
    /// here keeps every later conversion to nanoseconds and every deadline sum far inside the integer range.
    static let maxSeconds = 8760.0 * 3600

    static func parse(_ text: String) -> Double? {
        var s = Substring(text)
        guard !s.isEmpty else { return nil }
        var sign = 1.0
        if s.first == "-" || s.first == "+" {
            if s.first == "-" { sign = -1 }
            s = s.dropFirst()
        }
        if s == "0" { return 0 }
        guard !s.isEmpty else { return nil }
        var total = 0.0
        while !s.isEmpty {
            let numberPart = s.prefix(while: { $0.isASCII && ($0.isNumber || $0 == ".") })
            guard !numberPart.isEmpty, numberPart != ".", let value = Double(numberPart) else { return nil }
            s = s.dropFirst(numberPart.count)
            let unitPart = s.prefix(while: { !($0.isASCII && ($0.isNumber || $0 == ".")) })
            s = s.dropFirst(unitPart.count)
            let multiplier: Double
            switch unitPart {
            case "ns": multiplier = 1e-9
            case "us", "µs", "μs": multiplier = 1e-6
            case "ms": multiplier = 1e-3
            case "s": multiplier = 1
            case "m": multiplier = 60
            case "h": multiplier = 3600
            default: return nil
            }
            total += value * multiplier
        }
        return sign * total
    }
}
