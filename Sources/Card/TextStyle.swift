/// A font weight and pixel size.
public struct TextStyle: Sendable, Hashable, CustomStringConvertible {
    public enum Weight: Sendable, Hashable {
        case regular
        case bold
    }

    public var weight: Weight
    /// The em size in pixels (FreeType pixel size).
    public var pixelSize: Int

    public init(_ weight: Weight, _ pixelSize: Int) {
        self.weight = weight
        self.pixelSize = pixelSize
    }

    public static func regular(_ size: Int) -> TextStyle { TextStyle(.regular, size) }
    public static func bold(_ size: Int) -> TextStyle { TextStyle(.bold, size) }

    /// Distance between consecutive baselines of a paragraph in this style:
    /// the font's line height or 1.25 em, whichever is larger.
    public func linePitch(lineHeight: Int) -> Int {
        max(lineHeight, (pixelSize * 5 + 2) / 4)
    }

    public var description: String { "\(weight == .bold ? "bold" : "regular") \(pixelSize)px" }
}

/// Measures text for layout. The card renderer's FreeType rasterizer conforms;
/// layout itself never touches pixels.
public protocol TextMeasurer {
    /// The pixel width the text occupies when drawn at x = 0, ink overhang included.
    func width(of text: String, style: TextStyle) -> Int
    /// Pixels from the top of a line's box to its baseline (covers every glyph's ink).
    func ascent(_ style: TextStyle) -> Int
    /// Height of one line's box (ascent + descent); no glyph's ink leaves it.
    func lineHeight(_ style: TextStyle) -> Int
}
