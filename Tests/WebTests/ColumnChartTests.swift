import Testing
import Web

/// The console's column charts: stacked parts scaled to the tallest column, empty slots without parts, a cap on slots.
@Suite struct ColumnChartTests {
    @Test func columnsStackTheirPartsScaledToTheTallest() {
        let chart = ColumnChart(
            id: "c", title: "t", summary: "s",
            slots: [.init(title: "a", tick: "12:00", values: [1, 1]), .init(title: "b", values: [0, 0]), .init(title: "c", values: [1, 0])])
        #expect(chart.scaleMax == 2)
        let plot = chart.plotHeight
        #expect(chart.columns.count == 3)
        let first = chart.columns[0].parts
        #expect(first.map(\.series) == ["chart-a", "chart-b"])
        #expect(plot % 2 == 0, "the fixture divides evenly")
        #expect(first[0].height == plot / 2 && first[1].height == plot / 2)
        #expect(first[0].y + first[0].height == chart.baseline, "the first part stands on the axis")
        #expect(first[1].y + first[1].height == first[0].y, "the second sits on the first")
        #expect(first[1].y == chart.plotTop, "the tallest column reaches the top")
        #expect(chart.columns[1].parts.isEmpty, "an empty slot draws no bar, only its tooltip area")
        #expect(chart.columns[2].parts.map(\.height) == [plot / 2])
        #expect(chart.ticks.map(\.text) == ["12:00"])
        #expect(chart.columns.map(\.title) == ["a", "b", "c"])
    }

    @Test func aSmallValueBesideALargeOneStaysVisible() {
        let chart = ColumnChart(id: "c", title: "t", summary: "s", slots: [.init(title: "a", values: [10_000, 1])])
        #expect(chart.columns[0].parts[1].height == 1)
    }

    @Test func allZeroAndEmptyInputsStillDrawAnAxis() {
        let zero = ColumnChart(id: "z", title: "t", summary: "s", slots: Array(repeating: .init(title: "x", values: [0]), count: 60))
        #expect(zero.scaleMax == 1 && zero.columns.allSatisfy(\.parts.isEmpty))
        #expect(zero.columns.last.map { $0.x + $0.width } ?? 0 <= zero.plotRight)
        let empty = ColumnChart(id: "e", title: "t", summary: "s", slots: [])
        #expect(empty.columns.isEmpty && empty.scaleMax == 1)
    }

    @Test func onlyTheNewestSlotsBeyondTheCapAreDrawnAndNegativeValuesCountAsZero() {
        let slots = (0..<(ColumnChart.maxSlots + 10)).map { ColumnChart.Slot(title: "\($0)", values: [-5, 1]) }
        let chart = ColumnChart(id: "c", title: "t", summary: "s", slots: slots)
        #expect(chart.columns.count == ColumnChart.maxSlots)
        #expect(chart.columns.first?.title == "10")
        #expect(chart.scaleMax == 1)
        #expect(chart.columns.allSatisfy { $0.parts.map(\.series) == ["chart-b"] })
    }
}
