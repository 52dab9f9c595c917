@testable import Card

enum Fixtures {
    static let fontPath = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
    static let boldFontPath = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"

    static func renderer() throws -> CardRenderer {
        try CardRenderer(fontPath: fontPath)
    }

    static let battleID = "3f2b8c1e-9a4d-4e7b-8c2a-1d5e6f7a8b9c"

    static let sample = CardContent(
        topic: "Yapay zekâ ile öğrenme: çocuklar için güvenli mi, yoksa ışık hızında bir değişim mi?",
        room: "eğitim",
        pro: "Ayşe Öztürk",
        con: "Çağrı Işıkgül",
        verdict: "Verdict: The strongest outcome is to run a small test, measure results, and iterate fast.",
        takeaways: [
            "Öğretmenler yapay zekâ araçlarını ölçülebilir hedeflerle ve açık kurallarla sınıfa getirmeli.",
            "Keep claims concrete and tied to measurable outcomes.",
            "Şeffaflık şart: hangi verinin toplandığını ve nasıl işlendiğini velilere düzenli anlatmak gerek.",
        ],
        linkDisplay: "personaworlds.example.com/b/\(battleID)",
        battleID: battleID)

    static let longWord = String(repeating: "x", count: 500)

    /// Everything as long as the derivation rules allow, plus oversize inputs.
    static let stress = CardContent(
        topic: String(repeating: "Uzun ve çok kelimeli bir başlık ğüşıöç ", count: 12),
        room: String(repeating: "çok-uzun-oda-adı ", count: 12),
        pro: String(repeating: "Ğ", count: 36),
        con: String(repeating: "W", count: 36),
        verdict: String(repeating: "Verdict: practical experimentation still wins. ", count: 8),
        takeaways: [longWord, String(repeating: "İstanbul'da ölçülebilir sonuç ", count: 10), String(repeating: "m", count: 90)],
        linkDisplay: "a-very-long-frontend-origin.personaworlds.example.com/some/prefix/b/\(battleID)\(longWord)",
        battleID: longWord)

    static let stressWithoutRoom: CardContent = {
        var content = stress
        content.room = "  "
        return content
    }()

    static let empty = CardContent(topic: "", pro: "", con: "", verdict: "", takeaways: [], linkDisplay: "", battleID: "")

    /// The card without any text: background, filled panels, outlines.
    static func baseColor(x: Int, y: Int) -> RGB {
        var color = CardLayout.Palette.background
        for panel in CardLayout.panels where panel.rect.contains(x: x, y: y) {
            let r = panel.rect
            let edge = x == r.x0 || x == r.x1 - 1 || y == r.y0 || y == r.y1 - 1
            color = edge ? panel.outline : panel.fill
        }
        return color
    }

    static func pixel(_ rgba: [UInt8], x: Int, y: Int) -> RGB {
        let i = (y * CardLayout.width + x) * 4
        return RGB(rgba[i], rgba[i + 1], rgba[i + 2])
    }
}
