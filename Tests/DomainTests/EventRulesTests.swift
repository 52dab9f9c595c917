import Domain
import Testing

/// Event names, metadata sanitising and the compact JSON text metadata is stored as.
@Suite struct EventRulesTests {
    private func object(_ value: JSONValue) -> [(String, JSONValue)] {
        guard case .object(let fields) = value else {
            Issue.record("not an object: \(value)")
            return []
        }
        return fields
    }

    private func keys(_ value: JSONValue) -> [String] { object(value).map(\.0) }

    // MARK: Names

    @Test func supportedNamesAreTheContractsSixteenInOrder() {
        #expect(EventName.supported.count == 16)
        #expect(EventName.supported.first == "persona_created")
        #expect(EventName.supported[8] == "remix_click")
        #expect(EventName.supported[9] == "remix_clicked")
        #expect(EventName.supported.last == "template_used_from_feed")
        #expect(Set(EventName.supported).count == 16)
    }

    @Test func clientNamesAreTrimmedAndLowercased() {
        #expect(EventName.normalizeClient("  Battle_Shared \n") == "battle_shared")
        #expect(EventName.normalizeClient("REMIX_CLICK") == "remix_click")
        #expect(EventName.normalizeClient("daily_return") == "daily_return")
        #expect(EventName.normalizeClient("") == nil)
        #expect(EventName.normalizeClient("   ") == nil)
        #expect(EventName.normalizeClient("thread_participated") == nil)
        #expect(EventName.normalizeClient("battle shared") == nil)
    }

    @Test func clientsMaySendOnlyTheNineClientSideNames() {
        #expect(
            EventName.clientSent == [
                "battle_shared", "remix_click", "remix_clicked", "remix_started", "remix_completed", "follow_click", "daily_return",
                "notification_clicked", "template_used_from_feed",
            ])
        for name in [
            "persona_created", "preview_generated", "post_approved", "battle_created", "public_profile_viewed", "public_battle_viewed",
            "signup_from_share",
        ] {
            #expect(EventName.serverWritten.contains(name))
            #expect(EventName.normalizeClient(name) == nil, "\(name) is written only by the server")
            #expect(EventName.normalizeClient(" \(name.uppercased()) ") == nil, "case and spaces do not sneak \(name) past the check")
        }
        #expect(Set(EventName.clientSent).union(EventName.serverWritten) == Set(EventName.supported))
    }

    // MARK: Sanitiser

    @Test func rawTextKeysBlankKeysNullsAndEmptiesAreDropped() {
        let input: JSONValue = .object([
            (" persona_id ", .string("  p1  ")),
            ("content", .string("x")),
            ("context", .string("c")),
            ("subtext", .string("s")),
            ("nobody", .string("n")),
            ("Message_ID", .string("m")),
            ("TEXT", .string("t")),
            ("body_len", .number("3")),
            ("", .string("blank")),
            ("   ", .string("blank2")),
            ("flag", .bool(false)),
            ("count", .number("1.50")),
            ("nothing", .null),
            ("empty", .string(" \t ")),
            ("empty_array", .array([])),
            ("empty_object", .object([])),
            ("hollow_array", .array([.null, .string("  "), .object([("text", .string("x"))])])),
        ])
        let out = MetadataSanitizer.sanitize(input)
        #expect(out == .object([("persona_id", .string("p1")), ("flag", .bool(false)), ("count", .number("1.50"))]))
        #expect(MetadataSanitizer.encode(out) == #"{"persona_id":"p1","flag":false,"count":1.50}"#)
    }

    @Test func rawTextKeysAreDroppedAtEveryDepth() {
        let input: JSONValue = .object([
            (
                "meta",
                .object([
                    ("post_content", .string("secret")), ("id", .string("1")),
                    ("inner", .object([("Body", .string("b")), ("ok", .bool(true))])),
                ])
            ),
            ("list", .array([.object([("message", .string("m"))]), .object([("kind", .string("k"))])])),
        ])
        #expect(
            MetadataSanitizer.sanitize(input)
                == .object([
                    ("meta", .object([("id", .string("1")), ("inner", .object([("ok", .bool(true))]))])),
                    ("list", .array([.object([("kind", .string("k"))])])),
                ]))
    }

    @Test func stringsAreTrimmedThenCutTo180RunesWithoutTrimmingAgain() {
        let e179 = String(repeating: "é", count: 179)
        let long = "  " + e179 + " abc  " // trimmed: 179 é + " abc" = 183 runes
        let exact = String(repeating: "ş", count: 180)
        let out = MetadataSanitizer.sanitize([("long", .string(long)), ("exact", .string(" " + exact + " "))])
        // The 180th rune is the space: it stays because the cut is not re-trimmed.
        #expect(out == .object([("long", .string(e179 + " ")), ("exact", .string(exact))]))
    }

    @Test func arraysKeepTwentyFiveSurvivingItems() {
        var items: [JSONValue] = []
        for i in 0..<40 { items.append(i % 3 == 0 ? .null : .string("v\(i)")) }
        // Survivors are the non-multiples of three: 1, 2, 4, 5, …; the 25th of them is 37.
        var expected: [JSONValue] = []
        for i in [1, 2, 4, 5, 7, 8, 10, 11, 13, 14, 16, 17, 19, 20, 22, 23, 25, 26, 28, 29, 31, 32, 34, 35, 37] {
            expected.append(.string("v\(i)"))
        }
        #expect(MetadataSanitizer.sanitize([("items", .array(items))]) == .object([("items", .array(expected))]))
    }

    @Test func nestedObjectsKeepTheFirstTwentyFiveSurvivingKeysButTheTopLevelIsUncapped() {
        var nested: [(String, JSONValue)] = []
        var top: [(String, JSONValue)] = []
        for i in 0..<30 {
            let key = i < 10 ? "k0\(i)" : "k\(i)"
            nested.append((key, i == 3 ? .null : .number("\(i)")))
            top.append((key, .number("\(i)")))
        }
        top.append(("nested", .object(nested)))
        let out = MetadataSanitizer.sanitize(top)
        let fields = object(out)
        #expect(fields.count == 31)
        #expect(fields.first?.0 == "k00")
        #expect(fields[29].0 == "k29")
        guard case .object(let inner)? = fields.last?.1 else {
            Issue.record("nested dropped")
            return
        }
        // k03 is null and dropped, so the 25 kept keys are k00…k25 without k03.
        #expect(inner.count == 25)
        #expect(
            inner.map(\.0) == [
                "k00", "k01", "k02", "k04", "k05", "k06", "k07", "k08", "k09", "k10", "k11", "k12",
                "k13", "k14", "k15", "k16", "k17", "k18", "k19", "k20", "k21", "k22", "k23", "k24", "k25",
            ])
    }

    @Test func valuesAtDepthFourAreDropped() {
        let input: JSONValue = .object([
            (
                "a",
                .object([
                    (
                        "b",
                        .object([
                            (
                                "c",
                                .object([
                                    ("d", .string("deep")),
                                    ("e", .object([("f", .string("too deep"))])),
                                ])
                            )
                        ])
                    )
                ])
            ),
            ("l0", .array([.array([.array([.array([.string("x")])])])])),
            ("l1", .array([.array([.array([.string("y")])])])),
        ])
        #expect(
            MetadataSanitizer.sanitize(input)
                == .object([
                    ("a", .object([("b", .object([("c", .object([("d", .string("deep"))]))]))])),
                    ("l1", .array([.array([.array([.string("y")])])])),
                ]))
    }

    @Test func outputIsAlwaysAnObject() {
        #expect(MetadataSanitizer.sanitize(nil as JSONValue?) == .object([]))
        #expect(MetadataSanitizer.sanitize(JSONValue.null) == .object([]))
        #expect(MetadataSanitizer.sanitize(JSONValue.array([.string("a")])) == .object([]))
        #expect(MetadataSanitizer.sanitize(JSONValue.string("a")) == .object([]))
        #expect(MetadataSanitizer.sanitize([("text", .string("only raw text"))]) == .object([]))
        #expect(MetadataSanitizer.encode(MetadataSanitizer.sanitize(nil as JSONValue?)) == "{}")
    }

    @Test func duplicateKeysKeepTheLastValueAtTheFirstPosition() {
        let out = MetadataSanitizer.sanitize([("a", .string("1")), ("b", .string("2")), (" a ", .string("3"))])
        #expect(out == .object([("a", .string("3")), ("b", .string("2"))]))
        // The last value decides even when it is dropped.
        #expect(MetadataSanitizer.sanitize([("a", .string("1")), ("a", .null)]) == .object([]))
    }

    @Test func numbersKeepTheirLiteralAndBadLiteralsBecomeStrings() {
        let out = MetadataSanitizer.sanitize([
            ("big", .number("12345678901234567890")), ("exp", .number("1e3")),
            ("bad", .number(" 12abc ")),
        ])
        #expect(out == .object([("big", .number("12345678901234567890")), ("exp", .number("1e3")), ("bad", .string("12abc"))]))
        #expect(MetadataSanitizer.encode(out) == #"{"big":12345678901234567890,"exp":1e3,"bad":"12abc"}"#)
    }

    @Test func numbersPastThirtyTwoCharactersAnExponentOf400OrADoubleBecomeStrings() {
        let digits32 = "-123456789012345678901234567.901" // 32 characters, a finite double
        let out = MetadataSanitizer.sanitize([
            ("max", .number("1.7976931348623157e308")), ("subnormal", .number("5e-324")), ("at_exponent_cap", .number("1E-400")),
            ("plus", .number("2e+400")), ("at_cap", .number(digits32)), ("over_cap", .number(digits32 + "2")),
            ("overflow", .number("1e309")), ("over_exponent_cap", .number("1e-401")), ("zero_far", .number("0e-99999")),
            ("past_numeric", .number("1e131072")), ("past_int", .number("1e99999999999999999999")),
            ("int_min", .number("1e-9223372036854775808")),
        ])
        #expect(
            out
                == .object([
                    ("max", .number("1.7976931348623157e308")), ("subnormal", .number("5e-324")), ("at_exponent_cap", .number("1E-400")),
                    ("plus", .string("2e+400")), ("at_cap", .number(digits32)), ("over_cap", .string(digits32 + "2")),
                    ("overflow", .string("1e309")), ("over_exponent_cap", .string("1e-401")), ("zero_far", .string("0e-99999")),
                    ("past_numeric", .string("1e131072")), ("past_int", .string("1e99999999999999999999")),
                    ("int_min", .string("1e-9223372036854775808")),
                ]))
    }

    @Test func encodingEscapesAndRoundTripsThroughTheParser() throws {
        let tricky = "q\"b\\n\nt\t\u{01}<b>&ğüş😀\u{2028}/"
        let value = MetadataSanitizer.sanitize([
            ("k", .string(tricky)), ("list", .array([.bool(true), .number("-0.5")])),
            ("obj", .object([("id", .string("x"))])),
        ])
        let text = MetadataSanitizer.encode(value)
        #expect(text == #"{"k":"q\"b\\n\nt\t\u0001\u003cb\u003e\u0026ğüş😀\u2028/","list":[true,-0.5],"obj":{"id":"x"}}"#)
        let parsed = try JSONParser.parseFirst(Array(text.utf8))
        #expect(parsed.trailing == false)
        #expect(parsed.value == value)
    }

    @Test func everyControlCharacterIsEscaped() throws {
        var raw = String.UnicodeScalarView()
        for v in UInt32(0)..<0x20 { raw.append(Unicode.Scalar(v)!) }
        let value: JSONValue = .object([("c", .string("x" + String(raw) + "y"))])
        let text = MetadataSanitizer.encode(value)
        #expect(!text.utf8.contains { $0 < 0x20 })
        #expect(text.hasPrefix(#"{"c":"x\u0000\u0001"#))
        #expect(try JSONParser.parseFirst(Array(text.utf8)).value == value)
    }

    // MARK: Number text

    @Test func doublesAreWrittenLikeGo() {
        #expect(CompactJSON.number(100) == "100")
        #expect(CompactJSON.number(92.5) == "92.5")
        #expect(CompactJSON.number(0.01) == "0.01")
        #expect(CompactJSON.number(-3.25) == "-3.25")
        #expect(CompactJSON.number(0.000001) == "0.000001")
        #expect(CompactJSON.number(0.0000001) == "1e-7")
        #expect(CompactJSON.number(1e21) == "1e+21")
        #expect(CompactJSON.number(1.2345678901234568e20) == "123456789012345680000")
        #expect(CompactJSON.number(1e16) == "10000000000000000")
        #expect(CompactJSON.number(0) == "0")
        #expect(CompactJSON.number(.nan) == "0")
    }
}
