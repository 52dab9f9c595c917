/// Pure layout of the 960×540 share card: panels, element boxes, colours, and
/// the placement of every text line. Measuring goes through `TextMeasurer`.
public enum CardLayout {
    public static let width = 960
    public static let height = 540

    /// The contract's card palette.
    public enum Palette {
        public static let background = RGB(15, 23, 42)
        public static let panel = RGB(248, 250, 252)
        public static let panelMuted = RGB(241, 245, 249)
        public static let ink = RGB(15, 23, 42)
        public static let inkMuted = RGB(71, 85, 105)
        public static let accent = RGB(59, 130, 246)
        public static let accentSoft = RGB(219, 234, 254)
        public static let white = RGB(255, 255, 255)
        public static let border = RGB(148, 163, 184)
    }

    public static let titlePanel = Panel(name: "title", rect: Rect(24, 24, 936, 150), fill: Palette.panel, outline: Palette.accent)
    public static let leftPanel = Panel(name: "left", rect: Rect(24, 166, 644, 440), fill: Palette.panel, outline: Palette.border)
    public static let rightPanel = Panel(name: "right", rect: Rect(660, 166, 936, 440), fill: Palette.panelMuted, outline: Palette.border)
    public static let footerPanel = Panel(name: "footer", rect: Rect(24, 456, 936, 516), fill: Palette.accentSoft, outline: Palette.accent)

    /// The four panels in drawing order.
    public static let panels = [titlePanel, leftPanel, rightPanel, footerPanel]

    /// Fixed element boxes (takeaway boxes are stacked inside `takeawaysArea` by the layout).
    public enum Boxes {
        public static let titleLabel = Rect(40, 34, 920, 50)
        /// The topic when the card has no room line.
        public static let topic = Rect(40, 56, 920, 142)
        /// The topic above the room line, and the room line.
        public static let topicAboveRoom = Rect(40, 56, 920, 118)
        public static let room = Rect(40, 122, 920, 142)
        public static let proConLabel = Rect(40, 182, 628, 198)
        public static let proCon = Rect(40, 204, 628, 258)
        public static let verdictLabel = Rect(40, 274, 628, 290)
        public static let verdict = Rect(40, 296, 628, 426)
        public static let takeawaysLabel = Rect(676, 182, 920, 198)
        public static let takeawaysArea = Rect(676, 206, 920, 426)
        public static let linkLabel = Rect(40, 464, 584, 480)
        public static let link = Rect(40, 484, 584, 507)
        public static let battleLabel = Rect(600, 464, 920, 480)
        public static let battleID = Rect(600, 484, 920, 507)
    }

    public static let labelStyle = TextStyle.bold(12)
    static let topicStyles: [TextStyle] = [.bold(26), .bold(23), .bold(20), .bold(16)]
    static let roomStyles: [TextStyle] = [.regular(14), .regular(13), .regular(12)]
    static let proConStyles: [TextStyle] = [.regular(20), .regular(18), .regular(16)]
    static let verdictStyles: [TextStyle] = [.regular(24), .regular(22), .regular(20), .regular(18), .regular(16)]
    static let takeawayStyles: [TextStyle] = [.regular(15), .regular(14), .regular(13), .regular(12)]
    static let footerStyles: [TextStyle] = [.regular(14), .regular(13), .regular(12), .regular(11)]
    static let takeawayGap = 10
    static let maxTakeawayLines = 4
    static let numberGap = 6

    /// Lays out every text line of the card.
    public static func layout(_ content: CardContent, measurer: some TextMeasurer) -> [PlacedLine] {
        var builder = Builder(wrapper: TextWrapper(measurer: measurer))
        builder.label("BATTLE CARD", .titleLabel, Boxes.titleLabel, titlePanel)
        // The room is a line of its own (DECISIONS 27), never a `(room)` suffix of the topic.
        let hasRoom = content.room.contains { !$0.isWhitespace }
        let topicBox = hasRoom ? Boxes.topicAboveRoom : Boxes.topic
        builder.paragraph(content.topic, .topic, topicBox, titlePanel, styles: topicStyles, maxLines: 4, color: Palette.ink)
        if hasRoom {
            builder.paragraph("Room: " + content.room, .room, Boxes.room, titlePanel, styles: roomStyles, maxLines: 1, color: Palette.inkMuted)
        }

        builder.label("PRO / CON", .proConLabel, Boxes.proConLabel, leftPanel)
        builder.proCon(pro: content.pro, con: content.con, box: Boxes.proCon, panel: leftPanel, styles: proConStyles)
        builder.label("VERDICT", .verdictLabel, Boxes.verdictLabel, leftPanel)
        builder.paragraph(content.verdict, .verdict, Boxes.verdict, leftPanel, styles: verdictStyles, maxLines: 5, color: Palette.ink)

        builder.label("TOP TAKEAWAYS", .takeawaysLabel, Boxes.takeawaysLabel, rightPanel)
        builder.takeaways(Array(content.takeaways.prefix(3)), area: Boxes.takeawaysArea, panel: rightPanel)

        builder.label("SHARE LINK", .linkLabel, Boxes.linkLabel, footerPanel)
        builder.paragraph(content.linkDisplay, .link, Boxes.link, footerPanel, styles: footerStyles, maxLines: 1, color: Palette.inkMuted)
        builder.label("OPEN BATTLE", .battleLabel, Boxes.battleLabel, footerPanel)
        builder.paragraph(content.battleID, .battleID, Boxes.battleID, footerPanel, styles: footerStyles, maxLines: 1, color: Palette.ink)
        return builder.lines
    }
}
