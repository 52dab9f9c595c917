/// The containers of `CompactJSONEncoder`: thin handles that write straight into the shared `JSONStreamWriter`.

struct JSONKeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let writer: JSONStreamWriter
    let frame: JSONStreamWriter.FrameRef
    var codingPath: [any CodingKey] { [] }

    private func begin(_ key: Key) throws { try writer.beginMember(of: frame, key: key.stringValue) }

    mutating func encodeNil(forKey key: Key) throws {
        try begin(key)
        writer.writeNull()
    }
    mutating func encode(_ value: Bool, forKey key: Key) throws {
        try begin(key)
        writer.writeBool(value)
    }
    mutating func encode(_ value: String, forKey key: Key) throws {
        try begin(key)
        writer.writeString(value)
    }
    mutating func encode(_ value: Double, forKey key: Key) throws {
        try begin(key)
        writer.writeDouble(value)
    }
    mutating func encode(_ value: Float, forKey key: Key) throws {
        try begin(key)
        writer.writeDouble(Double(value))
    }
    mutating func encode(_ value: Int, forKey key: Key) throws {
        try begin(key)
        writer.writeInteger(value)
    }
    mutating func encode(_ value: Int8, forKey key: Key) throws {
        try begin(key)
        writer.writeInteger(value)
    }
    mutating func encode(_ value: Int16, forKey key: Key) throws {
        try begin(key)
        writer.writeInteger(value)
    }
    mutating func encode(_ value: Int32, forKey key: Key) throws {
        try begin(key)
        writer.writeInteger(value)
    }
    mutating func encode(_ value: Int64, forKey key: Key) throws {
        try begin(key)
        writer.writeInteger(value)
    }
    mutating func encode(_ value: UInt, forKey key: Key) throws {
        try begin(key)
        writer.writeInteger(value)
    }
    mutating func encode(_ value: UInt8, forKey key: Key) throws {
        try begin(key)
        writer.writeInteger(value)
    }
    mutating func encode(_ value: UInt16, forKey key: Key) throws {
        try begin(key)
        writer.writeInteger(value)
    }
    mutating func encode(_ value: UInt32, forKey key: Key) throws {
        try begin(key)
        writer.writeInteger(value)
    }
    mutating func encode(_ value: UInt64, forKey key: Key) throws {
        try begin(key)
        writer.writeInteger(value)
    }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try begin(key)
        try writer.writeValue(value)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type, forKey key: Key
    )
        -> KeyedEncodingContainer<NestedKey>
    {
        writer.beginMemberRecordingFailure(of: frame, key: key.stringValue)
        return KeyedEncodingContainer(
            JSONKeyedContainer<NestedKey>(writer: writer, frame: writer.open(object: true, at: writer.frames.count)))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        writer.beginMemberRecordingFailure(of: frame, key: key.stringValue)
        return JSONUnkeyedContainer(writer: writer, frame: writer.open(object: false, at: writer.frames.count))
    }

    mutating func superEncoder() -> any Encoder {
        writer.beginMemberRecordingFailure(of: frame, key: "super")
        return JSONNestedEncoder(writer: writer, level: writer.frames.count)
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        writer.beginMemberRecordingFailure(of: frame, key: key.stringValue)
        return JSONNestedEncoder(writer: writer, level: writer.frames.count)
    }
}

struct JSONUnkeyedContainer: UnkeyedEncodingContainer {
    let writer: JSONStreamWriter
    let frame: JSONStreamWriter.FrameRef
    var codingPath: [any CodingKey] { [] }
    private(set) var count = 0

    init(writer: JSONStreamWriter, frame: JSONStreamWriter.FrameRef) {
        self.writer = writer
        self.frame = frame
    }

    private mutating func begin() throws {
        try writer.beginMember(of: frame, key: nil)
        count += 1
    }

    mutating func encodeNil() throws {
        try begin()
        writer.writeNull()
    }
    mutating func encode(_ value: Bool) throws {
        try begin()
        writer.writeBool(value)
    }
    mutating func encode(_ value: String) throws {
        try begin()
        writer.writeString(value)
    }
    mutating func encode(_ value: Double) throws {
        try begin()
        writer.writeDouble(value)
    }
    mutating func encode(_ value: Float) throws {
        try begin()
        writer.writeDouble(Double(value))
    }
    mutating func encode(_ value: Int) throws {
        try begin()
        writer.writeInteger(value)
    }
    mutating func encode(_ value: Int64) throws {
        try begin()
        writer.writeInteger(value)
    }
    mutating func encode<T: Encodable>(_ value: T) throws {
        try begin()
        try writer.writeValue(value)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        writer.beginMemberRecordingFailure(of: frame, key: nil)
        count += 1
        return KeyedEncodingContainer(
            JSONKeyedContainer<NestedKey>(writer: writer, frame: writer.open(object: true, at: writer.frames.count)))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        writer.beginMemberRecordingFailure(of: frame, key: nil)
        count += 1
        return JSONUnkeyedContainer(writer: writer, frame: writer.open(object: false, at: writer.frames.count))
    }

    mutating func superEncoder() -> any Encoder {
        writer.beginMemberRecordingFailure(of: frame, key: nil)
        count += 1
        return JSONNestedEncoder(writer: writer, level: writer.frames.count)
    }
}

struct JSONSingleValueContainer: SingleValueEncodingContainer {
    let writer: JSONStreamWriter
    /// The depth the value is written at.
    let level: Int
    var codingPath: [any CodingKey] { [] }

    mutating func encodeNil() throws {
        try writer.expectsSingleValue(at: level)
        writer.writeNull()
    }
    mutating func encode(_ value: Bool) throws {
        try writer.expectsSingleValue(at: level)
        writer.writeBool(value)
    }
    mutating func encode(_ value: String) throws {
        try writer.expectsSingleValue(at: level)
        writer.writeString(value)
    }
    mutating func encode(_ value: Double) throws {
        try writer.expectsSingleValue(at: level)
        writer.writeDouble(value)
    }
    mutating func encode(_ value: Float) throws {
        try writer.expectsSingleValue(at: level)
        writer.writeDouble(Double(value))
    }
    mutating func encode(_ value: Int) throws {
        try writer.expectsSingleValue(at: level)
        writer.writeInteger(value)
    }
    mutating func encode(_ value: Int8) throws {
        try writer.expectsSingleValue(at: level)
        writer.writeInteger(value)
    }
    mutating func encode(_ value: Int16) throws {
        try writer.expectsSingleValue(at: level)
        writer.writeInteger(value)
    }
    mutating func encode(_ value: Int32) throws {
        try writer.expectsSingleValue(at: level)
        writer.writeInteger(value)
    }
    mutating func encode(_ value: Int64) throws {
        try writer.expectsSingleValue(at: level)
        writer.writeInteger(value)
    }
    mutating func encode(_ value: UInt) throws {
        try writer.expectsSingleValue(at: level)
        writer.writeInteger(value)
    }
    mutating func encode(_ value: UInt8) throws {
        try writer.expectsSingleValue(at: level)
        writer.writeInteger(value)
    }
    mutating func encode(_ value: UInt16) throws {
        try writer.expectsSingleValue(at: level)
        writer.writeInteger(value)
    }
    mutating func encode(_ value: UInt32) throws {
        try writer.expectsSingleValue(at: level)
        writer.writeInteger(value)
    }
    mutating func encode(_ value: UInt64) throws {
        try writer.expectsSingleValue(at: level)
        writer.writeInteger(value)
    }
    mutating func encode<T: Encodable>(_ value: T) throws {
        try writer.expectsSingleValue(at: level)
        try writer.writeValue(value)
    }
}

/// The encoder handed out by `superEncoder`: opens its container at the depth of the slot it was made for.
struct JSONNestedEncoder: Encoder {
    let writer: JSONStreamWriter
    let level: Int
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(JSONKeyedContainer<Key>(writer: writer, frame: writer.open(object: true, at: level)))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        JSONUnkeyedContainer(writer: writer, frame: writer.open(object: false, at: level))
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        JSONSingleValueContainer(writer: writer, level: level)
    }
}
