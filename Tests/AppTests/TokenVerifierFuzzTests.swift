import Crypto
import Domain
import Foundation
import TestSupport
import Testing

@testable import App

/// The login-token verifier on hostile input: it answers with a user or `unauthorized`, and never traps.
@Suite struct TokenVerifierFuzzTests {
    static let userID = "6f1c2d3e-4b5a-4c6d-8e7f-8091a2b3c4d5"

    /// A compact JWS with the test secret's HS256 signature over exactly these header and payload texts (so the
    /// claims, not the signature, are what is tested), or a junk signature when `sign` is false.
    static func jws(header: String, payload: String, sign: Bool = true, secret: String = TestApp.secret) -> String {
        let input = base64URL(Data(header.utf8)) + "." + base64URL(Data(payload.utf8))
        guard sign else { return input + "." + base64URL(Data("not a signature".utf8)) }
        let mac = HMAC<SHA256>.authenticationCode(for: Data(input.utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return input + "." + base64URL(Data(mac))
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static let hs256 = #"{"alg":"HS256","typ":"JWT"}"#

    /// Runs `token` through the verifier: "user", "unauthorized", or a description of anything else.
    static func outcome(_ service: TokenService, _ token: String) async -> String {
        do {
            _ = try await service.verify(token)
            return "user"
        } catch DomainError.unauthorized {
            return "unauthorized"
        } catch {
            return "unexpected: \(error)"
        }
    }

    @Test func extremeTimeClaimsAreRefusedInsteadOfTrapping() async throws {
        let clock = ManualClock()
        let service = await TokenService(secret: TestApp.secret, clock: clock)
        let now = clock.now().unixSeconds
        func claims(_ times: String) -> String { #"{"user_id":"\#(Self.userID)",\#(times)}"# }
        let refused = [
            #""exp":10000000000000"#, // the reported crash: 10^13 s overflowed the microsecond conversion
            #""exp":1e19"#, #""exp":9223372036854775807"#, #""exp":18446744073709551616"#, #""exp":1.7976931348623157e308"#,
            #""exp":1e400"#, #""exp":-1e308"#, #""exp":-9223372036854775808"#, #""exp":0"#, #""exp":-0.0"#, #""exp":"soon""#,
            #""exp":null"#, #""exp":true"#, #""exp":[1]"#, #""exp":{"n":1}"#,
            #""exp":\#(now + 24 * 3600 + 61)"#, // longer than a login token ever lives
            #""exp":\#(now + 3600),"iat":\#(now + 61)"#, // issued more than a minute in the future
            #""exp":\#(now + 3600),"iat":1e300"#, #""exp":\#(now + 3600),"iat":-1e300"#,
            #""exp":\#(now + 3600),"iat":\#(now - 3 * 24 * 3600)"#, // issued long before its expiry allows
            #""exp":\#(now + 3600),"nbf":\#(now + 1)"#, #""exp":\#(now + 3600),"nbf":1e19"#, #""exp":\#(now + 3600),"nbf":-1e19"#,
            #""exp":\#(now + 3600),"iat":"yesterday""#,
        ]
        for times in refused {
            let token = Self.jws(header: Self.hs256, payload: claims(times))
            #expect(await Self.outcome(service, token) == "unauthorized", "\(times)")
        }
        let accepted = [
            #""exp":\#(now + 1)"#, #""exp":\#(now + 24 * 3600 + 60)"#, #""exp":\#(now + 3600).5"#,
            #""exp":\#(now + 3600),"iat":\#(now + 59)"#, #""exp":\#(now + 24 * 3600),"iat":\#(now),"nbf":\#(now)"#,
        ]
        for times in accepted {
            let token = Self.jws(header: Self.hs256, payload: claims(times))
            #expect(await Self.outcome(service, token) == "user", "\(times)")
        }
        let issued = try await service.issue(userID: Self.userID)
        #expect(try await service.verify(issued.token).userID == Self.userID, "the tokens the server issues still pass")
    }

    @Test func randomAndAdversarialTokensOnlyEverGiveAUserOrUnauthorized() async throws {
        let clock = ManualClock()
        let service = await TokenService(secret: TestApp.secret, clock: clock)
        var fuzz = TokenFuzzer(seed: 0x5EED_0014, now: clock.now().unixSeconds)
        var counts: [String: Int] = [:]
        for round in 0..<3000 {
            let token = fuzz.token(round)
            let result = await Self.outcome(service, token)
            counts[result, default: 0] += 1
            if result != "user" && result != "unauthorized" {
                Issue.record("round \(round): \(result) for \(token.prefix(300))")
            }
        }
        #expect(counts.keys.sorted() == ["unauthorized", "user"], "\(counts)")
        #expect((counts["user"] ?? 0) > 50, "the generator also makes valid tokens, so acceptance is exercised: \(counts)")
    }
}

/// SplitMix64: a tiny seeded generator, so every run tries the same tokens and a failure can be replayed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Makes hostile tokens: random bytes, bad base64, foreign algorithms, and correctly signed tokens whose claims
/// hold extreme numbers, wrong types and huge strings.
struct TokenFuzzer {
    var rng: SplitMix64
    let now: Int64

    init(seed: UInt64, now: Int64) {
        rng = SplitMix64(seed: seed)
        self.now = now
    }

    mutating func pick<T>(_ items: [T]) -> T { items[Int.random(in: 0..<items.count, using: &rng)] }

    mutating func randomText(maxLength: Int, alphabet: [Character]) -> String {
        String((0..<Int.random(in: 0...maxLength, using: &rng)).map { _ in pick(alphabet) })
    }

    static let base64Alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    static let noise = Array("ABCxyz019-_+/=.%\\\"{}[]:, \t\n\u{0}\u{7F}éş😀\u{200B}\u{FEFF}")

    mutating func number() -> String {
        let extremes = [
            "0", "-0", "1", "-1", "0.5", "1e13", "1e19", "-1e19", "9223372036854775807", "9223372036854775808",
            "-9223372036854775809", "18446744073709551616", "1e308", "-1e308", "1.7976931348623157e308", "1e400", "-1e400",
            "5e-324", "1e-400", "123456789012345678901234567890", "\(now)", "\(now + 1)", "\(now - 1)", "\(now + 60)",
            "\(now + 61)", "\(now + 86_400)", "\(now + 86_461)", "\(now).999", "\(now + 3600)e0",
        ]
        switch Int.random(in: 0..<3, using: &rng) {
        case 0: return pick(extremes)
        case 1: return String(Int64.random(in: .min ... .max, using: &rng))
        default: return "\(Double.random(in: -1e12...1e12, using: &rng))"
        }
    }

    mutating func value(depth: Int = 0) -> String {
        switch Int.random(in: 0..<(depth > 2 ? 5 : 7), using: &rng) {
        case 0, 1: return number()
        case 2: return "\"" + randomText(maxLength: 20, alphabet: Self.base64Alphabet) + "\""
        case 3: return pick(["true", "false", "null", "\"\"", "\"\\u0000\"", "\"\\ud800\""])
        case 4: return "\"" + String(repeating: "x", count: pick([0, 1, 1000, 100_000])) + "\""
        case 5: return "[" + (0..<Int.random(in: 0...3, using: &rng)).map { _ in value(depth: depth + 1) }.joined(separator: ",") + "]"
        default:
            return "{" + (0..<Int.random(in: 0...3, using: &rng)).map { _ in "\"k\":" + value(depth: depth + 1) }.joined(separator: ",") + "}"
        }
    }

    /// A claims object: often a plausible one with one field made hostile, sometimes entirely random.
    mutating func claims() -> String {
        var fields: [String: String] = [
            "user_id": "\"\(TokenVerifierFuzzTests.userID)\"", "exp": "\(now + Int64.random(in: 1...86_400, using: &rng))",
        ]
        if Bool.random(using: &rng) { fields["iat"] = "\(now - Int64.random(in: 0...600, using: &rng))" }
        for _ in 0..<Int.random(in: 0...3, using: &rng) {
            let key = pick(["exp", "iat", "nbf", "user_id", "sub", "extra"])
            fields[key] = Bool.random(using: &rng) ? number() : value()
        }
        if Int.random(in: 0..<10, using: &rng) == 0 { fields.removeValue(forKey: "exp") }
        return "{" + fields.map { "\"\($0.key)\":\($0.value)" }.joined(separator: ",") + "}"
    }

    mutating func token(_ round: Int) -> String {
        switch round % 6 {
        case 0: // random bytes, sometimes dotted like a JWT
            return randomText(maxLength: 400, alphabet: Self.noise)
        case 1: // three random base64url segments, with bad base64 now and then
            return (0..<3).map { _ in randomText(maxLength: 200, alphabet: Self.base64Alphabet + ["=", "+", "/", "*"]) }
                .joined(separator: ".")
        case 2: // foreign or missing algorithms over plausible claims
            let header = pick([
                #"{"alg":"none","typ":"JWT"}"#, #"{"alg":"HS384","typ":"JWT"}"#, #"{"alg":"RS256","typ":"JWT"}"#,
                #"{"alg":"hs256"}"#, #"{"typ":"JWT"}"#, #"{"alg":["HS256"]}"#, #"{"alg":"HS256","kid":"\#(String(repeating: "k", count: 5000))"}"#,
                "[]", "null", "{",
            ])
            let token = TokenVerifierFuzzTests.jws(header: header, payload: claims())
            return header.contains("none") && Bool.random(using: &rng)
                ? String(token.prefix { $0 != "." }) + "." + token.split(separator: ".")[1] + "." : token
        case 3: // correctly signed, hostile claims
            return TokenVerifierFuzzTests.jws(header: TokenVerifierFuzzTests.hs256, payload: claims())
        case 4: // correctly signed, payload that is not a claims object at all
            return TokenVerifierFuzzTests.jws(header: TokenVerifierFuzzTests.hs256, payload: value())
        default: // plausible claims with a broken signature, or signed with another key
            let sign = Bool.random(using: &rng)
            return TokenVerifierFuzzTests.jws(
                header: TokenVerifierFuzzTests.hs256, payload: claims(), sign: sign,
                secret: "another-secret-0123456789-abcdefghijklmnopqrstuvwxyz")
        }
    }
}
