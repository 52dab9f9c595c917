import Card
import Domain
import Foundation

/// Uncached share-card renders (layout, rasterising, PNG encoding; no card cache), median and p99.
/// Target on a 2-core machine: under 30 ms.
func benchmarkCardRender(iterations: Int = 200) throws {
    let renderer = try CardRenderer(fontPath: ProcessInfo.processInfo.environment["CARD_FONT_PATH"] ?? CardRenderer.defaultFontPath)
    var times: [Double] = []
    for n in 0..<iterations {
        // A different battle each time, so nothing but the glyph cache can be reused.
        let summary = BattleSummary(
            content: "Topic: Çay mı kahve mi, sabah verimliliği için hangisi? \(n)\nTemplate: Claim/Evidence 6 turns",
            personaName: nil,
            replies: [("Ayşe Öztürk", "Kahve odaklanmayı artırır, ölçtüm. \(n)"), ("Linus", "Tea keeps me calm and steady for hours.")])
        let content = CardContent(
            topic: summary.topic, room: "ai-builders", pro: summary.pro, con: summary.con, verdict: summary.verdict,
            takeaways: summary.takeaways, linkDisplay: "localhost:8080/b/\(Identifiers.newUUID())",
            battleID: Identifiers.newUUID())
        let t0 = Monotonic.nanos()
        _ = try renderer.render(content)
        times.append(Double(Monotonic.nanos() - t0) / 1e6)
    }
    let p50 = percentile(times, 0.5)
    let p99 = percentile(times, 0.99)
    print(
        String(
            format: "bench: card render uncached, %d renders: median %.2f ms, p99 %.2f ms  (target < 30 ms: %@)",
            iterations, p50, p99, p99 < 30 ? "met" : "MISSED"))
}
