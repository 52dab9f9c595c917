import Domain
import Testing

/// `BattleTopic` (DECISIONS 27): the one topic of a battle on every surface.
@Suite struct BattleTopicTests {
    static let created = BattleRules.content(
        topic: "Go vs Rust", templateName: "Claim/Evidence 6 turns", pro: "Bold and practical", con: "Skeptical", maxLength: 1200)

    @Test func aCreatedBattlesTopicIsWhatWasTyped() {
        #expect(BattleTopic.extract(Self.created) == "Go vs Rust")
        #expect(BattleTopic.capped(Self.created) == "Go vs Rust")
    }

    @Test func theTopicLineIsFoundAnywhereIgnoringCaseAndSurroundingSpace() {
        #expect(BattleTopic.extract("Opening words\n\n   tOpIc:   Tabs or spaces   \nTemplate: x") == "Tabs or spaces")
        #expect(BattleTopic.extract("Topic: Windows lines\r\nTemplate: x") == "Windows lines")
        #expect(BattleTopic.extract("Topic:\nTOPIC: the second line\n") == "the second line")
        #expect(BattleTopic.extract("Topics: not a topic line. Rest") == "Topics: not a topic line.")
    }

    @Test func withoutATopicLineItIsTheFirstSentenceThenAFixedText() {
        #expect(BattleTopic.extract("  \"Ship on Fridays?\" Maybe not.") == "Ship on Fridays?")
        #expect(BattleTopic.extract(String(repeating: "word ", count: 40)).unicodeScalars.count <= BattleTopic.sentenceRunes)
        #expect(BattleTopic.extract(" \n\t ") == "Battle discussion")
        #expect(BattleTopic.extract("Topic:   ") == "Topic:")
    }

    @Test func eachSurfaceKeepsItsOwnCap() {
        let long = "Topic: " + String(repeating: "ğ", count: 200)
        #expect(BattleTopic.capped(long) == String(repeating: "ğ", count: 180))
        #expect(BattleTopic.capped(long, maxRunes: BattleTopic.digestMaxRunes) == String(repeating: "ğ", count: 140))
    }

    @Test func aRemixNeverDoublesThePrefix() {
        let remix = BattleRules.content(
            topic: BattleTopic.capped(Self.created), templateName: "t", pro: "p", con: "c", maxLength: 1200)
        #expect(remix.hasPrefix("Topic: Go vs Rust\n"))
        #expect(BattleTopic.capped(remix) == "Go vs Rust")
    }

    @Test func theCardSummaryUsesTheSameTopic() {
        let summary = BattleSummary(content: Self.created, personaName: nil, replies: [])
        #expect(summary.topic == "Go vs Rust")
    }
}
