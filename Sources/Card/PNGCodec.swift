import CPNG

/// PNG encoding and decoding through libpng's simplified (longjmp-free) API.
public enum PNGCodec {
    /// Encodes 8-bit RGBA pixels. A fully opaque image is written as RGB (colour type 2).
    /// No timestamp or text chunks are written and the settings are fixed (libpng's
    /// `PNG_IMAGE_FLAG_FAST`: no row filters, zlib level 3), so equal input gives
    /// byte-identical output.
    public static func encode(rgba: [UInt8], width: Int, height: Int) throws(CardError) -> [UInt8] {
        guard width > 0, height > 0, rgba.count == width * height * 4 else {
            throw CardError.pngFailure("pixel buffer does not match \(width)x\(height) RGBA")
        }
        var opaque = true
        rgba.withUnsafeBufferPointer { p in
            var i = 3
            while i < p.count {
                if p[i] != 255 {
                    opaque = false
                    return
                }
                i += 4
            }
        }
        let channels = opaque ? 3 : 4
        let pixels: [UInt8]
        if opaque {
            pixels = [UInt8](unsafeUninitializedCapacity: width * height * 3) { out, count in
                rgba.withUnsafeBufferPointer { source in
                    var s = 0
                    var d = 0
                    while s < source.count {
                        out[d] = source[s]
                        out[d + 1] = source[s + 1]
                        out[d + 2] = source[s + 2]
                        s += 4
                        d += 3
                    }
                }
                count = width * height * 3
            }
        } else {
            pixels = rgba
        }
        let capacity = pw_png_max_size(UInt32(width), UInt32(height), Int32(channels))
        var message = [CChar](repeating: 0, count: 256)
        var ok: Int32 = 0
        let output = [UInt8](unsafeUninitializedCapacity: capacity) { out, count in
            var size = capacity
            ok = pw_png_encode(
                pixels, UInt32(width), UInt32(height), Int32(channels), 1,
                out.baseAddress, &size, &message, message.count)
            count = ok != 0 ? size : 0
        }
        guard ok != 0 else { throw CardError.pngFailure("encode: " + string(message)) }
        return output
    }

    /// Decodes a PNG into 8-bit RGBA.
    public static func decode(_ png: [UInt8]) throws(CardError) -> (width: Int, height: Int, rgba: [UInt8]) {
        var image = png_image()
        var message = [CChar](repeating: 0, count: 256)
        let begun = png.withUnsafeBytes { data in
            pw_png_decode_begin(&image, data.baseAddress, data.count, &message, message.count)
        }
        guard begun != 0 else { throw CardError.pngFailure("decode: " + string(message)) }
        let width = Int(image.width)
        let height = Int(image.height)
        var rgba = [UInt8](repeating: 0, count: width * height * 4)
        let finished = rgba.withUnsafeMutableBytes { out in
            pw_png_decode_finish_rgba(&image, out.baseAddress, &message, message.count)
        }
        guard finished != 0 else { throw CardError.pngFailure("decode: " + string(message)) }
        return (width, height, rgba)
    }

    private static func string(_ message: [CChar]) -> String {
        let bytes = message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
