import Foundation
import Testing

@testable import PostgresStorage

/// Ids as the PostgreSQL store reads and orders them: `parse` accepts exactly the lower-case canonical text and gives
/// the UUID Foundation gives; `precedes` is the order of the ids' text, which is PostgreSQL's `uuid` order.
@Suite struct StoreIDTests {
    @Test func parseGivesFoundationsUUIDForEveryLowerCaseCanonicalId() {
        for _ in 0..<2_000 {
            let id = UUID()
            #expect(StoreID.parse(id.uuidString.lowercased()) == id)
        }
        #expect(StoreID.parse("00000000-0000-0000-0000-000000000000") == UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)))
        #expect(StoreID.parse("ffffffff-ffff-ffff-ffff-ffffffffffff") == UUID(uuidString: "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF"))
    }

    @Test func parseRefusesEverythingElse() {
        let id = "0f8fad5b-d9cb-469f-a165-70867728950e"
        #expect(StoreID.parse(id) != nil)
        let refused = [
            id.uppercased(), "", String(id.dropLast()), id + "0", id.replacingOccurrences(of: "-", with: ""),
            "0f8fad5b-d9cb-469f-a165-70867728950g", "0f8fad5b-d9cb-469f-a165-7086772895 e", "0f8fad5bd-9cb-469f-a165-70867728950e",
            "0f8fad5b_d9cb-469f-a165-70867728950e", "{f8fad5b-d9cb-469f-a165-70867728950e", "0f8fad5b-d9cb-469f-a165-70867728950é",
        ]
        for text in refused { #expect(StoreID.parse(text) == nil, "\(text)") }
    }

    @Test func precedesIsTheOrderOfTheIdsText() {
        var ids = (0..<500).map { _ in UUID() }
        // Ids that differ only late, and in both halves of a byte.
        ids += ["0f8fad5b-d9cb-469f-a165-70867728950e", "0f8fad5b-d9cb-469f-a165-70867728950f", "0f8fad5b-d9cb-469f-a165-70867728951e"]
            .compactMap(UUID.init(uuidString:))
        for a in ids.prefix(60) {
            for b in ids { #expect(StoreID.precedes(a, b) == (a.uuidString < b.uuidString)) }
        }
        #expect(ids.sorted(by: StoreID.precedes).map(\.uuidString) == ids.map(\.uuidString).sorted())
    }
}
