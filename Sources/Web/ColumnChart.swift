/// The geometry of a column chart the server draws as SVG (no script, no library, no inline style: colours come from
/// the stylesheet's classes, so the pages' strict CSP holds): one column per slot (a minute, a day), each a stack of up
/// to `ColumnChart.maxParts` parts (e.g. jobs done below jobs failed), scaled to the tallest column, with the scale's top
/// value and a few time labels under the axis. Each column carries its own tooltip text (`<title>`).
public struct ColumnChart: Sendable {
    /// One slot of the input: its tooltip, an optional label under the axis, and the stacked values, bottom first.
    public struct Slot: Sendable {
        public let title: String
        public let tick: String?
        public let values: [Int]

        public init(title: String, tick: String? = nil, values: [Int]) {
            self.title = title
            self.tick = tick
            self.values = values
        }
    }

    public struct Column: Sendable {
        public let title: String
        /// The column's whole slot, drawn transparent so its tooltip shows even where the column is empty.
        public let x: Int
        public let width: Int
        public let parts: [Part]
    }

    public struct Part: Sendable {
        public let x: Int
        public let y: Int
        public let width: Int
        public let height: Int
        /// The stylesheet class of this part's series (`chart-a`, `chart-b`).
        public let series: String
    }

    public struct Tick: Sendable {
        public let x: Int
        public let text: String
    }

    /// Parts per column (the stylesheet colours `chart-a` and `chart-b`).
    public static let maxParts = 2
    /// Slots drawn at most; the input is cut to its newest slots beyond this.
    public static let maxSlots = 120
    public static let width = 720
    public static let height = 200
    static let left = 44
    static let right = 8
    static let top = 10
    static let axisHeight = 24

    public let width = ColumnChart.width
    public let height = ColumnChart.height
    /// Accessible name and summary (`<title>` and `<desc>` of the SVG), and the ids tying them to it.
    public let id: String
    public let title: String
    public let summary: String
    public let columns: [Column]
    public let ticks: [Tick]
    /// The scale: the largest stacked total (at least 1), written at the top of the axis.
    public let scaleMax: Int
    public let plotLeft = ColumnChart.left
    public let plotRight = ColumnChart.width - ColumnChart.right
    public let plotTop = ColumnChart.top
    public let baseline = ColumnChart.height - ColumnChart.axisHeight
    public let plotHeight = ColumnChart.height - ColumnChart.top - ColumnChart.axisHeight
    public let scaleTextY = ColumnChart.top + 10
    public let baselineTextY = ColumnChart.height - ColumnChart.axisHeight
    public let tickTextY = ColumnChart.height - 6
    public let labelX = ColumnChart.left - 6

    /// `id` names the chart's title and description elements (unique on the page).
    public init(id: String, title: String, summary: String, slots: [Slot]) {
        self.id = id
        self.title = title
        self.summary = summary
        let shown = Array(slots.suffix(Self.maxSlots))
        let totals = shown.map { $0.values.prefix(Self.maxParts).reduce(0) { $0 &+ max(0, $1) } }
        let top = max(1, totals.max() ?? 1)
        scaleMax = top
        let plotWidth = Self.width - Self.left - Self.right
        let plotHeight = Self.height - Self.top - Self.axisHeight
        let step = shown.isEmpty ? plotWidth : plotWidth / shown.count
        let gap = step >= 6 ? max(1, step / 6) : 0
        var columns: [Column] = []
        var ticks: [Tick] = []
        for (index, slot) in shown.enumerated() {
            let x = Self.left + index * step
            var bottom = Self.height - Self.axisHeight
            var parts: [Part] = []
            for (series, value) in slot.values.prefix(Self.maxParts).enumerated() where value > 0 {
                // Scaled down, but never to nothing: a single failure next to hundreds done stays visible.
                let height = max(1, Int((Double(value) * Double(plotHeight) / Double(top)).rounded()))
                bottom -= height
                parts.append(Part(x: x, y: bottom, width: max(1, step - gap), height: height, series: series == 0 ? "chart-a" : "chart-b"))
            }
            columns.append(Column(title: slot.title, x: x, width: step, parts: parts))
            if let tick = slot.tick { ticks.append(Tick(x: x + step / 2, text: tick)) }
        }
        self.columns = columns
        self.ticks = ticks
    }
}
