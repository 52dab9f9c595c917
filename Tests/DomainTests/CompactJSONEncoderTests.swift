import Domain
import Foundation
import Testing

/// The streaming encoder: exact bytes for the rules it promises, and the same parsed value as `JSONEncoder` for
/// everything the `Encoder` protocol lets a conformance do.
@Suite struct CompactJSONEncoderTests {
    static func text(_ value: some Encodable) throws -> String {
        String(decoding: try CompactJSONEncoder.encode(value), as: UTF8.self)
    }

    static func parsed(_ bytes: [UInt8]) throws -> NSObject {
        try #require(try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed]) as? NSObject)
    }

    /// Ours and `JSONEncoder`'s output parse to the same value.
    static func expectSameAsFoundation<T: Encodable>(_ value: T, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let ours = try parsed(try CompactJSONEncoder.encode(value))
        let theirs = try parsed(Array(try JSONEncoder().encode(value)))
        #expect(ours == theirs, sourceLocation: sourceLocation)
    }

    struct Declared: Encodable {
        let zeta: String
        let alpha: Int
        let middle: Bool
        enum CodingKeys: String, CodingKey { case zeta = "z_last_in_sort", alpha, middle }
    }

    @Test func keysComeInCodingKeysOrderWithoutSpaces() throws {
        #expect(try Self.text(Declared(zeta: "z", alpha: 1, middle: true)) == #"{"z_last_in_sort":"z","alpha":1,"middle":true}"#)
    }

    struct WithOptionals: Encodable {
        let present: String?
        let absent: String?
        let absentNumber: Int?
        let nested: Declared?
    }

    struct ExplicitNull: Encodable {
        let value: String?
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: AnyKey.self)
            try c.encode(value, forKey: AnyKey("value"))
            try c.encodeNil(forKey: AnyKey("nil"))
        }
    }

    @Test func nilOptionalsAreOmittedAndEncodeNilWritesNull() throws {
        let value = WithOptionals(present: "p", absent: nil, absentNumber: nil, nested: nil)
        #expect(try Self.text(value) == #"{"present":"p"}"#)
        try Self.expectSameAsFoundation(value)
        #expect(try Self.text(ExplicitNull(value: nil)) == #"{"value":null,"nil":null}"#)
        try Self.expectSameAsFoundation(ExplicitNull(value: nil))
    }

    @Test func stringsAreEscapedLikeGo() throws {
        #expect(try Self.text("<a href=\"x\">&</a>") == #""\u003ca href=\"x\"\u003e\u0026\u003c/a\u003e""#)
        #expect(try Self.text("back\\slash / slash") == #""back\\slash / slash""#)
        #expect(try Self.text("line\nreturn\rtab\t") == #""line\nreturn\rtab\t""#)
        #expect(try Self.text("\u{2028}\u{2029}") == #""\u2028\u2029""#)
        // Other characters with the same lead byte as U+2028 (E2) are copied, not escaped.
        #expect(try Self.text("\u{2026}\u{20AC}\u{2027}\u{202A}") == "\"\u{2026}\u{20AC}\u{2027}\u{202A}\"")
        #expect(try Self.text("ünïcödé 🎉 ğüş") == "\"ünïcödé 🎉 ğüş\"")
        #expect(try Self.text("") == #""""#)
        #expect(try Self.text("\u{7F}") == "\"\u{7F}\"")
    }

    @Test func everyControlCharacterIsEscapedAndRoundTrips() throws {
        var raw = String.UnicodeScalarView()
        for v in UInt32(0)..<0x20 { raw.append(Unicode.Scalar(v)!) }
        let text = String(raw)
        let written = try Self.text(text)
        #expect(!written.unicodeScalars.contains { $0.value < 0x20 })
        #expect(written.contains(#"\u0000"#) && written.contains(#"\u001f"#) && written.contains(#"\n"#))
        #expect(try JSONParser.parseFirst(Array(written.utf8)).value == .string(text))
        try Self.expectSameAsFoundation([text])
    }

    @Test func stringsWithEscapesAtEveryPositionRoundTrip() throws {
        // Runs of plain bytes between escapes are copied in slices: check the slice edges.
        for prefix in ["", "a", "ab", "é"] {
            for special in ["\"", "\\", "\n", "<", "\u{2028}", "\u{01}"] {
                for suffix in ["", "z", "zz", "😀"] {
                    let s = prefix + special + suffix + special
                    let written = try CompactJSONEncoder.encode(s)
                    #expect(try JSONParser.parseFirst(written).value == .string(s))
                }
            }
        }
    }

    @Test func integersAtTheirLimits() throws {
        #expect(try Self.text([Int64.min, Int64.max, 0, -1, 10]) == "[-9223372036854775808,9223372036854775807,0,-1,10]")
        #expect(try Self.text([UInt64.max]) == "[18446744073709551615]")
        #expect(try Self.text([Int8.min]) == "[-128]")
        #expect(try Self.text(Int.min) == "-9223372036854775808")
    }

    @Test func doublesAreSpelledLikeGo() throws {
        #expect(try Self.text([0.1, 100, -3.25, 1e21, 0.0000001]) == "[0.1,100,-3.25,1e+21,1e-7]")
        #expect(try Self.text(Double.nan) == "0")
        #expect(try Self.text(Float(0.5)) == "0.5")
        try Self.expectSameAsFoundation([0.1, 92.5, 1e16, 123.456])
    }

    @Test func stringKeyedDictionariesAreSorted() throws {
        let counts = ["b": 2, "a": 1, "é": 4, "Z": 3, "aa": 5]
        #expect(try Self.text(counts) == #"{"Z":3,"a":1,"aa":5,"b":2,"é":4}"#)
        #expect(try Self.text([String: Int]()) == "{}")
        try Self.expectSameAsFoundation(["x": ["b": 1, "a": 2]])
    }

    @Test func jsonValuesAreWrittenVerbatim() throws {
        let value = JSONValue.object([("n", .number("1.50")), ("s", .string("<")), ("a", .array([.null, .bool(false)]))])
        #expect(try Self.text(value) == #"{"n":1.50,"s":"\u003c","a":[null,false]}"#)
    }

    struct Nested: Encodable {
        func encode(to encoder: any Encoder) throws {
            var outer = encoder.container(keyedBy: AnyKey.self)
            try outer.encode(1, forKey: AnyKey("first"))
            var inner = outer.nestedContainer(keyedBy: AnyKey.self, forKey: AnyKey("inner"))
            try inner.encode("x", forKey: AnyKey("a"))
            var list = inner.nestedUnkeyedContainer(forKey: AnyKey("list"))
            try list.encode(1)
            var deeper = list.nestedContainer(keyedBy: AnyKey.self)
            try deeper.encode(true, forKey: AnyKey("deep"))
            try list.encode(2)
            try inner.encode("y", forKey: AnyKey("b"))
            try outer.encode(2, forKey: AnyKey("last"))
            // Asking again for the same container continues it.
            var again = encoder.container(keyedBy: AnyKey.self)
            try again.encode(3, forKey: AnyKey("again"))
        }
    }

    @Test func nestedContainersEndWhenTheirParentContinues() throws {
        #expect(
            try Self.text(Nested()) == #"{"first":1,"inner":{"a":"x","list":[1,{"deep":true},2],"b":"y"},"last":2,"again":3}"#)
        try Self.expectSameAsFoundation(Nested())
        try Self.expectSameAsFoundation([Nested(), Nested()])
    }

    class Base: Encodable {
        let name = "base"
    }

    final class Derived: Base {
        let extra = 7
        enum CodingKeys: String, CodingKey { case extra }
        override func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(extra, forKey: .extra)
            try super.encode(to: c.superEncoder())
        }
    }

    struct Empty: Encodable {
        func encode(to encoder: any Encoder) throws {}
    }

    struct EmptySuper: Encodable {
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: AnyKey.self)
            _ = c.superEncoder(forKey: AnyKey("s"))
            try c.encode(1, forKey: AnyKey("after"))
        }
    }

    @Test func superEncodersAndEmptyValuesMatchFoundation() throws {
        #expect(try Self.text(Derived()) == #"{"extra":7,"super":{"name":"base"}}"#)
        try Self.expectSameAsFoundation(Derived())
        #expect(try Self.text(["e": Empty()]) == #"{"e":{}}"#)
        try Self.expectSameAsFoundation(["e": Empty()])
        #expect(try Self.text(EmptySuper()) == #"{"s":{},"after":1}"#)
        try Self.expectSameAsFoundation(EmptySuper())
    }

    struct Stale: Encodable {
        func encode(to encoder: any Encoder) throws {
            var outer = encoder.container(keyedBy: AnyKey.self)
            var inner = outer.nestedContainer(keyedBy: AnyKey.self, forKey: AnyKey("inner"))
            try outer.encode(1, forKey: AnyKey("next"))
            try inner.encode(2, forKey: AnyKey("late")) // `inner` ended when `outer` continued
        }
    }

    struct TwoSingleValues: Encodable {
        func encode(to encoder: any Encoder) throws {
            var c = encoder.singleValueContainer()
            try c.encode(1)
            try c.encode(2)
        }
    }

    @Test func misusedContainersThrowInsteadOfWritingWrongJSON() throws {
        #expect(throws: EncodingError.self) { try CompactJSONEncoder.encode(Stale()) }
        #expect(throws: EncodingError.self) { try CompactJSONEncoder.encode(TwoSingleValues()) }
    }

    @Test func appendsToAnExistingBuffer() throws {
        var bytes = Array("prefix ".utf8)
        try CompactJSONEncoder.encode(["a"], into: &bytes)
        #expect(String(decoding: bytes, as: UTF8.self) == #"prefix ["a"]"#)
    }
}

/// A coding key for arbitrary object keys.
private struct AnyKey: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }
    init(_ value: String) { stringValue = value }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
