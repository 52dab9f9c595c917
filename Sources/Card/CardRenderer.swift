import Synchronization

/// Renders share cards to PNG. Safe to call from many tasks: the FreeType faces and
/// the glyph cache live behind a mutex that is held only for layout and glyph lookup;
/// compositing and PNG encoding run outside it.
public final class CardRenderer: Sendable {
    private let fonts: Mutex<FontRasterizer>

    /// DejaVu Sans as installed by Debian's fonts-dejavu-core (the `CARD_FONT_PATH` default).
    public static let defaultFontPath = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"

    /// Loads the font(s). `boldFontPath` nil: the regular file's `-Bold` sibling if it
    /// exists, else the regular face. Throws `CardError.fontUnavailable` for a missing or
    /// unloadable file.
    public init(fontPath: String, boldFontPath: String? = nil) throws {
        let rasterizer = try FontRasterizer(regularPath: fontPath, boldPath: boldFontPath)
        fonts = Mutex(rasterizer)
    }

    /// The placed lines for `content` (no pixels).
    public func layout(_ content: CardContent) -> [PlacedLine] {
        fonts.withLock { CardLayout.layout(content, measurer: $0) }
    }

    /// The placed lines and the 960×540 RGBA pixels (row-major, opaque).
    public func renderPixels(_ content: CardContent) throws -> (layout: [PlacedLine], rgba: [UInt8]) {
        let (lines, shaped) = fonts.withLock { rasterizer in
            let lines = CardLayout.layout(content, measurer: rasterizer)
            return (lines, lines.map { rasterizer.shape($0.text, style: $0.style) })
        }
        var canvas = Canvas(width: CardLayout.width, height: CardLayout.height, background: CardLayout.Palette.background)
        for panel in CardLayout.panels {
            canvas.fill(panel.rect, panel.fill)
            canvas.outline(panel.rect, panel.outline)
        }
        for (line, run) in zip(lines, shaped) {
            for (glyph, x) in run.glyphs where glyph.width > 0 {
                canvas.blend(
                    coverage: glyph.coverage, columns: glyph.width, rows: glyph.rows,
                    x: line.x + x + glyph.left, y: line.baseline - glyph.top, color: line.color)
            }
        }
        return (lines, canvas.pixels)
    }

    /// The card as PNG bytes (deterministic for equal content).
    public func render(_ content: CardContent) throws -> [UInt8] {
        let pixels = try renderPixels(content).rgba
        return try PNGCodec.encode(rgba: pixels, width: CardLayout.width, height: CardLayout.height)
    }

    /// Whether the regular (or bold) face has a real glyph for every scalar of `text`.
    public func hasGlyphs(for text: String, bold: Bool = false) -> Bool {
        fonts.withLock { rasterizer in
            text.unicodeScalars.allSatisfy {
                $0.properties.isWhitespace || rasterizer.hasGlyph($0, style: bold ? .bold(16) : .regular(16))
            }
        }
    }
}
