import App
import Domain
import Foundation
import HTTPTypes
import HummingbirdTesting
import PostgresStorage
import SQLiteStorage
import Storage
import TestSupport
import Testing

/// `/app/admin`, the operator console: each section with real data, the Retry and Back up now forms (CSRF, admin
/// role, audit lines), and the nodes of two processes on one database.
@Suite struct OperatorConsoleTests {
    static let maxAttempts = 5

    /// An admin's browser session and a battle with its two reply jobs still pending (no worker runs).
    struct Setup {
        let browser: BrowserSession
        let token: String
        let user: String
        let battle: String
    }

    static func setup(_ client: any TestClientProtocol, _ dir: TestDirectory) async throws -> Setup {
        let email = "ops-\(UUID().uuidString.prefix(8).lowercased())@example.com"
        let browser = try await BrowserSession.signup(client, email: email)
        try await TestApp.grantAdmin(email, in: dir)
        let login = try await client.send(.post, "/auth/login", json: #"{"email":"\#(email)","password":"password123"}"#)
        let token = try #require(login.jsonObject?["token"] as? String)
        let user = try #require(login.jsonObject?["user_id"] as? String)
        for name in ["Ada", "Linus"] { _ = try await client.createPersona(token: token, name: name) }
        let room = try await client.firstRoom(token: token)
        let battle = try #require(try await client.createBattle(token: token, room: room.id)["battle_id"] as? String)
        return Setup(browser: browser, token: token, user: user, battle: battle)
    }

    /// Claims the next job and fails it for good with `error`, as the worker does after its last attempt.
    static func failForGood(_ store: any AppStore, error: String) async throws -> ClaimedJob {
        let policy = QueuePolicy(maxAttempts: maxAttempts, leaseSeconds: 60)
        let job = try #require(try await store.claimJob(policy: policy, now: SystemClock().now()))
        try await store.failJob(job, attempts: maxAttempts, error: error, availableAt: nil, now: SystemClock().now())
        return job
    }

    static func retry(_ client: any TestClientProtocol, _ browser: BrowserSession, job: Int64, csrf: String?) async throws -> TestResponse {
        try await client.form(.post, "/app/admin/jobs/\(job)/retry", csrf.map { "csrf=\($0)" } ?? "", headers: [.cookie: browser.cookie])
    }

    /// A second store on the app's database (as another process would have), through the directory's engine.
    static func store(_ dir: TestDirectory) async throws -> any AppStore {
        try await dir.backend.makeStore(in: dir)
    }

    /// Every `<svg …>…</svg>` of the page parses as XML: its text is escaped and its elements closed.
    static func svgsAreWellFormed(_ html: String) -> [String] {
        html.matches(of: /<svg[^>]*>.*?<\/svg>/.dotMatchesNewlines()).compactMap { match in
            let svg = String(match.output)
            return XMLCheck.isWellFormed(svg) ? nil : svg
        }
    }

    @Test func theConsoleShowsTheQueueHealthBackupsNodesAndEventsPerDay() async throws {
        // SQLite: the health section lists the file checks (quick_check, WAL) and backups.
        try await TestApp.withRouter(["BACKUP_DIR": TestDirectory().path + "/backups"], backend: .sqlite, runWorker: false) { client, dir in
            let setup = try await Self.setup(client, dir)
            let store = try await Self.store(dir)
            let failed = try await Self.failForGood(store, error: #"<script>alert(1)</script> provider said "no""#)
            try await store.close()

            let page = try await client.page("/app/admin", cookie: setup.browser.cookie)
            #expect(page.status == .ok)
            let html = page.text
            #expect(html.contains("<h1>Operator console</h1>"))
            for section in ["queue", "health", "backups", "nodes", "events"] {
                #expect(html.contains(#"data-console="\#(section)""#), "section \(section)")
            }
            // Queue: one pending, one failed for good, listed with its error (escaped), attempts, post and a Retry form.
            #expect(html.contains(#"<th scope="row">Pending</th><td>1</td>"#))
            #expect(html.contains(#"<th scope="row">Failed</th><td>1</td>"#))
            #expect(!html.contains("data-oldest>nothing waiting"))
            #expect(html.contains(#"data-failed-job="\#(failed.id)""#))
            #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; provider said &quot;no&quot;"))
            #expect(!html.contains("<script>alert(1)"))
            #expect(html.contains(#"<a href="/app/posts/\#(setup.battle)">"#))
            #expect(html.contains(#"action="/app/admin/jobs/\#(failed.id)/retry"><input type="hidden" name="csrf" value="\#(setup.browser.csrf)">"#))
            #expect(html.contains("0 done and 1 failed in the last 60 minutes."))
            // Health: the doctor's checks, live.
            for check in ["config", "database", "quick_check", "wal", "schema", "card font", "disk", "llm", "backup"] {
                #expect(html.contains(#"<th scope="row">\#(check)</th>"#), "check \(check)")
            }
            #expect(html.contains("migrations applied, none pending"))
            #expect(html.contains("Mock (built in)"))
            #expect(html.contains(#"<span class="status status-ok">off</span>"#), "shedding is off")
            // Backups: none yet, and the button.
            #expect(html.contains("No backup yet in"))
            #expect(
                html.contains(#"<form method="post" action="/app/admin/backups"><input type="hidden" name="csrf" value="\#(setup.browser.csrf)">"#))
            // Nodes: this process, which serves HTTP and runs no worker here.
            #expect(html.matches(of: /data-node="/).count == 1)
            #expect(html.contains("(this process)</span></th><td>http</td>"))
            // Charts: throughput and events per day, server-drawn SVG, well-formed.
            #expect(html.contains(#"<title id="throughput-title">Jobs finished per minute, last hour</title>"#))
            #expect(html.contains(#"<title id="events-per-day-title">Events per day, last 30 days</title>"#))
            #expect(html.matches(of: /<rect class="chart-b"/).count == 1, "the failed minute has a failed part")
            let perDay = try #require(html.firstMatch(of: /(\d+) events in the last 30 days/)?.1)
            #expect(Int(perDay) ?? 0 > 0, "the battle's event is counted today")
            // Day labels every 7 days counted back from today: today is labelled, and no two labels sit side by side.
            let perDaySVG = try #require(
                html.firstMatch(of: /<svg[^>]*aria-labelledby="events-per-day-title[^>]*>.*?<\/svg>/.dotMatchesNewlines())?.output)
            let ticks = perDaySVG.matches(of: /class="chart-tick"[^>]*>([0-9-]+)</).map { String($0.output.1) }
            #expect(ticks.count == 5 && ticks.last == String(SystemClock().now().dateString.dropFirst(5)), "\(ticks)")
            #expect(Self.svgsAreWellFormed(html).isEmpty)
            #expect(html.matches(of: #/<svg /#).count == 3, "throughput, events per day and the event counts")
        }
    }

    @Test func onPostgreSQLTheHealthSectionShowsTheDoctorsServerChecksLive() async throws {
        // PostgreSQL: the `doctor` command's database lines in place of SQLite's file, WAL, disk and backup lines.
        guard StoreBackend.postgres.isAvailable else { return }
        try await TestApp.withRouter(backend: .postgres, runWorker: false) { client, dir in
            let setup = try await Self.setup(client, dir)
            let page = try await client.page("/app/admin", cookie: setup.browser.cookie).text
            let table = try #require(page.firstMatch(of: /<table class="table console-checks">.*?<\/table>/.dotMatchesNewlines())?.output)
            var details: [String: String] = [:]
            var names: [String] = []
            for row in table.matches(of: /<th scope="row">([^<]+)<\/th><td>([^<]*)<\/td>/) {
                names.append(String(row.output.1))
                details[String(row.output.1)] = String(row.output.2)
            }
            #expect(names == ["config", "database", "server", "schema", "queue", "jobs table", "card font", "llm"], "\(names)")
            let detail = { (name: String) in details[name] ?? "" }
            #expect(detail("database").hasPrefix("PostgreSQL at postgres://"), "\(detail("database"))")
            #expect(detail("server").hasPrefix("PostgreSQL 1") && detail("server").contains("connections in use"), "\(detail("server"))")
            let count = PostgresMigrations.all.count
            #expect(detail("schema").hasPrefix("\(count)/\(count) migrations applied") && detail("schema").hasSuffix("none pending"))
            #expect(detail("queue").contains("ready to run, the oldest waiting"), "the battle's reply jobs wait: \(detail("queue"))")
            #expect(detail("jobs table").hasPrefix("n_dead_tup "), "\(detail("jobs table"))")
            #expect(page.contains("No failing checks"))
        }
    }

    @Test func theHealthSectionCountsThisProcesssProviderCallsErrorsAndRateLimitRejections() async throws {
        // Every provider call fails and a job has one attempt: the worker fails both battle replies for good.
        let provider = FakeOpenAIServer([.status(500, body: #"{"error":{"message":"overloaded"}}"#)])
        try await FakeOpenAIServer.run(provider) { base in
            let values = [
                "LLM_PROVIDER": "openai", "OPENAI_BASE_URL": base, "OPENAI_API_KEY": "k", "OPENAI_MAX_RETRIES": "0",
                "JOB_MAX_ATTEMPTS": "1", "RATE_LIMIT_SIGNUP_PER_HOUR": "1",
            ]
            try await TestApp.withRouter(values) { client, dir in
                let setup = try await Self.setup(client, dir)
                let refused = try await client.send(.post, "/auth/signup", json: #"{"email":"late@example.com","password":"password123"}"#)
                #expect(refused.status == .tooManyRequests, "the admin's signup took the hour's one")

                var html = ""
                let deadline = Date().addingTimeInterval(30)
                // The list of failed jobs, the state counts and the throughput are separate reads made side by side,
                // so one render can fall between the worker's two failures: wait until all three show both.
                repeat {
                    html = try await client.page("/app/admin", cookie: setup.browser.cookie).text
                    if html.matches(of: /data-failed-job="/).count == 2 && html.contains(#"<th scope="row">Failed</th><td>2</td>"#)
                        && html.contains("0 done and 2 failed")
                    {
                        break
                    }
                    try await Task.sleep(nanoseconds: 50_000_000)
                } while Date() < deadline
                #expect(html.matches(of: /data-failed-job="/).count == 2, "both replies failed for good")
                #expect(await provider.requestCount == 2)
                #expect(html.contains("OpenAI-compatible at \(base), model"))
                #expect(html.contains("<dd data-llm-calls>2</dd>") && html.contains("<dd data-llm-errors>2</dd>"))
                #expect(html.contains(#"<span class="status status-warn">warn</span></td><th scope="row">llm</th><td>openai at \#(base)"#))
                #expect(html.contains("0 of 2 calls answered in the last hour in this process"))
                #expect(html.contains(#"<th scope="row">Sign-ups</th><td>1</td>"#))
                #expect(html.contains("<td data-rate-limited>1</td>"))
                #expect(html.contains(#"<th scope="row">Failed</th><td>2</td>"#))
                #expect(html.contains("0 done and 2 failed in the last 60 minutes."))
            }
        }
    }

    @Test func retryRequeuesAFailedJobAndIsRefusedWhileAnotherJobOfThePostAndPersonaIsActive() async throws {
        let logs = LogCapture()
        try await TestApp.withRouter(runWorker: false, logs: logs) { client, dir in
            let setup = try await Self.setup(client, dir)
            let store = try await Self.store(dir)
            let failed = try await Self.failForGood(store, error: "provider timeout")

            let retried = try await Self.retry(client, setup.browser, job: failed.id, csrf: setup.browser.csrf)
            #expect(retried.status == .seeOther)
            let location = try #require(retried.header("Location"))
            #expect(location == "/app/admin?notice=requeued&job=\(failed.id)")
            let after = try await client.page(location, cookie: setup.browser.cookie)
            #expect(after.text.contains(#"role="status" data-console-notice>Job \#(failed.id) re-queued.</p>"#))
            #expect(try await store.failedJobs(maxAttempts: Self.maxAttempts, limit: 10).isEmpty)
            #expect(try await store.queueSummary(maxAttempts: Self.maxAttempts, now: SystemClock().now()).pending == 2)

            // It fails for good again (the battle's other job is claimed with it and put back); meanwhile another job for
            // the same post and persona is enqueued.
            let policy = QueuePolicy(maxAttempts: Self.maxAttempts, leaseSeconds: 60)
            let claimed = try await store.claimJobs(limit: 2, policy: policy, now: SystemClock().now())
            let again = try #require(claimed.first { $0.id == failed.id })
            try await store.failJob(again, attempts: Self.maxAttempts, error: "provider timeout", availableAt: nil, now: SystemClock().now())
            for other in claimed where other.id != failed.id { try await store.releaseJob(other, now: SystemClock().now()) }
            let enqueued = try await store.enqueueReplies(
                postID: setup.battle, personaIDs: [failed.personaID], userID: setup.user, payloadExtra: [:], maxAttempts: Self.maxAttempts,
                now: SystemClock().now())
            #expect(enqueued.enqueued == 1)
            let refused = try await Self.retry(client, setup.browser, job: failed.id, csrf: setup.browser.csrf)
            #expect(refused.header("Location") == "/app/admin?notice=retry-refused&job=\(failed.id)")
            let refusedPage = try await client.page(try #require(refused.header("Location")), cookie: setup.browser.cookie)
            #expect(refusedPage.text.contains(">Another job for this post and persona is active; not re-queued.</p>"))
            #expect(try await store.failedJobs(maxAttempts: Self.maxAttempts, limit: 10).map(\.id) == [failed.id], "still failed")
            try await store.close()

            let audit = logs.entries("job_retry_requested")
            #expect(audit.map { $0.metadata["outcome"] } == ["requeued", "active_job_exists"])
            #expect(audit.allSatisfy { $0.metadata["user_id"] == setup.user && $0.metadata["job_id"] == String(failed.id) })
        }
    }

    @Test func aForgedRetryIsRefusedAndChangesNothing() async throws {
        try await TestApp.withRouter(runWorker: false) { client, dir in
            let setup = try await Self.setup(client, dir)
            let store = try await Self.store(dir)
            let failed = try await Self.failForGood(store, error: "boom")
            let outsider = try await BrowserSession.signup(client)

            let missing = try await Self.retry(client, setup.browser, job: failed.id, csrf: nil)
            #expect(missing.status == .forbidden)
            let wrong = try await Self.retry(client, setup.browser, job: failed.id, csrf: outsider.csrf)
            #expect(wrong.status == .forbidden, "another session's token")
            let crossSite = try await client.form(
                .post, "/app/admin/jobs/\(failed.id)/retry", "csrf=\(setup.browser.csrf)",
                headers: [.cookie: setup.browser.cookie, .origin: "https://evil.example", HTTPField.Name("Sec-Fetch-Site")!: "cross-site"])
            #expect(crossSite.status == .forbidden)
            let notAdmin = try await Self.retry(client, outsider, job: failed.id, csrf: outsider.csrf)
            #expect(notAdmin.status == .forbidden, "a signed-in user without the admin role")
            #expect(notAdmin.text.contains("<h1>Not allowed</h1>"))
            let backup = try await client.form(.post, "/app/admin/backups", "", headers: [.cookie: setup.browser.cookie])
            #expect(backup.status == .forbidden)

            #expect(try await store.failedJobs(maxAttempts: Self.maxAttempts, limit: 10).map(\.id) == [failed.id])
            try await store.close()
        }
    }

    @Test func theConsoleIsForAdminsOnly() async throws {
        try await TestApp.withRouter(runWorker: false) { client, _ in
            let user = try await BrowserSession.signup(client)
            let page = try await client.page("/app/admin", cookie: user.cookie)
            #expect(page.status == .forbidden)
            #expect(page.text.contains("<h1>Not allowed</h1>"))
            #expect(!page.text.contains("data-console"))
            let anonymous = try await client.page("/app/admin")
            #expect(anonymous.status == .seeOther)
            #expect(anonymous.header("Location") == "/login?next=/app/admin")
        }
    }

    /// SQLite-only: the online backup and the file check are SQLite's.
    @Test func backUpNowWritesAVerifiedCopyIntoTheBackupFolderAndTheConsoleListsIt() async throws {
        let logs = LogCapture()
        let folder = TestDirectory().path + "/backups"
        try await TestApp.withRouter(["BACKUP_DIR": folder], backend: .sqlite, runWorker: false, logs: logs) { client, dir in
            let setup = try await Self.setup(client, dir)
            let response = try await client.form(.post, "/app/admin/backups", "csrf=\(setup.browser.csrf)", headers: [.cookie: setup.browser.cookie])
            #expect(response.status == .seeOther)
            let location = try #require(response.header("Location"))
            let name = try #require(location.firstMatch(of: /notice=backup-(?:written|running)&file=(personaworlds-[0-9TZ.]+\.sqlite)$/)?.1)
            // A small database is written within the form's wait; on a very slow machine the page says it is still
            // running, and the file is checked once the console no longer shows it running.
            var page = try await client.page(location, cookie: setup.browser.cookie)
            let deadline = Date().addingTimeInterval(60)
            while page.text.contains("backup \(name) running") && Date() < deadline {
                try await Task.sleep(nanoseconds: 100_000_000)
                page = try await client.page("/app/admin", cookie: setup.browser.cookie)
            }
            let files = try FileManager.default.contentsOfDirectory(atPath: folder)
            #expect(files == [String(name)])
            #expect(try DatabaseFile(path: folder + "/" + name).check(thorough: true).isIntact)
            #expect(page.text.contains("Last backup: <strong data-last-backup>\(name)</strong>"))
            #expect(page.text.contains("<th scope=\"row\"><code>\(name)</code></th><td>manual</td>"))
            let requested = logs.entries("backup_requested")
            #expect(requested.count == 1)
            #expect(requested.first?.metadata["user_id"] == setup.user && requested.first?.metadata["outcome"] == "started")
            #expect(logs.entries("backup_completed").first?.metadata["trigger"] == "manual")
        }
    }

    @Test func twoProcessesOnOneDatabaseAreTwoNodes() async throws {
        let dir = TestDirectory(backend: .sqlite)
        try await TestApp.withRouter(in: dir) { first, _ in
            let setup = try await Self.setup(first, dir)
            try await TestApp.withRouter(runWorker: false, in: dir) { second, _ in
                for client in [first, second] {
                    let html = try await client.page("/app/admin", cookie: setup.browser.cookie).text
                    #expect(html.matches(of: /data-node="/).count == 2)
                    #expect(html.matches(of: /\(this process\)/).count == 1)
                    #expect(html.contains("</th><td>all</td><td>\(AppVersion.current)</td>"))
                    #expect(html.contains("</th><td>http</td><td>\(AppVersion.current)</td>"))
                }
            }
        }
    }
}

/// A small well-formedness check for the server's SVG: tags balance, and text and attribute values hold no raw `<`
/// and no `&` that does not start an entity (what escaping guarantees).
enum XMLCheck {
    static func isWellFormed(_ text: String) -> Bool {
        var open: [Substring] = []
        var rest = Substring(text)
        while let start = rest.firstIndex(of: "<") {
            guard textIsEscaped(rest[..<start]), let end = rest[start...].firstIndex(of: ">") else { return false }
            let tag = rest[rest.index(after: start)..<end]
            rest = rest[rest.index(after: end)...]
            guard !tag.isEmpty else { return false }
            let attributes = tag.drop { $0 != " " }
            guard textIsEscaped(attributes), attributes.filter({ $0 == "\"" }).count % 2 == 0 else { return false }
            if tag.hasPrefix("/") {
                guard open.popLast() == tag.dropFirst() else { return false }
            } else if !tag.hasSuffix("/") {
                open.append(tag.prefix { $0 != " " })
            }
        }
        return open.isEmpty && textIsEscaped(rest)
    }

    static func textIsEscaped(_ text: Substring) -> Bool {
        guard !text.contains("<") else { return false }
        return text.split(separator: "&", omittingEmptySubsequences: false).dropFirst().allSatisfy {
            $0.firstMatch(of: /^(?:[a-z]+|#[0-9]+|#x[0-9a-fA-F]+);/) != nil
        }
    }
}
