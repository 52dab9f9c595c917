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
        let fields = PersonaFields(name: "n", bio: "", tone: "", writingSamples: ["a", "b", "c"], doNotSay: [], catchphrases: [],
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
