import Domain
import Testing

/// DECISIONS 29's email and password rules, and the email normalisation accounts are stored and compared by.
@Suite struct AuthRulesTests {
    @Test func emailsAreTrimmedLowercasedAndComposed() {
        #expect(AuthRules.normalizeEmail("  Bob@Example.COM \n") == "bob@example.com")
        let decomposed = AuthRules.normalizeEmail("Jose\u{301}@example.com")
        let composed = AuthRules.normalizeEmail("jos\u{E9}@example.com")
        #expect(Array(decomposed.utf8) == Array(composed.utf8), "NFD and NFC spellings store as the same bytes")
        #expect(Array(decomposed.unicodeScalars) == ["j", "o", "s", "\u{E9}", "@", "e", "x", "a", "m", "p", "l", "e", ".", "c", "o", "m"])
        #expect(AuthRules.normalizeEmail(AuthRules.normalizeEmail("ÉLAN@X.IO")) == AuthRules.normalizeEmail("ÉLAN@X.IO"), "idempotent")
        #expect(AuthRules.validEmail("  JOSE\u{301}@Example.com ") == "jos\u{E9}@example.com")
    }

    @Test func wellFormedAddressesPass() {
        for good in ["a@b", "a@b.c", "first.last+tag@sub.example.co.uk", "o'brien@x.io", "ü@münchen.de", "1@2.3"] {
            #expect(AuthRules.validEmail(good) != nil, "\(good)")
        }
        let local = String(repeating: "a", count: 254 - "@x.io".utf8.count)
        #expect(AuthRules.validEmail(local + "@x.io") != nil, "254 bytes is the limit")
        #expect(AuthRules.validEmail("a" + local + "@x.io") == nil, "255 bytes is one too many")
    }

    @Test func malformedAddressesFail() {
        let bad = [
            "", "   ", "@", "@@@", "a@", "@b.c", "a@@b.c", "a@b@c", "nobody", "a@.b", "a@b.", "a@b..c", "a b@c.d", "a@b c.d",
            "a\r\n@b.c", "a@b.c\r\nBcc: x@y.z", "a\t@b.c", "<script>@x.io", "a@<b>.c", "\"quoted\"@x.io", "a,b@c.d", "a;b@c.d",
            "a:b@c.d", "a(b)@c.d", "a[b]@c.d", "a\\b@c.d", "zero\u{200B}width@x.io", "join\u{200D}er@x.io", "bidi\u{202E}moc.x@y.io",
            "bom\u{FEFF}@x.io", "nul\u{0}@x.io", "del\u{7F}@x.io", "nbsp\u{A0}@x.io", "line\u{2028}@x.io", "private\u{E000}@x.io",
            String(repeating: "a", count: 60_000) + "@x.io",
        ]
        for email in bad { #expect(AuthRules.validEmail(email) == nil, "\(email.debugDescription)") }
    }

    @Test func passwordsAreEightToSeventyTwoBytesAndNotOnlyWhitespace() {
        let invalid = DomainError.invalid("invalid email or password")
        #expect(throws: Never.self) { try AuthRules.validatePassword("12345678") }
        #expect(throws: Never.self) { try AuthRules.validatePassword(" pass word ") }
        #expect(throws: Never.self) { try AuthRules.validatePassword(String(repeating: "p", count: 72)) }
        #expect(throws: invalid) { try AuthRules.validatePassword("1234567") }
        #expect(throws: invalid) { try AuthRules.validatePassword("        ") }
        #expect(throws: invalid) { try AuthRules.validatePassword("\t\n \u{3000}\u{A0}   \u{2003}") }
        #expect(throws: invalid) { try AuthRules.validatePassword(String(repeating: " ", count: 100)) }
        #expect(throws: DomainError.invalid("password must be at most 72 bytes")) {
            try AuthRules.validatePassword(String(repeating: "p", count: 73))
        }
        #expect(throws: DomainError.invalid("password must be at most 72 bytes")) {
            try AuthRules.validatePassword(String(repeating: "ç", count: 37))
        }
    }

    @Test func signupValidationReturnsTheNormalisedEmail() throws {
        #expect(try AuthRules.validateSignup(email: " A@B.C ", password: "password") == "a@b.c")
        #expect(throws: DomainError.invalid("invalid email or password")) { try AuthRules.validateSignup(email: "@", password: "password") }
        #expect(throws: DomainError.invalid("invalid email or password")) { try AuthRules.validateSignup(email: "a@b.c", password: "        ") }
    }
}
