import Testing

@testable import Card

@Suite struct FontTests {
    @Test func missingFontThrowsFontUnavailable() {
        #expect(throws: CardError.fontUnavailable("/nonexistent/font.ttf")) {
            try CardRenderer(fontPath: "/nonexistent/font.ttf")
        }
    }

    @Test func missingExplicitBoldThrowsFontUnavailable() {
        #expect(throws: CardError.fontUnavailable("/nonexistent/bold.ttf")) {
            try CardRenderer(fontPath: Fixtures.fontPath, boldFontPath: "/nonexistent/bold.ttf")
        }
    }

    @Test func nonFontFileThrowsFontUnavailable() {
        #expect(throws: CardError.fontUnavailable("/etc/passwd")) {
            try CardRenderer(fontPath: "/etc/passwd")
        }
    }

    @Test func boldSiblingPath() {
        #expect(FontRasterizer.boldSibling(of: "/usr/share/fonts/DejaVuSans.ttf") == "/usr/share/fonts/DejaVuSans-Bold.ttf")
        #expect(FontRasterizer.boldSibling(of: "Font.otf") == "Font-Bold.otf")
        #expect(FontRasterizer.boldSibling(of: "/a.b/font") == nil)
    }

    @Test func explicitBoldMatchesDefaultSibling() throws {
        let implicit = try CardRenderer(fontPath: Fixtures.fontPath)
        let explicit = try CardRenderer(fontPath: Fixtures.fontPath, boldFontPath: Fixtures.boldFontPath)
        #expect(try implicit.render(Fixtures.sample) == (try explicit.render(Fixtures.sample)))
    }

    @Test func boldFallsBackToRegularWithoutSibling() throws {
        // Same file as both faces: labels render with the regular face, everything still fits.
        let renderer = try CardRenderer(fontPath: Fixtures.fontPath, boldFontPath: Fixtures.fontPath)
        let lines = renderer.layout(Fixtures.sample)
        #expect(lines.allSatisfy { $0.box.contains($0.bounds) })
        let rasterizer = try FontRasterizer(regularPath: Fixtures.fontPath, boldPath: Fixtures.fontPath)
        #expect(rasterizer.width(of: "BATTLE", style: .bold(12)) == rasterizer.width(of: "BATTLE", style: .regular(12)))
        let real = try FontRasterizer(regularPath: Fixtures.fontPath, boldPath: nil)
        #expect(real.width(of: "BATTLE", style: .bold(12)) > real.width(of: "BATTLE", style: .regular(12)))
    }

    @Test func glyphMetricsCoverTurkishInk() throws {
        let rasterizer = try FontRasterizer(regularPath: Fixtures.fontPath, boldPath: nil)
        for style in [TextStyle.regular(12), .regular(16), .bold(26)] {
            let ascent = rasterizer.ascent(style)
            let descent = rasterizer.lineHeight(style) - ascent
            for scalar in "ğüşıöçĞÜŞİÖÇgjy".unicodeScalars {
                let glyph = rasterizer.glyph(scalar, style: style)
                #expect(glyph.rows > 0 && glyph.top <= ascent && glyph.rows - glyph.top <= descent)
            }
        }
    }
}
