extension CardLayout {
    /// Accumulates placed lines; each method lays out one element inside its box.
    struct Builder<Measurer: TextMeasurer> {
        let wrapper: TextWrapper<Measurer>
        var lines: [PlacedLine] = []

        init(wrapper: TextWrapper<Measurer>) {
            self.wrapper = wrapper
        }

        private var measurer: Measurer { wrapper.measurer }

        /// Places `texts` as consecutive lines, the first on `baseline`, each starting at `x`.
        mutating func place(
            _ texts: [String], style: TextStyle, color: RGB, x: Int, baseline: Int,
            element: CardElement, box: Rect, panel: Panel
        ) {
            let ascent = measurer.ascent(style)
            let lineHeight = measurer.lineHeight(style)
            let pitch = style.linePitch(lineHeight: lineHeight)
            for (i, text) in texts.enumerated() where !text.isEmpty {
                let lineTop = baseline - ascent + i * pitch
                let width = measurer.width(of: text, style: style)
                lines.append(
                    PlacedLine(
                        text: text, style: style, color: color, x: x, baseline: lineTop + ascent, width: width,
                        bounds: Rect(x, lineTop, x + width, lineTop + lineHeight),
                        element: element, box: box, panel: panel))
            }
        }

        /// An upper-cased accent label on one line.
        mutating func label(_ text: String, _ element: CardElement, _ box: Rect, _ panel: Panel) {
            let style = CardLayout.labelStyle
            let line = wrapper.ellipsize(text.uppercased(), maxWidth: box.width, style: style)
            place(
                [line], style: style, color: CardLayout.Palette.accent, x: box.x0, baseline: box.y0 + measurer.ascent(style),
                element: element, box: box, panel: panel)
        }

        /// A wrapped, shrink-to-fit paragraph filling `box` from the top.
        mutating func paragraph(
            _ text: String, _ element: CardElement, _ box: Rect, _ panel: Panel,
            styles: [TextStyle], maxLines: Int, color: RGB
        ) {
            let fitted = wrapper.fit(text, width: box.width, height: box.height, maxLines: maxLines, styles: styles)
            place(
                fitted.lines, style: fitted.style, color: color, x: box.x0, baseline: box.y0 + measurer.ascent(fitted.style),
                element: element, box: box, panel: panel)
        }

        /// `Pro: <pro>    Con: <con>` on one line when it fits, otherwise one line per side.
        mutating func proCon(pro: String, con: String, box: Rect, panel: Panel, styles: [TextStyle]) {
            let proText = "Pro: " + TextWrapper<Measurer>.collapse(pro)
            let conText = "Con: " + TextWrapper<Measurer>.collapse(con)
            let oneLine = proText + "    " + conText
            var chosen: (TextStyle, [String])?
            for style in styles where wrapper.linesFitting(height: box.height, style: style) >= 1 {
                if measurer.width(of: oneLine, style: style) <= box.width {
                    chosen = (style, [oneLine])
                    break
                }
                if wrapper.linesFitting(height: box.height, style: style) >= 2,
                    measurer.width(of: proText, style: style) <= box.width,
                    measurer.width(of: conText, style: style) <= box.width
                {
                    chosen = (style, [proText, conText])
                    break
                }
            }
            let (style, texts): (TextStyle, [String])
            if let chosen {
                (style, texts) = chosen
            } else {
                style = styles[styles.count - 1]
                let w = wrapper
                let cut = { (s: String) in w.ellipsize(s, maxWidth: box.width, style: style) }
                texts =
                    wrapper.linesFitting(height: box.height, style: style) >= 2
                    ? [cut(proText), cut(conText)]
                    : [cut(proText + " · " + conText)]
            }
            place(
                texts, style: style, color: CardLayout.Palette.ink, x: box.x0, baseline: box.y0 + measurer.ascent(style),
                element: .proCon, box: box, panel: panel)
        }

        /// Numbered takeaways stacked in `area`, each up to `maxTakeawayLines` lines with a hanging indent;
        /// the largest style where all of them fit whole wins, else the smallest, ellipsized.
        mutating func takeaways(_ items: [String], area: Rect, panel: Panel) {
            let styles = CardLayout.takeawayStyles
            var chosen = stack(items, style: styles[0], maxLines: nil, area: area)
            for style in styles {
                chosen = stack(items, style: style, maxLines: nil, area: area)
                if chosen.complete && chosen.height <= area.height { break }
            }
            if !(chosen.complete && chosen.height <= area.height) {
                for maxLines in stride(from: CardLayout.maxTakeawayLines, through: 1, by: -1) {
                    chosen = stack(items, style: styles[styles.count - 1], maxLines: maxLines, area: area)
                    if chosen.height <= area.height { break }
                }
            }
            for item in chosen.items {
                place(
                    [item.number], style: chosen.numberStyle, color: CardLayout.Palette.accent,
                    x: area.x0, baseline: item.baseline, element: item.element, box: item.box, panel: panel)
                place(
                    item.lines, style: chosen.style, color: CardLayout.Palette.ink,
                    x: area.x0 + chosen.indent, baseline: item.baseline, element: item.element, box: item.box, panel: panel)
            }
        }

        private struct Stacked {
            var number: String
            var lines: [String]
            var baseline: Int
            var box: Rect
            var element: CardElement
        }

        /// Wraps and stacks the takeaways in one style (`maxLines` nil: no cut, `complete`
        /// tells whether each fits in `maxTakeawayLines` lines).
        private func stack(
            _ texts: [String], style: TextStyle, maxLines: Int?, area: Rect
        )
            -> (style: TextStyle, numberStyle: TextStyle, indent: Int, items: [Stacked], height: Int, complete: Bool)
        {
            let numberStyle = TextStyle.bold(style.pixelSize)
            let numbers = texts.indices.map { "\($0 + 1)." }
            let indent = (numbers.map { measurer.width(of: $0, style: numberStyle) }.max() ?? 0) + CardLayout.numberGap
            let textAscent = measurer.ascent(style)
            let numberAscent = measurer.ascent(numberStyle)
            let ascent = max(textAscent, numberAscent)
            var items: [Stacked] = []
            var top = area.y0
            var complete = true
            for (i, text) in texts.enumerated() {
                let lines: [String]
                if let maxLines {
                    lines = wrapper.wrap(text, maxWidth: area.width - indent, maxLines: maxLines, style: style).lines
                } else {
                    lines = wrapper.wrap(text, maxWidth: area.width - indent, style: style)
                    complete = complete && lines.count <= CardLayout.maxTakeawayLines
                }
                let baseline = top + ascent
                let textBottom = baseline - textAscent + wrapper.blockHeight(lines: max(1, lines.count), style: style)
                let numberBottom = baseline - numberAscent + measurer.lineHeight(numberStyle)
                let box = Rect(area.x0, top, area.x1, max(textBottom, numberBottom))
                items.append(Stacked(number: numbers[i], lines: lines, baseline: baseline, box: box, element: .takeaway(i + 1)))
                top = box.y1 + CardLayout.takeawayGap
            }
            let height = (items.last?.box.y1 ?? area.y0) - area.y0
            return (style, numberStyle, indent, items, height, complete)
        }
    }
}
