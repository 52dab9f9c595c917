import Domain
import Testing
import Web

@Suite struct AcceptHeaderTests {
    @Test func browserNavigationPrefersHTML() {
        #expect(AcceptHeader.prefersHTML("text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"))
        #expect(AcceptHeader.prefersHTML("text/html"))
    }

    @Test func apiClientsAndCurlKeepJSON() {
        #expect(!AcceptHeader.prefersHTML(nil))
        #expect(!AcceptHeader.prefersHTML(""))
        #expect(!AcceptHeader.prefersHTML("*/*"))
        #expect(!AcceptHeader.prefersHTML("application/json"))
        #expect(!AcceptHeader.prefersHTML("application/json, text/html"))
        #expect(!AcceptHeader.prefersHTML("text/html;q=0.5, application/json"))
        #expect(!AcceptHeader.prefersHTML("text/html;q=0"))
        #expect(!AcceptHeader.prefersHTML("text/html;q=0.8, */*"))
    }
}

@Suite struct FormBodyTests {
    @Test func decodesPlusAndPercentEscapes() {
        let fields = FormBody.parse(Array("email=a%2Bb%40example.com&password=two+words&next=%2Fp%2Fada&empty=&dup=1&dup=2".utf8))
        #expect(fields["email"] == "a+b@example.com")
        #expect(fields["password"] == "two words")
        #expect(fields["next"] == "/p/ada")
        #expect(fields["empty"] == "")
        #expect(fields["dup"] == "1")
    }

    @Test func encodeRoundTripsThroughParse() {
        let value = "/p/ada?x=1&y=ç"
        #expect(FormBody.parse(Array("next=\(FormBody.encode(value))".utf8))["next"] == value)
    }
}

@Suite struct ReturnPathTests {
    @Test func keepsPathsOnThisSite() {
        #expect(ReturnPath.safe("/p/ada") == "/p/ada")
        #expect(ReturnPath.safe("/app/battles/new?remix=1") == "/app/battles/new?remix=1")
    }

    @Test func refusesOtherHostsAndJunk() {
        for bad in [nil, "", "https://evil.example/", "//evil.example", "/\\evil.example", "javascript:alert(1)", "/a\nb", "p/ada"] {
            #expect(ReturnPath.safe(bad) == ReturnPath.fallback, "\(String(describing: bad))")
        }
    }
}

@Suite struct BarChartTests {
    @Test func barsScaleToTheLargestCount() {
        let chart = BarChart(series: [("a", 10, 20), ("b", 0, 5)])
        #expect(chart.rows.count == 2)
        #expect(chart.rows[0].week.width == BarChart.plotWidth)
        #expect(chart.rows[0].day.width == BarChart.plotWidth / 2)
        #expect(chart.rows[1].day.width == 0)
        #expect(chart.rows[1].week.width == BarChart.plotWidth / 4)
        #expect(chart.rows[1].day.y > chart.rows[0].week.y)
        #expect(chart.height > chart.rows[1].week.y + BarChart.barHeight)
    }

    @Test func anEmptyChartHasNoRows() {
        let chart = BarChart(series: [])
        #expect(chart.rows.isEmpty)
    }
}

@Suite struct EmbeddedFilesTests {
    @Test func everyTemplateParsesAndTheAssetsAreEmbedded() throws {
        let renderer = try PageRenderer()
        for name in ["layout-top", "layout-bottom", "home", "auth", "error"] {
            #expect(renderer.templateNames.contains(name), "\(name)")
        }
        let assets = WebAssets()
        #expect(assets.asset(named: "app.css")?.contentType == "text/css; charset=utf-8")
        #expect(assets.asset(named: "app.js")?.contentType == "text/javascript; charset=utf-8")
        #expect(assets.asset(named: "icon.svg") != nil)
        #expect(assets.version.count == 10)
    }

    @Test func aBrokenTemplateIsRefusedAtStart() {
        #expect(throws: PageRenderer.TemplateError.self) { try PageRenderer(files: ["templates/bad.mustache": "{{#open}} never closed"]) }
    }

    @Test func variablesAreHTMLEscaped() throws {
        struct View { let name: String }
        let renderer = try PageRenderer(files: ["templates/t.mustache": "<p title=\"{{name}}\">{{name}}</p>"])
        let html = renderer.render(View(name: "<script>alert('x')</script>\"&"), template: "t")
        #expect(
            html
                == "<p title=\"&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&quot;&amp;\">&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&quot;&amp;</p>"
        )
    }

    @Test func theScriptNeverInsertsHTML() throws {
        let script = try #require(WebFiles.all["assets/app.js"])
        #expect(!script.contains("innerHTML"))
        #expect(!script.contains("insertAdjacentHTML"))
        #expect(!script.contains("eval("))
        #expect(!script.contains("document.write"))
    }

    @Test func noTemplateUsesUnescapedOutputOrInlineCode() {
        for (path, text) in WebFiles.all where path.hasPrefix("templates/") {
            #expect(!text.contains("{{{"), "\(path)")
            #expect(!text.contains("{{&"), "\(path)")
            #expect(!text.contains("<script>"), "\(path) inline script")
            #expect(!text.contains("style=\""), "\(path) inline style")
            #expect(!text.contains(" onclick="), "\(path) inline handler")
        }
    }
}

@Suite struct PluralTests {
    @Test func oneIsSingularEverythingElsePlural() {
        #expect(Plural.count(1, "time") == "1 time")
        #expect(Plural.count(2, "time") == "2 times")
        #expect(Plural.count(0, "time") == "0 times")
        #expect(Plural.count(1, "reply", "replies") == "1 reply")
        #expect(Plural.count(5, "reply", "replies") == "5 replies")
    }
}

@Suite struct FormFieldsTests {
    @Test func keepsEveryValueOfARepeatedNameInOrder() throws {
        let fields = try FormFields(Array("s=one&s=two+words&s=&other=x%26y&flag=on".utf8))
        #expect(try fields.strings("s") == ["one", "two words", ""])
        #expect(try fields.string("other") == "x&y")
        #expect(try fields.string("absent") == "")
        #expect(fields.has("flag") && !fields.has("absent"))
    }

    @Test func linesNumbersAndNULAreReadLikeTheScriptsJSON() throws {
        let fields = try FormFields(Array("lines=%20a%20%0D%0A%0D%0Ab%0A&n=%2042%20&empty=&bad=4x&nul=a%00b".utf8))
        #expect(try fields.lines("lines") == ["a", "b"])
        #expect(try fields.int("n") == 42)
        #expect(try fields.int("empty") == 0)
        #expect(throws: DomainError.invalid("bad must be a whole number")) { try fields.int("bad") }
        #expect(throws: DomainError.unstorableText(field: "nul")) { try fields.string("nul") }
    }

    @Test func tooManyFieldsIsNotAForm() {
        let body = (0...FormFields.maxFields).map { "f\($0)=x" }.joined(separator: "&")
        #expect(throws: DomainError.invalid("too many form fields")) { try FormFields(Array(body.utf8)) }
    }
}
