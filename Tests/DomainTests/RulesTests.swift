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
        #expect(try PostCursor.parse("-1|\(id)")?.createdAt.microseconds == -1, "floor, so no post at the boundary is skipped")
        #expect(try PostCursor.parse("  ") == nil)
        for bad in ["x", "1", "1|short", "a|\(id)", "99999999999999999999|\(id)"] {
            #expect(throws: DomainError.invalid("invalid cursor")) { try PostCursor.parse(bad) }
        }
    }
}
