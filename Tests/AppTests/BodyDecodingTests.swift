import HTTPTypes
import HummingbirdTesting
import TestSupport
import Testing

/// Strict body decoding and body caps through real routes.
@Suite struct BodyDecodingTests {
    @Test func malformedUnknownTrailingAndWrongTypesAre400s() async throws {
        try await TestApp.withRouter { client, _ in
            let cases: [(String?, String)] = [
                (nil, "EOF"),
                ("", "EOF"),
                ("   ", "EOF"),
                ("{", "unexpected EOF"),
                ("xyz", "invalid character 'x' looking for beginning of value"),
                (#"{"email":"a@b.c","password":"password1","admin":true}"#, #"json: unknown field "admin""#),
                (#"{"email":"a@b.c","password":"password1"} {}"#, "request body must contain a single JSON object"),
                (#"{"email":"a@b.c","password":"password1"}x"#, "request body must contain a single JSON object"),
                (#"{"email":5,"password":"password1"}"#, nil ?? "json: cannot unmarshal number into Go struct field .email of type string"),
                ("[1,2]", "json: cannot unmarshal array into Go value of type object"),
            ]
            for (body, message) in cases {
                let r = try await client.send(.post, "/auth/signup", json: body)
                #expect(r.status == .badRequest, "\(body ?? "nil")")
                #expect(r.errorMessage == message, "\(body ?? "nil")")
                #expect(r.headers[.contentType] == "application/json")
            }
        }
    }

    @Test func nullBodyMeansAllFieldsZeroThenValidates() async throws {
        try await TestApp.withRouter { client, _ in
            let r = try await client.send(.post, "/auth/signup", json: "null")
            #expect(r.status == .badRequest)
            #expect(r.errorMessage == "invalid email or password")
        }
    }

    @Test func integerFieldsRejectFractionsAndStrings() async throws {
        try await TestApp.withRouter { client, _ in
            let (token, _) = try await client.signup()
            for bad in [#","formality":1.5"#, #","formality":1.0"#, #","formality":"2""#, #","daily_draft_quota":1e2"#] {
                let json = TestJSON.persona(extra: bad).replacingOccurrences(of: #","formality":2}"#, with: "}")
                let r = try await client.send(.post, "/personas", token: token, json: json)
                #expect(r.status == .badRequest, "\(bad)")
                #expect(r.errorMessage?.hasPrefix("json: cannot unmarshal") == true, "\(bad)")
            }
        }
    }

    @Test func publicRoutesCapBodiesAt64KiBAndOthersAt1MiB() async throws {
        try await TestApp.withRouter { client, _ in
            let big = #"{"email":"a@b.c","password":""# + String(repeating: "x", count: 70_000) + #""}"#
            let r = try await client.send(.post, "/auth/signup", json: big)
            #expect(r.status == .badRequest)
            #expect(r.errorMessage == "request body too large")

            let (token, _) = try await client.signup()
            let bio = String(repeating: "b", count: 70_000)
            let overPublicCap = try await client.send(
                .post, "/personas", token: token,
                json: TestJSON.persona().replacingOccurrences(of: "\" A bio \"", with: "\"\(bio)\""))
            #expect(overPublicCap.errorMessage == "bio must be <= 1000 chars", "a 70 KB body passes the 1 MiB cap and meets the field rule")
            let huge = String(repeating: "h", count: 1_100_000)
            let tooBig = try await client.send(
                .post, "/personas", token: token,
                json: TestJSON.persona().replacingOccurrences(of: "\" A bio \"", with: "\"\(huge)\""))
            #expect(tooBig.status == .badRequest)
            #expect(tooBig.errorMessage == "request body too large")
        }
    }

    @Test func configuredCapIsHonoured() async throws {
        try await TestApp.withRouter(["PUBLIC_BODY_MAX_BYTES": "64"]) { client, _ in
            let r = try await client.send(.post, "/auth/login", json: #"{"email":"someone-long@example.com","password":"password-long-enough"}"#)
            #expect(r.errorMessage == "request body too large")
        }
    }
}
