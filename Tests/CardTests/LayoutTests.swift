import Testing

@testable import Card

@Suite struct LayoutTests {
    static let contents: [CardContent] = [Fixtures.sample, Fixtures.stress, Fixtures.empty, Fixtures.stressWithoutRoom]

    @Test(arguments: contents)
    func linesStayInsideTheirBoxesAndPanels(content: CardContent) throws {
        let renderer = try Fixtures.renderer()
        for line in renderer.layout(content) {
            #expect(line.box.contains(line.bounds), "\(line.element) \(line.text) \(line.bounds) not in \(line.box)")
            #expect(line.panel.rect.inset(1, 1).contains(line.box), "\(line.element) box \(line.box) leaves \(line.panel.name)")
            #expect(line.width <= line.box.width, "\(line.element) \(line.width) > \(line.box.width)")
            #expect(line.x >= line.box.x0 && line.x + line.width <= line.box.x1)
            #expect(!line.text.isEmpty)
        }
    }

    @Test(arguments: contents)
    func elementsAndLinesNeverOverlap(content: CardContent) throws {
        let lines = try Fixtures.renderer().layout(content)
        var boxes: [CardElement: Rect] = [:]
        for line in lines {
            if let known = boxes[line.element] { #expect(known == line.box) }
            boxes[line.element] = line.box
        }
        let elements = Array(boxes)
        for i in elements.indices {
            for j in elements.indices where j > i {
                #expect(!elements[i].value.intersects(elements[j].value), "\(elements[i].key) overlaps \(elements[j].key)")
            }
        }
        for i in lines.indices {
            for j in lines.indices where j > i {
                #expect(!lines[i].bounds.intersects(lines[j].bounds), "\(lines[i].text) overlaps \(lines[j].text)")
            }
        }
    }

    @Test func sampleHasEveryElement() throws {
        let lines = try Fixtures.renderer().layout(Fixtures.sample)
        let elements = Set(lines.map(\.element))
        let expected: Set<CardElement> = [
            .titleLabel, .topic, .room, .proConLabel, .proCon, .verdictLabel, .verdict, .takeawaysLabel,
            .takeaway(1), .takeaway(2), .takeaway(3), .linkLabel, .link, .battleLabel, .battleID,
        ]
        #expect(elements == expected)
        let labels = lines.filter { [.titleLabel, .proConLabel, .verdictLabel, .takeawaysLabel, .linkLabel, .battleLabel].contains($0.element) }
        #expect(labels.map(\.text) == ["BATTLE CARD", "PRO / CON", "VERDICT", "TOP TAKEAWAYS", "SHARE LINK", "OPEN BATTLE"])
        #expect(lines.filter { $0.element == .proCon }.map(\.text) == ["Pro: Ayşe Öztürk    Con: Çağrı Işıkgül"])
        for i in 1...3 {
            #expect(lines.first { $0.element == .takeaway(i) }?.text == "\(i).")
            #expect(!lines.filter { $0.element == .takeaway(i) }.contains { $0.text.hasSuffix("…") })
        }
        // The whole 36-character UUID and the link fit on one line, without ellipsis.
        #expect(lines.filter { $0.element == .battleID }.map(\.text) == [Fixtures.battleID])
        #expect(lines.filter { $0.element == .link }.map(\.text) == [Fixtures.sample.linkDisplay])
        #expect(lines.filter { $0.element == .topic }.map(\.text).joined(separator: " ") == Fixtures.sample.topic)
    }

    @Test func longTopicWithoutARoomWrapsToFourLinesWithEllipsis() throws {
        let lines = try Fixtures.renderer().layout(Fixtures.stressWithoutRoom)
        let topic = lines.filter { $0.element == .topic }
        #expect(topic.count == 4)
        #expect(topic.last?.text.hasSuffix("…") == true)
        #expect(topic.dropLast().allSatisfy { !$0.text.hasSuffix("…") })
        #expect(Set(topic.map(\.baseline)).count == 4)
        #expect(!lines.contains { $0.element == .room }, "no room, no room line")
        #expect(topic.allSatisfy { $0.box == CardLayout.Boxes.topic })
    }

    @Test func theRoomIsItsOwnLineUnderTheTopic() throws {
        let lines = try Fixtures.renderer().layout(Fixtures.sample)
        let topic = lines.filter { $0.element == .topic }
        let room = lines.filter { $0.element == .room }
        #expect(room.map(\.text) == ["Room: eğitim"])
        #expect(room.allSatisfy { $0.color == CardLayout.Palette.inkMuted })
        let roomTop = try #require(room.first?.bounds.y0)
        #expect(topic.allSatisfy { $0.bounds.y1 <= roomTop }, "every topic line is above the room line")
        #expect(!topic.map(\.text).joined(separator: " ").contains("eğitim"), "the topic carries no room suffix")
        // A long topic and a long room: the topic shrinks and is cut above the room, which stays one line.
        let stress = try Fixtures.renderer().layout(Fixtures.stress)
        let stressTopic = stress.filter { $0.element == .topic }
        let stressRoom = stress.filter { $0.element == .room }
        #expect(stressRoom.count == 1 && stressRoom[0].text.hasPrefix("Room: ") && stressRoom[0].text.hasSuffix("…"))
        #expect(stressTopic.last?.text.hasSuffix("…") == true)
        #expect(stressTopic.allSatisfy { $0.bounds.y1 <= stressRoom[0].bounds.y0 })
    }

    @Test func unbrokenWordIsSplitIntoChunksAndEllipsized() throws {
        var content = Fixtures.sample
        content.topic = Fixtures.longWord
        content.room = ""
        let lines = try Fixtures.renderer().layout(content)
        let topic = lines.filter { $0.element == .topic }
        #expect(topic.count == 4)
        #expect(topic.dropLast().allSatisfy { $0.text.allSatisfy { $0 == "x" } && $0.text.count > 10 })
        #expect(topic.last?.text.hasSuffix("…") == true)
        let stress = try Fixtures.renderer().layout(Fixtures.stress)
        let firstTakeaway = stress.filter { $0.element == .takeaway(1) && $0.text != "1." }
        #expect(firstTakeaway.count >= 2)
        #expect(firstTakeaway.dropLast().allSatisfy { $0.text.allSatisfy { $0 == "x" } })
        #expect(firstTakeaway.last?.text.hasSuffix("…") == true)
        let id = stress.filter { $0.element == .battleID }
        #expect(id.count == 1 && id[0].text.hasSuffix("…"))
    }

    @Test func wrapperMeasuresEveryLineWithinWidth() throws {
        let rasterizer = try FontRasterizer(regularPath: Fixtures.fontPath, boldPath: nil)
        let wrapper = TextWrapper(measurer: rasterizer)
        let style = TextStyle.regular(16)
        for width in [40, 97, 244, 588] {
            let text = "Kısa kelimeler ve " + Fixtures.longWord + " sonra yine kısa kelimeler çğüşİ"
            let lines = wrapper.wrap(text, maxWidth: width, style: style)
            #expect(lines.count > 1)
            #expect(lines.allSatisfy { rasterizer.width(of: $0, style: style) <= width })
            #expect(lines.joined().filter { $0 != " " } == TextWrapper<FontRasterizer>.words(text).joined())
            let cut = wrapper.wrap(text, maxWidth: width, maxLines: 2, style: style)
            #expect(cut.truncated && cut.lines.count == 2 && cut.lines[1].hasSuffix("…"))
            #expect(cut.lines.allSatisfy { rasterizer.width(of: $0, style: style) <= width })
        }
        #expect(wrapper.wrap("   ", maxWidth: 100, style: style).isEmpty)
        #expect(wrapper.ellipsize("fits", maxWidth: 100, style: style) == "fits")
    }

    @Test func longSideNamesGetOneLineEach() throws {
        let lines = try Fixtures.renderer().layout(Fixtures.stress).filter { $0.element == .proCon }
        #expect(lines.count == 2)
        #expect(lines[0].text.hasPrefix("Pro: ") && lines[1].text.hasPrefix("Con: "))
    }
}
