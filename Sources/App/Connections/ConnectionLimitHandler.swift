import Domain
import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// `MAX_CONNECTIONS` and `MAX_CONNECTIONS_PER_IP` on one HTTP/1 connection (see `ConnectionLimits`).
///
/// - A direct connection is charged to its socket peer when it opens. Over either cap it is closed at once,
///   before anything is read or parsed: a refusal costs one `accept` and one `close`, and the descriptor is
///   free again straight away. Connections already open are not touched.
/// - A connection from a trusted proxy (`TRUSTED_PROXIES`) counts in the total when it opens, and against
///   the forwarded client (`ClientIP`) from its first request on, re-charged when a later request on the
///   same kept-alive connection names another client. A proxy has no other way to learn why its upstream
///   went away, so over the per-client cap that request is answered `503 {"error":"too many connections"}`
///   with `Connection: close`, and the connection is closed.
///
/// One handler per connection, only ever used on that connection's event loop.
final class ConnectionLimitHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    static let refusalMessage = "too many connections"

    private enum State {
        case new
        /// Counted; `client` is whom the connection is charged to (nil: a proxy's connection, no request yet).
        case admitted(peer: String, proxied: Bool, client: String?)
        /// A proxied request was refused: still counted in the total until the close, nothing more is read.
        case refusing
        /// Refused or closed: nothing more is read, and nothing is counted.
        case done
    }

    private let limiter: ConnectionLimiter
    private var state = State.new
    /// Requests passed on whose response has not ended yet: a refusal must not overtake them.
    private var pendingResponses = 0

    init(limiter: ConnectionLimiter) { self.limiter = limiter }

    func handlerAdded(context: ChannelHandlerContext) {
        // The pipeline is still being built when the channel is already active: count now, close a refused
        // connection once the set-up has finished.
        if context.channel.isActive, !admit(context) {
            let loopBound = context.loopBound
            context.eventLoop.execute { loopBound.value.close(promise: nil) }
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) { finish() }

    func channelActive(context: ChannelHandlerContext) {
        guard case .new = state else { return context.fireChannelActive() }
        if admit(context) {
            context.fireChannelActive()
        } else {
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch state {
        case .done, .new, .refusing:
            return
        case .admitted(let peer, true, let client):
            guard case .head(let head) = unwrapInboundIn(data) else { break }
            let forwarded = ClientIP.resolve(peer: peer, headers: { Self.header(head, $0) }, trusted: limiter.trustedProxies)
            guard forwarded != client else { break }
            if limiter.charge(client: forwarded, previous: client) != nil {
                state = .refusing
                return refuse(context)
            }
            state = .admitted(peer: peer, proxied: true, client: forwarded)
        case .admitted:
            break
        }
        if case .head = unwrapInboundIn(data) { pendingResponses += 1 }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { pendingResponses = max(0, pendingResponses - 1) }
        context.write(data, promise: promise)
    }

    /// Counts the new connection; false when it is refused.
    private func admit(_ context: ChannelHandlerContext) -> Bool {
        guard case .new = state else { return true }
        let peer = context.channel.remoteAddress?.ipAddress.map { IPAddress($0)?.description ?? $0 } ?? "unknown"
        let proxied = limiter.trustedProxies.contains(peer)
        let client = proxied ? nil : peer
        guard limiter.admit(client: client) == nil else {
            state = .done
            return false
        }
        state = .admitted(peer: peer, proxied: proxied, client: client)
        return true
    }

    /// Releases what the connection holds, once.
    private func finish() {
        switch state {
        case .admitted(_, _, let client): limiter.release(client: client)
        case .refusing: limiter.release(client: nil)
        case .new, .done: break
        }
        state = .done
    }

    /// The 503 for a proxied request over its client's cap, then the close; the rest of the request is dropped.
    /// Behind a response still being written (a pipelined request) the 503 would arrive out of order, so the
    /// connection is only closed.
    private func refuse(_ context: ChannelHandlerContext) {
        guard pendingResponses == 0 else { return context.close(promise: nil) }
        let body = JSONOutput.body(ErrorBody(error: Self.refusalMessage))
        let head = HTTPResponse(
            status: .serviceUnavailable,
            headerFields: [.contentType: "application/json", .contentLength: String(body.count), .connection: "close"])
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(context.channel.allocator.buffer(bytes: body))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }

    private static func header(_ head: HTTPRequest, _ name: String) -> String? {
        guard let field = HTTPField.Name(name) else { return nil }
        let values = head.headerFields[values: field]
        return values.isEmpty ? nil : values.joined(separator: ",")
    }
}

@available(*, unavailable)
extension ConnectionLimitHandler: Sendable {}
