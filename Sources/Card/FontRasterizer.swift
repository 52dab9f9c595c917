import CFreeType

/// A rendered glyph: an 8-bit coverage bitmap and its placement relative to the pen.
struct Glyph: Sendable {
    var width: Int
    var rows: Int
    /// Offset from the pen x to the bitmap's left column.
    var left: Int
    /// Offset from the baseline up to the bitmap's top row.
    var top: Int
    /// Horizontal advance in 26.6 fixed point.
    var advance: Int
    /// `rows × width` coverage values, row-major.
    var coverage: [UInt8]
}

/// Glyphs of one line with their pen x offsets (ink starts at x ≥ 0).
struct ShapedLine: Sendable {
    var glyphs: [(glyph: Glyph, x: Int)]
    var width: Int
}

/// FreeType faces plus glyph and metrics caches. Not thread-safe: the renderer
/// keeps it inside a `Mutex`.
final class FontRasterizer: TextMeasurer {
    private struct GlyphKey: Hashable {
        var face: Int
        var size: Int
        var scalar: UInt32
    }
    private struct Metrics {
        var ascent: Int
        var lineHeight: Int
    }

    private var library: FT_Library?
    /// Index 0 regular, 1 bold (the same face when no bold file is available).
    private var faces: [FT_Face] = []
    private var activeSize: [Int] = []
    private var glyphs: [GlyphKey: Glyph] = [:]
    private var metrics: [TextStyle: Metrics] = [:]

    /// Loads the faces. An explicit `boldPath` must load; when it is nil the sibling
    /// `<name>-Bold.<ext>` of the regular file is used if it loads, else the regular face.
    init(regularPath: String, boldPath: String?) throws(CardError) {
        var lib: FT_Library?
        guard FT_Init_FreeType(&lib) == 0, let lib else { throw CardError.fontFailure("FT_Init_FreeType failed") }
        library = lib
        // All stored properties are initialized here, so a throw below runs `deinit`,
        // which releases whatever was opened so far.
        guard let regular = Self.open(lib, regularPath) else { throw CardError.fontUnavailable(regularPath) }
        faces = [regular, regular]
        activeSize = [0, 0]
        if let boldPath {
            guard let bold = Self.open(lib, boldPath) else { throw CardError.fontUnavailable(boldPath) }
            faces[1] = bold
        } else if let sibling = Self.boldSibling(of: regularPath), let bold = Self.open(lib, sibling) {
            faces[1] = bold
        }
    }

    /// `/dir/Name.ttf` → `/dir/Name-Bold.ttf` (nil when the name has no extension).
    static func boldSibling(of path: String) -> String? {
        let slash = path.lastIndex(of: "/")
        let name = slash.map { path[path.index(after: $0)...] } ?? path[...]
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return nil }
        return String(path[..<dot]) + "-Bold" + String(path[dot...])
    }

    deinit {
        if faces.count == 2, faces[1] != faces[0] { FT_Done_Face(faces[1]) }
        if let first = faces.first { FT_Done_Face(first) }
        if let library { FT_Done_FreeType(library) }
    }

    private static func open(_ library: FT_Library, _ path: String) -> FT_Face? {
        var face: FT_Face?
        guard FT_New_Face(library, path, 0, &face) == 0, let face else { return nil }
        guard pw_ft_face_is_scalable(face) != 0 else {
            FT_Done_Face(face)
            return nil
        }
        return face
    }

    private func faceIndex(_ style: TextStyle) -> Int { style.weight == .bold ? 1 : 0 }

    private func activate(_ index: Int, size: Int) {
        guard activeSize[index] != size else { return }
        FT_Set_Pixel_Sizes(faces[index], 0, FT_UInt(size))
        activeSize[index] = size
        if faces[1 - index] == faces[index] { activeSize[1 - index] = size }
    }

    /// The glyph for a Unicode scalar (FreeType's .notdef glyph when the font lacks it).
    func glyph(_ scalar: Unicode.Scalar, style: TextStyle) -> Glyph {
        let index = faceIndex(style)
        let key = GlyphKey(face: faces[index] == faces[0] ? 0 : index, size: style.pixelSize, scalar: scalar.value)
        if let cached = glyphs[key] { return cached }
        activate(index, size: style.pixelSize)
        let face = faces[index]
        let glyphIndex = FT_Get_Char_Index(face, FT_ULong(scalar.value))
        var result = Glyph(width: 0, rows: 0, left: 0, top: 0, advance: 0, coverage: [])
        if FT_Load_Glyph(face, glyphIndex, pw_ft_load_render_light()) == 0, let slot = face.pointee.glyph {
            let bitmap = slot.pointee.bitmap
            result.advance = Int(slot.pointee.advance.x)
            if bitmap.pixel_mode == pw_ft_pixel_mode_gray(), let buffer = bitmap.buffer, bitmap.width > 0, bitmap.rows > 0 {
                let width = Int(bitmap.width)
                let rows = Int(bitmap.rows)
                let pitch = Int(bitmap.pitch)
                var coverage = [UInt8](repeating: 0, count: width * rows)
                for row in 0..<rows {
                    let source = buffer + (pitch >= 0 ? row * pitch : (rows - 1 - row) * -pitch)
                    for column in 0..<width { coverage[row * width + column] = source[column] }
                }
                result.width = width
                result.rows = rows
                result.left = Int(slot.pointee.bitmap_left)
                result.top = Int(slot.pointee.bitmap_top)
                result.coverage = coverage
            }
        }
        glyphs[key] = result
        return result
    }

    /// Whether the font has a real glyph (not .notdef) for the scalar.
    func hasGlyph(_ scalar: Unicode.Scalar, style: TextStyle) -> Bool {
        FT_Get_Char_Index(faces[faceIndex(style)], FT_ULong(scalar.value)) != 0
    }

    /// Positions the glyphs of `text`; pen positions are rounded to whole pixels.
    func shape(_ text: String, style: TextStyle) -> ShapedLine {
        var placed: [(glyph: Glyph, x: Int)] = []
        placed.reserveCapacity(text.utf8.count)
        var pen = 0
        var inkLeft = 0
        var inkRight = 0
        for scalar in text.unicodeScalars {
            let glyph = glyph(scalar, style: style)
            let x = (pen + 32) >> 6
            if glyph.width > 0 {
                inkLeft = min(inkLeft, x + glyph.left)
                inkRight = max(inkRight, x + glyph.left + glyph.width)
            }
            placed.append((glyph, x))
            pen += glyph.advance
        }
        let shift = -inkLeft
        if shift != 0 { for i in placed.indices { placed[i].x += shift } }
        return ShapedLine(glyphs: placed, width: max((pen + 32) >> 6, inkRight) + shift)
    }

    // MARK: TextMeasurer

    func width(of text: String, style: TextStyle) -> Int {
        var pen = 0
        var inkLeft = 0
        var inkRight = 0
        for scalar in text.unicodeScalars {
            let glyph = glyph(scalar, style: style)
            if glyph.width > 0 {
                let x = (pen + 32) >> 6
                inkLeft = min(inkLeft, x + glyph.left)
                inkRight = max(inkRight, x + glyph.left + glyph.width)
            }
            pen += glyph.advance
        }
        return max((pen + 32) >> 6, inkRight) - inkLeft
    }

    func ascent(_ style: TextStyle) -> Int { styleMetrics(style).ascent }

    func lineHeight(_ style: TextStyle) -> Int { styleMetrics(style).lineHeight }

    /// Ascent/descent from the face's metrics, widened so that tall accented capitals and
    /// descenders (Turkish included) stay inside the line box.
    private func styleMetrics(_ style: TextStyle) -> Metrics {
        if let cached = metrics[style] { return cached }
        let index = faceIndex(style)
        activate(index, size: style.pixelSize)
        let size = faces[index].pointee.size.pointee.metrics
        var ascent = (Int(size.ascender) + 63) >> 6
        var descent = (-Int(size.descender) + 63) >> 6
        for scalar in "ÂÅÉĞİÖÜŞÇÑ|ğgjpqyşç()[]{}@".unicodeScalars {
            let glyph = glyph(scalar, style: style)
            guard glyph.rows > 0 else { continue }
            ascent = max(ascent, glyph.top)
            descent = max(descent, glyph.rows - glyph.top)
        }
        let result = Metrics(ascent: ascent, lineHeight: ascent + descent)
        metrics[style] = result
        return result
    }
}
