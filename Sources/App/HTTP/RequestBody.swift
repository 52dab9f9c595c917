import Domain
import HTTPTypes
import Hummingbird
import NIOCore

/// Reads and strictly decodes request bodies under a byte cap.
extension Request {
    /// Collects at most `limit` bytes; more is `400 request body too large` (not 413, as the contract says).
    func collectBody(limit: Int) async throws -> [UInt8] {
        if let declared = headers[.contentLength].flatMap({ Int($0) }), declared > limit {
            throw DomainError.invalid("request body too large")
        }
        var collected: [UInt8] = []
        for try await chunk in body {
            guard collected.count + chunk.readableBytes <= limit else { throw DomainError.invalid("request body too large") }
            collected.append(contentsOf: chunk.readableBytesView)
        }
        return collected
    }

    /// Decodes a strict JSON body into `T`.
    func decodeStrict<T: StrictDecodable>(_ type: T.Type, limit: Int, mode: BodyMode = .strict) async throws -> T {
        try StrictBody.decode(type, from: try await collectBody(limit: limit), mode: mode)
    }
}

/// The body caps of this deployment.
struct BodyLimits: Sendable {
    /// `REQUEST_BODY_MAX_BYTES`, for every route.
    let global: Int
    /// `PUBLIC_BODY_MAX_BYTES`, for public write routes (the smaller cap wins).
    let publicRoutes: Int

    init(config: AppConfig) {
        global = config.requestBodyMaxBytes
        publicRoutes = min(config.publicBodyMaxBytes, config.requestBodyMaxBytes)
    }
}
