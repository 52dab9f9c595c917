/// A small, allocation-light JSON writer for the hot response DTOs; Foundation's `JSONEncoder`
/// (reflection through `Encoder` containers) costs more than the database read on list routes.
struct JSONWriter {
    private(set) var bytes: [UInt8] = []
    private var needsComma: [Bool] = [false]

    init(capacity: Int = 512) { bytes.reserveCapacity(capacity) }

    mutating func beginObject() {
        separator()
        bytes.append(UInt8(ascii: "{"))
        needsComma.append(false)
    }
    mutating func endObject() {
        needsComma.removeLast()
        bytes.append(UInt8(ascii: "}"))
    }
    mutating func beginArray(_ key: String) {
        self.key(key)
        bytes.append(UInt8(ascii: "["))
        needsComma.append(false)
    }
    mutating func endArray() {
        needsComma.removeLast()
        bytes.append(UInt8(ascii: "]"))
    }
    mutating func beginObject(_ key: String) {
        self.key(key)
        bytes.append(UInt8(ascii: "{"))
        needsComma.append(false)
    }

    mutating func field(_ key: String, _ value: String) {
        self.key(key)
        string(value)
    }
    mutating func field(_ key: String, _ value: Int) {
        self.key(key)
        bytes.append(contentsOf: String(value).utf8)
    }
    mutating func field(_ key: String, _ value: Bool) {
        self.key(key)
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
    }

    /// Omitted when nil (optional fields are left out, never null).
    mutating func field(_ key: String, _ value: String?) { if let value { field(key, value) } }

    mutating func field(_ key: String, _ values: [String]) {
        beginArray(key)
        for value in values {
            separator()
            string(value)
        }
        endArray()
    }

    /// Writes an element of the current array (or a top-level value) as an object via `body`.
    mutating func object(_ body: (inout JSONWriter) -> Void) {
        beginObject()
        body(&self)
        endObject()
    }

    private mutating func separator() {
        if needsComma[needsComma.count - 1] { bytes.append(UInt8(ascii: ",")) }
        needsComma[needsComma.count - 1] = true
    }

    private mutating func key(_ key: String) {
        separator()
        string(key)
        bytes.append(UInt8(ascii: ":"))
    }

    /// A JSON string with the escapes RFC 8259 requires (plus `<`, `>`, `&` as Go does).
    private mutating func string(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [92, 34])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [92, 92])
            case 0x0A: bytes.append(contentsOf: [92, 110])
            case 0x0D: bytes.append(contentsOf: [92, 114])
            case 0x09: bytes.append(contentsOf: [92, 116])
            case 0x00..<0x20, UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "&"):
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: [92, 117, 48, 48, hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}

/// A DTO that writes itself with `JSONWriter` (the fast path of `JSONOutput`).
protocol JSONWritable {
    func write(to writer: inout JSONWriter)
}
