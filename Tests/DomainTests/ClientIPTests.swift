import Domain
import Testing

/// Address parsing, trusted-proxy lists and client-IP resolution (the socket peer unless the
/// peer is a trusted proxy; forwarding headers walked from the right).
@Suite struct ClientIPTests {
    @Test(arguments: [
        ("1.2.3.4", "1.2.3.4"), ("0.0.0.0", "0.0.0.0"), ("255.255.255.255", "255.255.255.255"),
        ("::", "::"), ("::1", "::1"), ("2001:DB8:0:0:0:0:0:1", "2001:db8::1"), ("2001:db8::1", "2001:db8::1"),
        ("1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"), ("1:0:0:2:0:0:3:4", "1::2:0:0:3:4"),
        ("1:0:2:3:4:5:6:7", "1:0:2:3:4:5:6:7"), ("1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"),
        ("fe80::1%eth0", "fe80::1"), ("::ffff:1.2.3.4", "1.2.3.4"), ("::FFFF:0102:0304", "1.2.3.4"),
        ("64:ff9b::1.2.3.4", "64:ff9b::102:304"), ("2001:db8:0:0:1:0:0:0", "2001:db8:0:0:1::"),
        ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
    ])
    func parsesAndCanonicalises(text: String, canonical: String) throws {
        let ip = try #require(IPAddress(text))
        #expect(ip.description == canonical)
        #expect(IPAddress(canonical) == ip)
    }

    @Test(arguments: [
        "", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.-4", "1..2.3", " 1.2.3.4", "1.2.3.4 ",
        "1.2.3.4%eth0", "1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9", "1::2::3", ":::", ":1:2:3:4:5:6:7", "12345::",
        "g::1", "::1.2.3", "1.2.3.4::", "::1.2.3.4:5", "fe80::1%", "[::1]", "1.2.3.4/8", "localhost",
    ])
    func rejectsMalformedAddresses(text: String) {
        #expect(IPAddress(text) == nil)
    }

    @Test func ipv4MappedIsTheSameAddress() throws {
        #expect(try #require(IPAddress("::ffff:10.0.0.1")).isIPv4)
        #expect(IPAddress("::ffff:10.0.0.1") == IPAddress("10.0.0.1"))
        #expect(try !#require(IPAddress("::1")).isIPv4)
    }

    @Test func trustedProxyListMatchesAddressesAndNetworks() throws {
        let trusted = try TrustedProxies(parsing: "127.0.0.1, 10.0.0.0/8, ::1, fd00::/8, 192.168.1.77/24")
        for inside in [
            "127.0.0.1", "10.0.0.1", "10.255.255.255", "::1", "fd12:3456::1", "::ffff:10.9.8.7",
            "192.168.1.1", "192.168.1.254",
        ] {
            #expect(trusted.contains(inside), "\(inside) should be trusted")
        }
        for outside in ["127.0.0.2", "11.0.0.1", "::2", "fe00::1", "192.168.2.1", "not-an-ip", ""] {
            #expect(!trusted.contains(outside), "\(outside) should not be trusted")
        }
        #expect(!trusted.isEmpty)
        #expect(try TrustedProxies(parsing: " , ").isEmpty)
        #expect(TrustedProxies.none.isEmpty)
    }

    @Test func zeroPrefixesCoverTheirFamily() throws {
        let v4 = try TrustedProxies(parsing: "0.0.0.0/0")
        #expect(v4.contains("203.0.113.1"))
        #expect(!v4.contains("2001:db8::1"))
        let all = try TrustedProxies(entries: ["::/0"])
        #expect(all.contains("2001:db8::1") && all.contains("203.0.113.1"))
    }

    @Test(arguments: [
        "10.0.0.0/33", "::1/129", "nope", "1.2.3.4/", "/8", "10.0.0.0/-1", "10.0.0.0/8/8",
        "10.0.0.0/ 8", "1.2.3.4:80",
    ])
    func badEntryThrowsNamingIt(entry: String) {
        #expect(throws: TrustedProxies.InvalidEntry(entry: entry)) {
            try TrustedProxies(parsing: "127.0.0.1, \(entry), ::1")
        }
        let error = #expect(throws: TrustedProxies.InvalidEntry.self) { try TrustedProxies(entries: [" \(entry) "]) }
        #expect(error?.entry == entry)
        #expect(error?.description.contains("\"\(entry)\"") == true)
    }

    // MARK: resolution

    let proxies = try! TrustedProxies(parsing: "10.0.0.0/8, ::1, 127.0.0.1")

    func resolve(_ peer: String, _ headers: [String: String] = [:], trusted: TrustedProxies? = nil) -> String {
        ClientIP.resolve(peer: peer, headers: { headers[$0] }, trusted: trusted ?? proxies)
    }

    @Test func forwardingHeadersFromAnUntrustedPeerAreIgnored() {
        let spoof = ["X-Forwarded-For": "1.1.1.1", "X-Real-IP": "2.2.2.2"]
        #expect(resolve("203.0.113.9", spoof) == "203.0.113.9")
        #expect(resolve("203.0.113.9:51234", spoof) == "203.0.113.9")
        #expect(resolve("10.0.0.5", spoof, trusted: TrustedProxies.none) == "10.0.0.5")
    }

    @Test func forwardingHeadersFromATrustedPeerAreHonoured() {
        #expect(resolve("10.0.0.5", ["X-Forwarded-For": "198.51.100.4"]) == "198.51.100.4")
        #expect(resolve("10.0.0.5:443", ["X-Real-IP": " 198.51.100.5 "]) == "198.51.100.5")
        #expect(resolve("[::1]:8080", ["X-Forwarded-For": "2001:DB8::7"]) == "2001:db8::7")
        // X-Forwarded-For wins over X-Real-IP.
        #expect(resolve("10.0.0.5", ["X-Forwarded-For": "198.51.100.4", "X-Real-IP": "198.51.100.5"]) == "198.51.100.4")
    }

    @Test func multiHopWalksFromTheRightSkippingTrustedHops() {
        // The client forged the leftmost entry; our two proxies appended the real ones.
        let xff = "6.6.6.6, 198.51.100.4, 10.1.1.1, 10.2.2.2"
        #expect(resolve("10.0.0.5", ["X-Forwarded-For": xff]) == "198.51.100.4")
        #expect(resolve("10.0.0.5", ["X-Forwarded-For": "198.51.100.4:5678,10.1.1.1"]) == "198.51.100.4")
        // Every hop trusted: the leftmost is the origin.
        #expect(resolve("10.0.0.5", ["X-Forwarded-For": "10.9.9.9, 10.1.1.1"]) == "10.9.9.9")
    }

    @Test func unparsableHeaderValuesFallBack() {
        #expect(resolve("10.0.0.5", ["X-Forwarded-For": "garbage"]) == "10.0.0.5")
        #expect(resolve("10.0.0.5", ["X-Forwarded-For": "198.51.100.4, junk"]) == "10.0.0.5")
        #expect(resolve("10.0.0.5", ["X-Forwarded-For": "junk, 10.1.1.1", "X-Real-IP": "198.51.100.5"]) == "198.51.100.5")
        #expect(resolve("10.0.0.5", ["X-Real-IP": "unknown"]) == "10.0.0.5")
        // Garbage left of the client is never reached.
        #expect(resolve("10.0.0.5", ["X-Forwarded-For": "junk, 198.51.100.4"]) == "198.51.100.4")
    }

    @Test func ipv4MappedPeer() {
        #expect(resolve("::ffff:203.0.113.9", ["X-Forwarded-For": "1.1.1.1"]) == "203.0.113.9")
        #expect(resolve("[::ffff:127.0.0.1]:9000", ["X-Forwarded-For": "198.51.100.4"]) == "198.51.100.4")
    }

    @Test func unparsablePeerIsKeptAsGiven() {
        #expect(resolve("unix-socket", ["X-Forwarded-For": "1.1.1.1"]) == "unix-socket")
        #expect(resolve("") == "unknown")
    }
}
