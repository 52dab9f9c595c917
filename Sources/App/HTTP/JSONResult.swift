import Domain
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// A JSON response: a DTO, a status, and optional extra headers. Handlers return these.
struct JSONResult<Body: Encodable & Sendable>: ResponseGenerator, Sendable {
    var status: HTTPResponse.Status = .ok
    var body: Body
    var headers: HTTPFields = [:]

    init(_ body: Body, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) {
        self.body = body
        self.status = status
        self.headers = headers
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        JSONOutput.response(body, status: status, headers: headers)
    }
}

/// Every JSON response body is written here, by the one response encoder (`CompactJSONEncoder`: keys in the
/// DTO's `CodingKeys` order, Go's string escapes, exact content type, trailing newline).
enum JSONOutput {
    static func response<T: Encodable>(_ value: T, status: HTTPResponse.Status, headers: HTTPFields = [:]) -> Response {
        let bytes = bodyBytes(value)
        var fields = headers
        fields[.contentType] = "application/json"
        fields[.contentLength] = String(bytes.count)
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// The exact bytes of a JSON response body: one value and a newline.
    static func bodyBytes<T: Encodable>(_ value: T) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(1024)
        do {
            try CompactJSONEncoder.encode(value, into: &bytes)
        } catch {
            // Only a conformance that misuses its containers can fail; none of the DTOs does (ResponseJSONTests).
            bytes = Array(#"{"error":"internal server error"}"#.utf8)
        }
        bytes.append(0x0A)
        return bytes
    }

    /// `bodyBytes` as `Data`, for the public routes that hash and cache the body.
    static func body<T: Encodable>(_ value: T) -> Data { Data(bodyBytes(value)) }

    /// `{"error": message}`.
    static func error(_ message: String, status: HTTPResponse.Status, headers: HTTPFields = [:]) -> Response {
        response(ErrorBody(error: message), status: status, headers: headers)
    }
}

/// The contract's error body.
struct ErrorBody: Codable, Sendable { let error: String }
