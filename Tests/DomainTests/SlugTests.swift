import Domain
import Testing

/// Slug normalisation and uniqueness candidates (at most 64 bytes, even with a `-N` suffix).
@Suite struct SlugTests {
    @Test(arguments: [
        ("QA Persona", "qa-persona"), ("A.B", "ab"), ("foo -- bar", "foo-bar"), ("Zoë!", "zo"),
        ("  __Hello__World__ ", "hello-world"), ("Çağrı Öz", "ar-z"), ("", ""), ("---", ""),
    ])
    func normalizeMatchesContractExamples(input: String, expected: String) {
        #expect(Slug.normalize(input) == expected)
    }

    @Test func normalizeCutsTo64BytesAndTrimsDashes() {
        let long = String(repeating: "a", count: 63) + "-bcd"
        let slug = Slug.normalize(long)
        #expect(slug.utf8.count <= 64)
        #expect(!slug.hasSuffix("-"))
    }

    @Test func candidatesKeepSuffixWithinLimit() {
        let base = String(repeating: "x", count: 64)
        #expect(Slug.candidate(base: base, attempt: 1) == base)
        let c = Slug.candidate(base: base, attempt: 200)
        #expect(c.utf8.count == 64)
        #expect(c.hasSuffix("-200"))
        #expect(Slug.candidate(base: "short", attempt: 2) == "short-2")
    }
}
