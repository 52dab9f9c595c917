import Testing

@testable import App

/// `NOTIFY_SOCKET`, `WATCHDOG_USEC` and `WATCHDOG_PID` as systemd passes them, and as nobody should.
@Suite struct SystemdEnvironmentTests {
    let pid: Int32 = 4242

    @Test func pathSocketAndWatchdogForThisProcessArePingedAtHalfThePeriod() throws {
        let env = SystemdEnvironment(
            environment: ["NOTIFY_SOCKET": "/run/systemd/notify", "WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "4242"], pid: pid)
        #expect(env.socket == (try NotifySocketAddress("/run/systemd/notify")))
        #expect(env.socket?.isAbstract == false)
        #expect(env.socket?.pathBytes == Array("/run/systemd/notify".utf8))
        #expect(env.watchdogTimeout == .seconds(30))
        #expect(env.watchdogPingInterval == .seconds(15))
        #expect(env.problems.isEmpty)
    }

    @Test func abstractSocketNameStartsWithANulByteAndWatchdogPIDIsOptional() {
        let env = SystemdEnvironment(environment: ["NOTIFY_SOCKET": "@/org/freedesktop/systemd1/notify", "WATCHDOG_USEC": "5000000"], pid: pid)
        #expect(env.socket?.isAbstract == true)
        #expect(env.socket?.pathBytes == [0] + Array("/org/freedesktop/systemd1/notify".utf8))
        #expect(env.watchdogPingInterval == .milliseconds(2500))
    }

    @Test func noNotifySocketMeansNotSupervised() {
        #expect(SystemdEnvironment(environment: [:], pid: pid) == .absent)
        let env = SystemdEnvironment(environment: ["WATCHDOG_USEC": "30000000"], pid: pid)
        #expect(env.socket == nil && env.watchdogTimeout == nil)
        #expect(env.problems == ["WATCHDOG_USEC ignored: no usable NOTIFY_SOCKET"])
    }

    @Test func watchdogMeantForAnotherProcessIsIgnored() {
        let env = SystemdEnvironment(environment: ["NOTIFY_SOCKET": "/run/n", "WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"], pid: pid)
        #expect(env.socket != nil)
        #expect(env.watchdogTimeout == nil)
        #expect(env.problems.count == 1)
    }

    @Test(arguments: ["0", "-5", "30s", "1e6", " 30000000", "86400000001", "99999999999999999999999", String(repeating: "9", count: 100)])
    func unusableWatchdogPeriodsDisableThePingsWithoutTrapping(_ usec: String) {
        let env = SystemdEnvironment(environment: ["NOTIFY_SOCKET": "/run/n", "WATCHDOG_USEC": usec], pid: pid)
        #expect(env.watchdogTimeout == nil)
        #expect(env.problems.count == 1)
        #expect(env.problems[0].count < 200, "the logged reason is bounded")
    }

    @Test(arguments: ["relative/notify", "vsock:2:1234", "@", "/" + String(repeating: "a", count: 107)])
    func unusableSocketAddressesAreRejected(_ value: String) {
        let env = SystemdEnvironment(environment: ["NOTIFY_SOCKET": value], pid: pid)
        #expect(env.socket == nil)
        #expect(env.problems.count == 1)
    }

    @Test func socketAddressWithANulByteIsRejected() {
        #expect(throws: NotifySocketAddress.Invalid.self) { try NotifySocketAddress("/a\u{0}b") }
    }

    @Test func longestAddressesThatFitAreAccepted() throws {
        #expect(try NotifySocketAddress("/" + String(repeating: "a", count: 106)).pathBytes.count == 107)
        #expect(try NotifySocketAddress("@" + String(repeating: "a", count: 107)).pathBytes.count == 108)
        #expect(throws: NotifySocketAddress.Invalid.self) { try NotifySocketAddress("@" + String(repeating: "a", count: 108)) }
    }

    @Test func statusIsOneBoundedLine() {
        #expect(SystemdNotification.status("a\nREADY=1").assignment == "STATUS=a READY=1")
        #expect(SystemdNotification.status(String(repeating: "x", count: 1000)).assignment.count == "STATUS=".count + 200)
        #expect(SystemdNotification.ready.assignment == "READY=1")
        #expect(SystemdNotification.watchdog.assignment == "WATCHDOG=1")
        #expect(SystemdNotification.stopping.assignment == "STOPPING=1")
    }
}
