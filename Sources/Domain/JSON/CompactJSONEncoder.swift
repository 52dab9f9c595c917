/// Compact JSON bytes from any `Encodable`, written while the value encodes itself: no intermediate tree, no
/// reflection beyond the `Encoder` calls, keys from the type's `CodingKeys`.
///
/// The output rules, shared with `CompactJSON` (stored documents):
/// - **Key order** is the order the value encodes its keys in: for a synthesized conformance, the order of the
///   `CodingKeys` cases (Go likewise emits struct fields in declaration order). It is deterministic, so a hash of
///   the bytes (the public ETags) is stable. `[String: V]` dictionaries are written with their keys sorted (by
///   UTF-8 bytes, as Go sorts map keys), since their iteration order changes from process to process.
/// - Optionals encoded with `encodeIfPresent` are omitted when nil; `encodeNil` writes `null`.
/// - Strings are escaped as `CompactJSON.writeString` does (Go's escapes, `<`, `>`, `&` included); `/` is not.
/// - `Double`/`Float` are spelled by `CompactJSON.number` (Go's float64 form; non-finite values become `0`);
///   integers in decimal. A `JSONValue` is written as `CompactJSON` writes it (number literals verbatim).
/// - Foundation's `Date`, `Data` and `URL` are written as their own conformances encode them (`JSONEncoder`
///   special-cases them); response DTOs carry timestamps and links as strings.
///
/// Containers must be filled in order, as synthesized and ordinary conformances do: once a value writes to a
/// container, every container nested in it has ended. Using an ended container is an `EncodingError`, never
/// silently wrong JSON.
public enum CompactJSONEncoder {
    /// The compact JSON bytes of `value`.
    public static func encode<T: Encodable>(_ value: T, capacity: Int = 512) throws -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(capacity)
        try encode(value, into: &bytes)
        return bytes
    }

    /// Appends the compact JSON bytes of `value` to `bytes` (left as it was, minus what was appended, on error).
    public static func encode<T: Encodable>(_ value: T, into bytes: inout [UInt8]) throws {
        let writer = JSONStreamWriter()
        swap(&writer.bytes, &bytes)
        defer { swap(&writer.bytes, &bytes) }
        try writer.encodeTopLevel(value)
    }
}

/// The state of one encoding: the output and the stack of open objects and arrays.
final class JSONStreamWriter: Encoder {
    /// An open object or array.
    struct Frame {
        let isObject: Bool
        let id: UInt32
        var count: Int
    }

    /// A container's handle on its frame: the stack depth and the frame's id, so a handle to a frame that has ended
    /// (and perhaps been replaced by another at the same depth) is recognised.
    struct FrameRef {
        let depth: Int
        let id: UInt32
    }

    var bytes: [UInt8] = []
    private(set) var frames: [Frame] = []
    private var lastID: UInt32 = 0
    /// A key or an array slot was written and its value not yet.
    private(set) var awaitingValue = false
    /// The depth at which the value now encoding itself (the innermost `encode(to:)`) opens its container.
    private var base = 0
    /// The first misuse seen by a method that cannot throw; rethrown by the next one that can.
    private var failure: EncodingError?

    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func encodeTopLevel<T: Encodable>(_ value: T) throws {
        awaitingValue = true
        try writeValue(value)
        try check()
    }

    // MARK: Encoder

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(JSONKeyedContainer<Key>(writer: self, frame: open(object: true, at: base)))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        JSONUnkeyedContainer(writer: self, frame: open(object: false, at: base))
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        JSONSingleValueContainer(writer: self, level: base)
    }

    // MARK: Structure

    /// Opens an object or array for the value expected at `level`, or hands back the one that value already opened
    /// (a conformance may ask for its container more than once).
    func open(object: Bool, at level: Int) -> FrameRef {
        if failure == nil, awaitingValue, frames.count == level {
            bytes.append(object ? UInt8(ascii: "{") : UInt8(ascii: "["))
            awaitingValue = false
            lastID &+= 1
            frames.append(Frame(isObject: object, id: lastID, count: 0))
            return FrameRef(depth: level, id: lastID)
        }
        if failure == nil, !awaitingValue, level < frames.count, frames[level].isObject == object {
            return FrameRef(depth: level, id: frames[level].id)
        }
        fail("a container was requested where no value of that kind can be written")
        return FrameRef(depth: level, id: 0)
    }

    /// Makes `frame` the innermost open frame (the containers nested in it have ended) and starts its next member:
    /// the separator and, in an object, the key. Afterwards a value is expected.
    func beginMember(of frame: FrameRef, key: String?) throws {
        try check()
        guard frame.depth < frames.count, frames[frame.depth].id == frame.id else {
            fail("a container was used after its object or array had ended")
            try check()
            return
        }
        while frames.count > frame.depth + 1 { closeTop() }
        if awaitingValue { writeEmptyObject() }
        if frames[frame.depth].count > 0 { bytes.append(UInt8(ascii: ",")) }
        frames[frame.depth].count += 1
        if let key {
            CompactJSON.writeString(key, into: &bytes)
            bytes.append(UInt8(ascii: ":"))
        }
        awaitingValue = true
    }

    /// `beginMember` for the methods that cannot throw (nested containers, super encoders): a misuse is recorded.
    func beginMemberRecordingFailure(of frame: FrameRef, key: String?) {
        do { try beginMember(of: frame, key: key) } catch { awaitingValue = false }
    }

    /// Ends the innermost object or array.
    func closeTop() {
        if awaitingValue { writeEmptyObject() }
        bytes.append(frames.removeLast().isObject ? UInt8(ascii: "}") : UInt8(ascii: "]"))
    }

    /// What `JSONEncoder` writes for a value that encoded nothing.
    private func writeEmptyObject() {
        bytes.append(contentsOf: [UInt8(ascii: "{"), UInt8(ascii: "}")])
        awaitingValue = false
    }

    func fail(_ reason: String) {
        if failure == nil { failure = EncodingError.invalidValue((), .init(codingPath: [], debugDescription: reason)) }
    }

    func check() throws {
        if let failure { throw failure }
    }

    /// Whether a single value may be written at `level` now.
    func expectsSingleValue(at level: Int) throws {
        try check()
        guard awaitingValue, frames.count == level else {
            fail("a single value container was asked for a second value")
            try check()
            return
        }
    }

    // MARK: Values (each is called when a value is expected)

    func writeNull() {
        bytes.append(contentsOf: "null".utf8)
        awaitingValue = false
    }

    func writeBool(_ value: Bool) {
        bytes.append(contentsOf: value ? "true".utf8 : "false".utf8)
        awaitingValue = false
    }

    func writeString(_ value: String) {
        CompactJSON.writeString(value, into: &bytes)
        awaitingValue = false
    }

    func writeInteger<T: BinaryInteger>(_ value: T) {
        CompactJSON.writeInteger(value, into: &bytes)
        awaitingValue = false
    }

    func writeDouble(_ value: Double) {
        bytes.append(contentsOf: CompactJSON.number(value).utf8)
        awaitingValue = false
    }

    /// Any `Encodable`: the common leaf types directly, anything else through its own `encode(to:)`, whose
    /// containers end when it returns.
    func writeValue<T: Encodable>(_ value: T) throws {
        switch value {
        case let string as String: return writeString(string)
        case let int as Int: return writeInteger(int)
        case let bool as Bool: return writeBool(bool)
        case let double as Double: return writeDouble(double)
        case let strings as [String]:
            bytes.append(UInt8(ascii: "["))
            for (i, string) in strings.enumerated() {
                if i > 0 { bytes.append(UInt8(ascii: ",")) }
                CompactJSON.writeString(string, into: &bytes)
            }
            bytes.append(UInt8(ascii: "]"))
            awaitingValue = false
            return
        case let json as JSONValue:
            CompactJSON.write(json, into: &bytes)
            awaitingValue = false
            return
        case let dictionary as any SortedKeysEncodable: return try dictionary.encodeWithSortedKeys(to: self)
        default: break
        }
        let outer = base
        base = frames.count
        defer { base = outer }
        try value.encode(to: self)
        try check()
        while frames.count > base { closeTop() }
        if awaitingValue { writeEmptyObject() }
    }
}

/// `[String: V]`: written with sorted keys so equal dictionaries give equal bytes in every process.
protocol SortedKeysEncodable {
    func encodeWithSortedKeys(to writer: JSONStreamWriter) throws
}

extension Dictionary: SortedKeysEncodable where Key == String, Value: Encodable {
    func encodeWithSortedKeys(to writer: JSONStreamWriter) throws {
        let frame = writer.open(object: true, at: writer.frames.count)
        for key in keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
            try writer.beginMember(of: frame, key: key)
            try writer.writeValue(self[key]!)
        }
        try writer.check()
        while writer.frames.count > frame.depth { writer.closeTop() }
    }
}
