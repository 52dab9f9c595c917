import Hummingbird
import NIOCore
import Web

/// `/assets/{name}`: the embedded stylesheet, script and icon. Page links carry `?v=<content hash>`, so
/// the files may be cached for a year; a changed file gets a new URL.
struct AssetsController: Sendable {
    let assets: WebAssets

    func addRoutes(to routes: RouteRegistrar) {
        routes.on(.get, "/assets/{name}", use: asset)
    }

    @Sendable func asset(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let asset = assets.asset(named: context.pathParameter("name")) else { return RouteGuardMiddleware.notFound() }
        var headers: HTTPFields = [
            .contentType: asset.contentType, .eTag: asset.etag,
            .cacheControl: "public, max-age=31536000, immutable",
        ]
        if PublicCaching.matches(request.headers[values: .ifNoneMatch], etag: asset.etag) {
            headers[.contentLength] = "0"
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentLength] = String(asset.bytes.count)
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: asset.bytes)))
    }
}
