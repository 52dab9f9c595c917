import Testing

@testable import Card

@Suite struct RenderTests {
    @Test func pngDecodesTo960x540Opaque() throws {
        let png = try Fixtures.renderer().render(Fixtures.sample)
        #expect(Array(png.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        let decoded = try PNGCodec.decode(png)
        #expect(decoded.width == 960 && decoded.height == 540)
        #expect(decoded.rgba.count == 960 * 540 * 4)
        #expect(stride(from: 3, to: decoded.rgba.count, by: 4).allSatisfy { decoded.rgba[$0] == 255 })
        let pixels = try Fixtures.renderer().renderPixels(Fixtures.sample).rgba
        #expect(decoded.rgba == pixels)
    }

    @Test func identicalInputGivesIdenticalBytes() throws {
        let a = try Fixtures.renderer()
        let b = try Fixtures.renderer()
        let first = try a.render(Fixtures.sample)
        #expect(try a.render(Fixtures.sample) == first)
        #expect(try b.render(Fixtures.stress) == (try a.render(Fixtures.stress)))
        #expect(try b.render(Fixtures.sample) == first)
        var other = Fixtures.sample
        other.pro = "Someone Else"
        #expect(try a.render(other) != first)
    }

    @Test func pngHasNoTimeOrTextChunks() throws {
        let png = try Fixtures.renderer().render(Fixtures.sample)
        var chunks: [String] = []
        var i = 8
        while i + 8 <= png.count {
            let length = png[i..<i + 4].reduce(0) { $0 << 8 | Int($1) }
            chunks.append(String(decoding: png[i + 4..<i + 8], as: UTF8.self))
            i += 12 + length
        }
        #expect(chunks.first == "IHDR" && chunks.last == "IEND")
        #expect(!chunks.contains { ["tIME", "tEXt", "zTXt", "iTXt"].contains($0) })
    }

    @Test func turkishTopicHasRealGlyphs() throws {
        let renderer = try Fixtures.renderer()
        #expect(renderer.hasGlyphs(for: "ğüşıöçĞÜŞİÖÇ…"))
        #expect(renderer.hasGlyphs(for: "ğüşıöçĞÜŞİÖÇ…", bold: true))
        func topicInk(_ topic: String) throws -> [UInt8] {
            var content = Fixtures.sample
            content.topic = topic
            let (lines, rgba) = try renderer.renderPixels(content)
            let box = try #require(lines.first { $0.element == .topic }?.box)
            var region: [UInt8] = []
            for y in box.y0..<box.y1 {
                for x in box.x0..<box.x1 { region.append(Fixtures.pixel(rgba, x: x, y: y).g) }
            }
            return region
        }
        let fill = CardLayout.titlePanel.fill.g
        let turkish = try topicInk("ğüşıöç")
        #expect(turkish.filter { $0 != fill }.count > 100)
        let breve = try topicInk("ğ")
        let plain = try topicInk("g")
        #expect(breve.contains { $0 != fill } && plain.contains { $0 != fill })
        #expect(breve != plain)
        // ğ has ink (its breve) above everything g covers.
        func topRow(_ region: [UInt8]) -> Int? { region.firstIndex { $0 != fill }.map { $0 / 880 } }
        #expect(try #require(topRow(breve)) < (try #require(topRow(plain))))
    }

    @Test(arguments: [Fixtures.sample, Fixtures.stress, Fixtures.empty])
    func noTextPixelsOutsideTheBoxes(content: CardContent) throws {
        let (lines, rgba) = try Fixtures.renderer().renderPixels(content)
        let boxes = Set(lines.map(\.box))
        let bounds = lines.map(\.bounds)
        var outsideBoxes = 0
        var outsideLines = 0
        for y in 0..<CardLayout.height {
            for x in 0..<CardLayout.width where Fixtures.pixel(rgba, x: x, y: y) != Fixtures.baseColor(x: x, y: y) {
                if !boxes.contains(where: { $0.contains(x: x, y: y) }) { outsideBoxes += 1 }
                if !bounds.contains(where: { $0.contains(x: x, y: y) }) { outsideLines += 1 }
            }
        }
        #expect(outsideBoxes == 0)
        #expect(outsideLines == 0)
    }

    @Test(arguments: [Fixtures.sample, Fixtures.stress])
    func everyLineHasInkAndContrastsWithItsPanel(content: CardContent) throws {
        let (lines, rgba) = try Fixtures.renderer().renderPixels(content)
        for line in lines {
            #expect(line.color != line.panel.fill)
            #expect(line.color.contrastRatio(to: line.panel.fill) >= 3.0, "\(line.element) \(line.color) on \(line.panel.fill)")
            var ink = 0
            for y in line.bounds.y0..<line.bounds.y1 {
                for x in line.bounds.x0..<line.bounds.x1 where Fixtures.pixel(rgba, x: x, y: y) != line.panel.fill { ink += 1 }
            }
            #expect(ink > 0, "\(line.element) \(line.text) drew nothing")
        }
        let id = try #require(lines.first { $0.element == .battleID })
        #expect(id.color == CardLayout.Palette.ink)
    }

    @Test func contrastRatioMatchesWCAG() {
        #expect(abs(RGB(0, 0, 0).contrastRatio(to: RGB(255, 255, 255)) - 21) < 0.01)
        #expect(abs(RGB(119, 119, 119).contrastRatio(to: RGB(255, 255, 255)) - 4.48) < 0.01)
    }

    @Test func concurrentRendersAreSafeAndIdentical() async throws {
        let renderer = try Fixtures.renderer()
        let expected = try renderer.render(Fixtures.sample)
        let results = try await withThrowingTaskGroup(of: [UInt8].self) { group in
            for i in 0..<16 {
                group.addTask { try renderer.render(i % 2 == 0 ? Fixtures.sample : Fixtures.stress) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.count == 16)
        #expect(results.filter { $0 == expected }.count == 8)
    }

    @Test func invalidPNGFailsToDecode() {
        #expect(throws: CardError.self) { try PNGCodec.decode([1, 2, 3, 4]) }
    }

    @Test func encodeDecodeRoundTripsAlpha() throws {
        var rgba = [UInt8](repeating: 0, count: 4 * 3 * 4)
        for i in rgba.indices { rgba[i] = UInt8(i * 5) }
        let decoded = try PNGCodec.decode(try PNGCodec.encode(rgba: rgba, width: 4, height: 3))
        #expect(decoded.width == 4 && decoded.height == 3 && decoded.rgba == rgba)
    }
}
