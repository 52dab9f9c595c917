/// An opaque RGBA pixel buffer with the few drawing operations the card needs.
struct Canvas {
    let width: Int
    let height: Int
    /// Row-major RGBA, 4 bytes per pixel, alpha always 255.
    private(set) var pixels: [UInt8]

    init(width: Int, height: Int, background: RGB) {
        self.width = width
        self.height = height
        pixels = [UInt8](repeating: 255, count: width * height * 4)
        fill(Rect(0, 0, width, height), background)
    }

    /// Fills `rect` (clipped to the canvas).
    mutating func fill(_ rect: Rect, _ color: RGB) {
        let x0 = max(0, rect.x0)
        let x1 = min(width, rect.x1)
        let y0 = max(0, rect.y0)
        let y1 = min(height, rect.y1)
        guard x0 < x1, y0 < y1 else { return }
        let width = self.width
        let rowBytes = (x1 - x0) * 4
        pixels.withUnsafeMutableBytes { raw in
            guard let base = raw.baseAddress else { return }
            // Write the first row pixel by pixel, then copy it to the other rows.
            let first = base + (y0 * width + x0) * 4
            for i in 0..<(x1 - x0) {
                let p = first + i * 4
                p.storeBytes(of: color.r, toByteOffset: 0, as: UInt8.self)
                p.storeBytes(of: color.g, toByteOffset: 1, as: UInt8.self)
                p.storeBytes(of: color.b, toByteOffset: 2, as: UInt8.self)
                p.storeBytes(of: 255, toByteOffset: 3, as: UInt8.self)
            }
            for y in (y0 + 1)..<max(y0 + 1, y1) {
                (base + (y * width + x0) * 4).copyMemory(from: first, byteCount: rowBytes)
            }
        }
    }

    /// A 1-px outline on the outermost rows and columns of `rect`.
    mutating func outline(_ rect: Rect, _ color: RGB) {
        guard !rect.isEmpty else { return }
        fill(Rect(rect.x0, rect.y0, rect.x1, rect.y0 + 1), color)
        fill(Rect(rect.x0, rect.y1 - 1, rect.x1, rect.y1), color)
        fill(Rect(rect.x0, rect.y0, rect.x0 + 1, rect.y1), color)
        fill(Rect(rect.x1 - 1, rect.y0, rect.x1, rect.y1), color)
    }

    /// Blends an 8-bit coverage bitmap in `color` with its top-left pixel at (`x`, `y`).
    mutating func blend(coverage: [UInt8], columns: Int, rows: Int, x: Int, y: Int, color: RGB) {
        let cx0 = max(0, x)
        let cx1 = min(width, x + columns)
        let cy0 = max(0, y)
        let cy1 = min(height, y + rows)
        guard cx0 < cx1, cy0 < cy1 else { return }
        let width = self.width
        let r = UInt32(color.r)
        let g = UInt32(color.g)
        let b = UInt32(color.b)
        pixels.withUnsafeMutableBufferPointer { buffer in
            coverage.withUnsafeBufferPointer { source in
                for py in cy0..<cy1 {
                    var s = (py - y) * columns + (cx0 - x)
                    var d = (py * width + cx0) * 4
                    for _ in cx0..<cx1 {
                        let a = UInt32(source[s])
                        if a == 255 {
                            buffer[d] = color.r
                            buffer[d + 1] = color.g
                            buffer[d + 2] = color.b
                        } else if a != 0 {
                            let ia = 255 - a
                            buffer[d] = UInt8((r * a + UInt32(buffer[d]) * ia + 127) / 255)
                            buffer[d + 1] = UInt8((g * a + UInt32(buffer[d + 1]) * ia + 127) / 255)
                            buffer[d + 2] = UInt8((b * a + UInt32(buffer[d + 2]) * ia + 127) / 255)
                        }
                        s += 1
                        d += 4
                    }
                }
            }
        }
    }
}
