import CCurl
import Foundation
import Synchronization

/// `HTTPTransport` over libcurl's easy interface. Each transfer blocks a thread of its own, never the
/// event loop or the cooperative pool (a dispatch queue would cap blocking transfers at the core count);
/// cancellation of the calling task aborts the transfer through the progress callback.
public struct CurlTransport: HTTPTransport {
    private static let globalInit: Bool = { curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK }()

    /// The longest timeout handed to libcurl (a day); `OutboundRequest.timeout` is clamped to it.
    static let maxTimeoutSeconds = 86_400.0

    public init() { _ = Self.globalInit }

    /// libcurl's version string (for diagnostics).
    public static var version: String { String(cString: curl_version()) }

    public func send(_ request: OutboundRequest) async throws -> InboundResponse {
        let transfer = Transfer()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<InboundResponse, any Error>) in
                let thread = Thread { continuation.resume(with: Result { try transfer.perform(request) }) }
                thread.name = "personaworlds.curl"
                thread.start()
            }
        } onCancel: {
            transfer.cancelled.store(true, ordering: .relaxed)
        }
    }
}

/// One transfer's state, shared with libcurl's C callbacks through an opaque pointer.
final class Transfer: @unchecked Sendable {
    let cancelled = Atomic<Bool>(false)
    var body: [UInt8] = []
    var headers: [String: String] = [:]

    func perform(_ request: OutboundRequest) throws -> InboundResponse {
        guard let handle = curl_easy_init() else { throw TransportError.connection("curl_easy_init failed") }
        defer { curl_easy_cleanup(handle) }
        var list: UnsafeMutablePointer<curl_slist>?
        for (name, value) in request.headers { list = curl_slist_append(list, "\(name): \(value)") }
        list = curl_slist_append(list, "Expect:")
        defer { curl_slist_free_all(list) }

        let me = Unmanaged.passUnretained(self).toOpaque()
        _ = pw_curl_setopt_string(handle, CURLOPT_URL, request.url)
        _ = pw_curl_setopt_string(handle, CURLOPT_CUSTOMREQUEST, request.method)
        _ = pw_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
        // Clamped before converting: `Int(Double)` traps on NaN or a huge value (this module has no Domain helpers).
        let timeout = request.timeout.isNaN ? 1 : min(max(request.timeout, 0), CurlTransport.maxTimeoutSeconds)
        _ = pw_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, max(1, Int(timeout * 1000)))
        _ = pw_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, max(1, Int(min(timeout, 10) * 1000)))
        _ = pw_curl_setopt_slist(handle, CURLOPT_HTTPHEADER, list)
        if !request.body.isEmpty || request.method == "POST" {
            _ = request.body.withUnsafeBytes { pw_curl_setopt_postfields(handle, $0.baseAddress, request.body.count) }
            _ = pw_curl_setopt_string(handle, CURLOPT_CUSTOMREQUEST, request.method)
        }
        _ = pw_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, me)
        _ = pw_curl_setopt_data_cb(handle, CURLOPT_WRITEFUNCTION) { ptr, size, count, user in
            let transfer = Unmanaged<Transfer>.fromOpaque(user!).takeUnretainedValue()
            let n = size * count
            if let ptr { transfer.body.append(contentsOf: UnsafeRawBufferPointer(start: ptr, count: n)) }
            return n
        }
        _ = pw_curl_setopt_pointer(handle, CURLOPT_HEADERDATA, me)
        _ = pw_curl_setopt_data_cb(handle, CURLOPT_HEADERFUNCTION) { ptr, size, count, user in
            let transfer = Unmanaged<Transfer>.fromOpaque(user!).takeUnretainedValue()
            let n = size * count
            guard let ptr else { return n }
            let line = String(decoding: UnsafeRawBufferPointer(start: ptr, count: n), as: UTF8.self)
            if let colon = line.firstIndex(of: ":") {
                let name = line[..<colon].lowercased()
                let value = String(line[line.index(after: colon)...]).trimmingCharacters(in: [" ", "\t", "\r", "\n"])
                transfer.headers[name] = value
            } else if line.hasPrefix("HTTP/") {
                transfer.headers.removeAll() // a new response (after a redirect or 100-continue)
            }
            return n
        }
        _ = pw_curl_setopt_long(handle, CURLOPT_NOPROGRESS, 0)
        _ = pw_curl_setopt_pointer(handle, CURLOPT_XFERINFODATA, me)
        _ = pw_curl_setopt_xferinfo_cb(handle) { user, _, _, _, _ in
            Unmanaged<Transfer>.fromOpaque(user!).takeUnretainedValue().cancelled.load(ordering: .relaxed) ? 1 : 0
        }

        let code = curl_easy_perform(handle)
        switch code {
        case CURLE_OK:
            var status = 0
            _ = pw_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
            return InboundResponse(status: status, headers: headers, body: body)
        case CURLE_OPERATION_TIMEDOUT:
            throw TransportError.timedOut
        case CURLE_ABORTED_BY_CALLBACK:
            throw TransportError.cancelled
        default:
            throw TransportError.connection(String(cString: curl_easy_strerror(code)))
        }
    }
}

private extension String {
    func trimmingCharacters(in set: Set<Character>) -> String {
        var s = Substring(self)
        while let f = s.first, set.contains(f) { s = s.dropFirst() }
        while let l = s.last, set.contains(l) { s = s.dropLast() }
        return String(s)
    }
}
