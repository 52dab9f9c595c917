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

/// One configured encoder for every JSON response (exact content type, trailing newline).
enum JSONOutput {
    private static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        // Sorted keys make a DTO's bytes deterministic, which the public ETags (a hash of the body) rely on.
        e.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        return e
    }()

    static func response<T: Encodable>(_ value: T, status: HTTPResponse.Status, headers: HTTPFields = [:]) -> Response {
        let data = body(value)
        var fields = headers
        fields[.contentType] = "application/json"
        fields[.contentLength] = String(data.count)
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// The exact bytes of a JSON response body: one value and a newline.
    static func body<T: Encodable>(_ value: T) -> Data {
        var data: Data
        if let writable = value as? any JSONWritable {
            var writer = JSONWriter()
            writable.write(to: &writer)
            data = Data(writer.bytes)
        } else {
            data = (try? encoder.encode(value)) ?? Data("{\"error\":\"internal server error\"}".utf8)
        }
        data.append(0x0A)
        return data
    }

    /// `{"error": message}`.
    static func error(_ message: String, status: HTTPResponse.Status, headers: HTTPFields = [:]) -> Response {
        response(ErrorBody(error: message), status: status, headers: headers)
    }
}

/// The contract's error body.
struct ErrorBody: Codable, Sendable { let error: String }
