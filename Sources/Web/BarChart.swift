/// The geometry of the admin page's bar chart, drawn by the server as SVG (no script, no library):
/// one row per event name, a bar for the last 24 hours and one for the last 7 days, scaled to the largest count.
public struct BarChart: Sendable {
    public struct Row: Sendable {
        public let label: String
        public let labelY: Int
        public let day: Bar
        public let week: Bar
    }

    public struct Bar: Sendable {
        public let x: Int
        public let y: Int
        public let width: Int
        public let height: Int
        public let count: Int
        /// Where the count is written, just past the bar's end.
        public let textX: Int
        public let textY: Int
    }

    public static let labelWidth = 190
    public static let plotWidth = 460
    public static let rowHeight = 34
    public static let barHeight = 12

    public let rows: [Row]
    public let width = BarChart.labelWidth + BarChart.plotWidth + 70
    public let height: Int

    /// `series` is `(label, last 24 h, last 7 days)` in display order.
    public init(series: [(label: String, day: Int, week: Int)]) {
        let top = max(1, series.map { max($0.day, $0.week) }.max() ?? 1)
        func bar(_ count: Int, y: Int) -> Bar {
            let width = count == 0 ? 0 : max(2, count * Self.plotWidth / top)
            return Bar(
                x: Self.labelWidth, y: y, width: width, height: Self.barHeight, count: count,
                textX: Self.labelWidth + width + 6, textY: y + Self.barHeight - 2)
        }
        rows = series.enumerated().map { index, item in
            let y = 8 + index * Self.rowHeight
            return Row(label: item.label, labelY: y + Self.barHeight + 3, day: bar(item.day, y: y), week: bar(item.week, y: y + Self.barHeight + 2))
        }
        height = 16 + series.count * Self.rowHeight
    }
}
