/// An axis-aligned pixel rectangle; `x1` and `y1` are exclusive.
public struct Rect: Sendable, Hashable, CustomStringConvertible {
    public var x0: Int
    public var y0: Int
    public var x1: Int
    public var y1: Int

    public init(_ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int) {
        self.x0 = x0
        self.y0 = y0
        self.x1 = x1
        self.y1 = y1
    }

    public var width: Int { x1 - x0 }
    public var height: Int { y1 - y0 }
    public var isEmpty: Bool { x1 <= x0 || y1 <= y0 }

    /// Whether the pixel at (`x`, `y`) lies inside.
    public func contains(x: Int, y: Int) -> Bool {
        x >= x0 && x < x1 && y >= y0 && y < y1
    }

    /// Whether `other` lies entirely inside this rectangle (an empty `other` always does).
    public func contains(_ other: Rect) -> Bool {
        other.isEmpty || (other.x0 >= x0 && other.y0 >= y0 && other.x1 <= x1 && other.y1 <= y1)
    }

    /// Whether the two rectangles share at least one pixel.
    public func intersects(_ other: Rect) -> Bool {
        !isEmpty && !other.isEmpty && x0 < other.x1 && other.x0 < x1 && y0 < other.y1 && other.y0 < y1
    }

    /// The rectangle shrunk by `dx` on the left and right and `dy` on the top and bottom.
    public func inset(_ dx: Int, _ dy: Int) -> Rect {
        Rect(x0 + dx, y0 + dy, x1 - dx, y1 - dy)
    }

    public var description: String { "(\(x0),\(y0))→(\(x1),\(y1))" }
}

/// An opaque 8-bit sRGB colour.
public struct RGB: Sendable, Hashable, CustomStringConvertible {
    public var r: UInt8
    public var g: UInt8
    public var b: UInt8

    public init(_ r: UInt8, _ g: UInt8, _ b: UInt8) {
        self.r = r
        self.g = g
        self.b = b
    }

    /// WCAG 2 relative luminance (0 = black, 1 = white).
    public var relativeLuminance: Double {
        func channel(_ value: UInt8) -> Double {
            let c = Double(value) / 255
            return c <= 0.03928 ? c / 12.92 : pow24((c + 0.055) / 1.055)
        }
        return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
    }

    /// WCAG 2 contrast ratio against `other` (1 … 21).
    public func contrastRatio(to other: RGB) -> Double {
        let a = relativeLuminance
        let b = other.relativeLuminance
        return (max(a, b) + 0.05) / (min(a, b) + 0.05)
    }

    public var description: String { "rgb(\(r),\(g),\(b))" }
}

/// x^2.4 for 0 ≤ x ≤ 1 without Foundation: x² · (x^(1/5))², the fifth root by Newton's method.
private func pow24(_ x: Double) -> Double {
    guard x > 0 else { return 0 }
    var root = x > 1 ? x : 1.0 // fifth root of x by Newton's method
    for _ in 0..<60 {
        let r4 = root * root * root * root
        let next = root - (r4 * root - x) / (5 * r4)
        if abs(next - root) < 1e-15 {
            root = next
            break
        }
        root = next
    }
    return x * x * root * root
}
