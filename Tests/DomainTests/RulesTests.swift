import Domain
import Testing

/// Text helpers and input rules.
@Suite struct RulesTests {
    @Test func truncationCountsRunesAndTrims() {
        #expect("  çalışma saati  ".truncatedRunes(7) == "çalışma")
        #expect(" abc ".truncatedRunes(0) == "abc")
        #expect("a  \n b\tc ".collapsingWhitespace() == "a b c")
    }

    @Test func personaUpdateRequiresPositiveQuotas() {
        let fields = PersonaFields(
            name: "n", bio: "", tone: "", writingSamples: ["a", "b", "c"], doNotSay: [], catchphrases: [],
            preferredLanguage: "tr", formality: 0, dailyDraftQuota: 0, dailyReplyQuota: 1)
        #expect(throws: DomainError.invalid("quotas must be positive")) { try PersonaRules.normalize(fields, mode: .update) }
        let created = try? PersonaRules.normalize(fields, mode: .create(defaultDraftQuota: 7, defaultReplyQuota: 9))
        #expect(created?.dailyDraftQuota == 7)
        #expect(created?.dailyReplyQuota == 1)
    }

    @Test func badgesFollowContractOrder() {
        #expect(ProfileRules.badges(language: "tr", tone: "calm", formality: 2) == ["Public Persona", "TR", "Tone: calm", "Formal"])
        #expect(ProfileRules.badges(language: "", tone: " ", formality: 1) == ["Public Persona", "Conversational"])
    }

    @Test func signupRulesCountBytes() {
        #expect(throws: DomainError.invalid("invalid email or password")) { try AuthRules.validateSignup(email: "a@b", password: "ççç") }
        #expect(throws: Never.self) { try AuthRules.validateSignup(email: "a@b", password: "çççç") }
    }
}

/// The `/p/{slug}/posts` cursor.
@Suite struct PostCursorTests {
    @Test func roundTripsAndParsesExtremesWithoutOverflow() throws {
        let cursor = PostCursor(createdAt: Timestamp(microseconds: 1_700_000_000_123_456), postID: "0b7c0f5e-1d2a-4c3b-9e8f-0a1b2c3d4e5f")
        #expect(try PostCursor.parse(cursor.encoded) == cursor)
        #expect(cursor.encoded == "1700000000123456000|0b7c0f5e-1d2a-4c3b-9e8f-0a1b2c3d4e5f")
        let id = String(repeating: "a", count: 36)
        #expect(try PostCursor.parse("-9223372036854775808|\(id)")?.createdAt.microseconds == -9_223_372_036_854_776)
        #expect(try PostCursor.parse("9223372036854775807|\(id)")?.createdAt.storageString == "2262-04-11T23:47:16.854775Z")
        #expect(try PostCursor.parse("-1|\(id)")?.createdAt.microseconds == -1, "floor, so no post at the boundary is skipped")
        #expect(try PostCursor.parse("  ") == nil)
        for bad in ["x", "1", "1|short", "a|\(id)", "99999999999999999999|\(id)", "+1|\(id)", "--1|\(id)", "1 |\(id)", "1e3|\(id)", "١|\(id)"] {
            #expect(throws: DomainError.invalid("invalid cursor")) { try PostCursor.parse(bad) }
        }
    }
}

/// Integers in paths and queries: plain decimal digits, bounded to Int64.
@Suite struct DecimalTextTests {
    @Test func onlyPlainDigitsWithAnOptionalMinusParse() {
        #expect(DecimalText.parse("0") == .value(0))
        #expect(DecimalText.parse("007") == .value(7))
        #expect(DecimalText.parse("9223372036854775807") == .value(.max))
        #expect(DecimalText.parse("9223372036854775808") == .outOfRange(negative: false))
        #expect(DecimalText.parse("-9223372036854775808", allowNegative: true) == .value(.min))
        #expect(DecimalText.parse("-9223372036854775809", allowNegative: true) == .outOfRange(negative: true))
        #expect(DecimalText.parse("-1") == .notANumber, "a sign only where the caller allows it")
        for bad in ["", "+1", " 1", "1 ", "1e3", "0x10", "1_000", "١٢", "１", "-", "--1", "+", "1.0"] {
            #expect(DecimalText.parse(bad, allowNegative: true) == .notANumber, "\(bad)")
        }
    }

    @Test func notificationIdsAndLimitsUseTheDecimalRule() throws {
        #expect(try NotificationRules.id("42") == 42)
        #expect(try NotificationRules.id("9223372036854775807") == .max)
        for bad in ["+1", "0", "-1", " 1", "1 ", "9223372036854775808", "1e2", "", "٣"] {
            #expect(throws: DomainError.invalid("notification id is invalid"), "\(bad)") { try NotificationRules.id(bad) }
        }
        #expect(try NotificationRules.limit(nil) == 20)
        #expect(try NotificationRules.limit("") == 20)
        #expect(try NotificationRules.limit("100") == 100)
        for bad in ["+5", " 5", "5 ", "5e1", "x", "0x10"] {
            #expect(throws: DomainError.invalid("limit must be a number"), "\(bad)") { try NotificationRules.limit(bad) }
        }
        for out in ["0", "101", "-5", "99999999999999999999", "-99999999999999999999"] {
            #expect(throws: DomainError.invalid("limit must be between 1 and 100"), "\(out)") { try NotificationRules.limit(out) }
        }
    }
}
