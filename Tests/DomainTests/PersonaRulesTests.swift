import Domain
import Testing

/// DECISIONS 29's bounds on persona fields, with the contract's messages, applied in the contract's order.
@Suite struct PersonaRulesTests {
    private func fields(
        name: String = "n", bio: String = "", tone: String = "", doNotSay: [String] = [], catchphrases: [String] = [],
        draft: Int = 0, reply: Int = 0
    ) -> PersonaFields {
        PersonaFields(
            name: name, bio: bio, tone: tone, writingSamples: ["a", "b", "c"], doNotSay: doNotSay, catchphrases: catchphrases,
            preferredLanguage: "en", formality: 1, dailyDraftQuota: draft, dailyReplyQuota: reply)
    }

    private let create = PersonaRules.Mode.create(defaultDraftQuota: 5, defaultReplyQuota: 25)

    private func rejects(_ message: String, _ input: PersonaFields, mode: PersonaRules.Mode? = nil, max: Int = 1000) {
        #expect(throws: DomainError.invalid(message)) { try PersonaRules.normalize(input, mode: mode ?? create, maxDailyQuota: max) }
    }

    private func accepts(_ input: PersonaFields, mode: PersonaRules.Mode? = nil, max: Int = 1000) -> PersonaFields? {
        #expect(throws: Never.self) { try PersonaRules.normalize(input, mode: mode ?? create, maxDailyQuota: max) }
        return try? PersonaRules.normalize(input, mode: mode ?? create, maxDailyQuota: max)
    }

    @Test func textFieldsAreBoundedInRunesAfterTrimming() throws {
        let eighty = String(repeating: "ç", count: 80)
        #expect(accepts(fields(name: "  \(eighty)  ", tone: eighty))?.name == eighty, "80 two-byte runes are 80, not 160")
        rejects("name must be <= 80 chars", fields(name: eighty + "x"))
        rejects("tone must be <= 80 chars", fields(tone: eighty + "x"))
        #expect(accepts(fields(bio: String(repeating: "b", count: 1000))) != nil)
        rejects("bio must be <= 1000 chars", fields(bio: String(repeating: "b", count: 1001)))
        rejects("name is required", fields(name: "   ", bio: String(repeating: "b", count: 5000)))
        rejects("name must be <= 80 chars", fields(name: String(repeating: "n", count: 900_000), bio: String(repeating: "b", count: 100_000)))
        #expect(throws: DomainError.invalid("bio must be <= 1000 chars")) { try PersonaRules.bio(String(repeating: "é", count: 1001)) }
        #expect(try PersonaRules.bio("  short  ") == "short")
    }

    @Test func listsHoldAtMostTwentyKeptItems() {
        let twenty = (1...20).map { "item \($0)" }
        #expect(accepts(fields(doNotSay: twenty + ["  ", ""], catchphrases: twenty))?.doNotSay.count == 20, "blank items are dropped first")
        rejects("do_not_say must have at most 20 items", fields(doNotSay: twenty + ["21"]))
        rejects("catchphrases must have at most 20 items", fields(catchphrases: twenty + ["21"]))
        rejects("do_not_say items must be <= 120 chars", fields(doNotSay: [String(repeating: "x", count: 121)]))
        rejects("catchphrases items must be <= 80 chars", fields(catchphrases: [String(repeating: "x", count: 81)]))
        rejects("do_not_say must have at most 20 items", fields(doNotSay: Array(repeating: "x", count: 10_000)))
    }

    @Test func dailyQuotasLieBetweenZeroAndTheConfiguredMaximum() {
        #expect(accepts(fields(draft: 1000, reply: 1000))?.dailyDraftQuota == 1000)
        rejects("daily_draft_quota must be between 0 and 1000", fields(draft: 1001))
        rejects("daily_reply_quota must be between 0 and 1000", fields(reply: Int.max))
        rejects("daily_draft_quota must be between 0 and 1000", fields(draft: -1), mode: .update)
        rejects("daily_reply_quota must be between 0 and 1000", fields(reply: Int.min))
        rejects("daily_draft_quota must be between 0 and 7", fields(draft: 8), max: 7)
        let defaulted = accepts(fields(draft: 0, reply: 3))
        #expect(defaulted?.dailyDraftQuota == 5 && defaulted?.dailyReplyQuota == 3, "0 on create still takes the default")
        rejects("quotas must be positive", fields(draft: 0, reply: 3), mode: .update)
        #expect(accepts(fields(draft: 2, reply: 3), mode: .update) != nil)
    }

    @Test func thePersonaCapIsAConflict() {
        #expect(throws: Never.self) { try PersonaRules.checkCapacity(existing: 49, max: 50) }
        #expect(throws: DomainError.conflict("persona limit reached")) { try PersonaRules.checkCapacity(existing: 50, max: 50) }
        #expect(throws: DomainError.conflict("persona limit reached")) { try PersonaRules.checkCapacity(existing: 1500, max: 50) }
    }
}
