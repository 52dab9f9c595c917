import Domain
import Testing

/// UUID validation (versions 1–5, RFC variant, lower-cased).
@Suite struct IdentifierTests {
    @Test func acceptsVersions1To5AndLowerCases() throws {
        #expect(try Identifiers.uuid(" 0B7C0F5E-1D2A-4C3B-9E8F-0A1B2C3D4E5F ", label: "x") == "0b7c0f5e-1d2a-4c3b-9e8f-0a1b2c3d4e5f")
        #expect(Identifiers.isValidUUID("0b7c0f5e-1d2a-1c3b-8e8f-0a1b2c3d4e5f"))
        #expect(Identifiers.isValidUUID("0b7c0f5e-1d2a-5c3b-be8f-0a1b2c3d4e5f"))
    }

    @Test(arguments: [
        "00000000-0000-0000-0000-000000000000", "0190f5c4-8c1a-7b3e-9c2d-1a2b3c4d5e6f",
        "0b7c0f5e-1d2a-4c3b-ce8f-0a1b2c3d4e5f", "0b7c0f5e1d2a4c3b9e8f0a1b2c3d4e5f", "g b7c0f5e-1d2a-4c3b-9e8f-0a1b2c3d4e5",
        "0b7c0f5e-1d2a-4c3b-9e8f-0a1b2c3d4e5f0",
    ])
    func rejectsNilV7BadVariantAndMalformed(value: String) {
        #expect(throws: DomainError.invalid("post id is invalid")) { try Identifiers.uuid(value, label: "post id") }
    }

    @Test func blankIsRequired() {
        #expect(throws: DomainError.invalid("room id is required")) { try Identifiers.uuid("  ", label: "room id") }
    }

    @Test func generatedIdsAreValidV4AndUnique() {
        let ids = (0..<1000).map { _ in Identifiers.newUUID() }
        #expect(Set(ids).count == 1000)
        #expect(ids.allSatisfy { Identifiers.isValidUUID($0) && $0 == $0.lowercased() && Array($0)[14] == "4" })
        // Every random digit takes several values over 1,000 ids (each of the 16 bytes comes from the generator).
        let digits = ids.map { Array($0.filter { $0 != "-" }) }
        for position in 0..<32 where position != 12 {
            #expect(Set(digits.map { $0[position] }).count > (position == 16 ? 3 : 8), "hex digit \(position)")
        }
    }
}
