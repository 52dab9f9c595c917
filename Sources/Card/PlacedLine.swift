/// The drawable elements of the card, in drawing order.
public enum CardElement: Sendable, Hashable {
    case titleLabel
    case topic
    /// The room's name, on its own line under the topic.
    case room
    case proConLabel
    case proCon
    case verdictLabel
    case verdict
    case takeawaysLabel
    /// Takeaway `i` (1…3): its number and its wrapped text.
    case takeaway(Int)
    case linkLabel
    case link
    case battleLabel
    case battleID
}

/// One of the four filled, outlined panels.
public struct Panel: Sendable, Hashable {
    public var name: String
    public var rect: Rect
    public var fill: RGB
    public var outline: RGB

    public init(name: String, rect: Rect, fill: RGB, outline: RGB) {
        self.name = name
        self.rect = rect
        self.fill = fill
        self.outline = outline
    }
}

/// One line of text positioned on the card.
public struct PlacedLine: Sendable, Hashable {
    public var text: String
    public var style: TextStyle
    public var color: RGB
    /// Left edge of the line (pixels).
    public var x: Int
    /// Baseline y (pixels).
    public var baseline: Int
    /// Measured pixel width.
    public var width: Int
    /// The line's own box: `x ..< x + width`, `baseline − ascent ..< baseline − ascent + lineHeight`.
    public var bounds: Rect
    public var element: CardElement
    /// The box of the element this line belongs to (inside `panel.rect` with padding).
    public var box: Rect
    /// The panel the element sits on.
    public var panel: Panel

    public init(
        text: String, style: TextStyle, color: RGB, x: Int, baseline: Int, width: Int,
        bounds: Rect, element: CardElement, box: Rect, panel: Panel
    ) {
        self.text = text
        self.style = style
        self.color = color
        self.x = x
        self.baseline = baseline
        self.width = width
        self.bounds = bounds
        self.element = element
        self.box = box
        self.panel = panel
    }
}
