import CImageCodecs
import Foundation

/// Reading and writing PNG and JPEG through libpng and libjpeg-turbo (see CImageCodecs, which
/// keeps the libraries' longjmp error paths inside C).
public enum ImageCodec {
    /// Images above this many pixels are refused before any pixel memory is allocated.
    public static let defaultPixelLimit = 100_000_000

    /// Reads and decodes the file at `path`.
    public static func read(path: String, pixelLimit: Int = defaultPixelLimit) throws(ImageError) -> Image {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw .fileNotFound(path: path) }
        guard !isDirectory.boolValue else { throw .unreadable(path: path, reason: "is a directory") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .unreadable(path: path, reason: "permission denied or I/O error")
        }
        return try decode([UInt8](data), name: path, pixelLimit: pixelLimit)
    }

    /// Decodes PNG or JPEG bytes (format from the signature); `name` labels errors.
    public static func decode(_ bytes: [UInt8], name: String = "<memory>", pixelLimit: Int = defaultPixelLimit) throws(ImageError) -> Image {
        guard let format = ImageFormat.detect(bytes) else {
            if bytes.isEmpty { throw .corrupt(path: name, reason: "file is empty") }
            throw .unknownFormat(path: name)
        }
        var decoded = cz_image()
        var message = [CChar](repeating: 0, count: 256)
        let status = bytes.withUnsafeBufferPointer { buffer in
            message.withUnsafeMutableBufferPointer { text in
                switch format {
                case .png: cz_png_decode(buffer.baseAddress, buffer.count, UInt64(max(pixelLimit, 0)), &decoded, text.baseAddress, text.count)
                case .jpeg: cz_jpeg_decode(buffer.baseAddress, buffer.count, UInt64(max(pixelLimit, 0)), &decoded, text.baseAddress, text.count)
                }
            }
        }
        defer { cz_free(decoded.pixels) }
        let reason = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        switch status {
        case CZ_OK: break
        case CZ_TOO_LARGE: throw .tooLarge(path: name, width: Int(decoded.width), height: Int(decoded.height), limit: pixelLimit)
        case CZ_EMPTY: throw .empty(path: name)
        case CZ_UNSUPPORTED: throw .unsupported(path: name, reason: reason)
        case CZ_NO_MEMORY: throw .unreadable(path: name, reason: "out of memory")
        default: throw .corrupt(path: name, reason: reason.isEmpty ? "invalid data" : reason)
        }
        let (width, height, channels) = (Int(decoded.width), Int(decoded.height), Int(decoded.channels))
        let count = width * height * channels
        var samples = [Float](repeating: 0, count: count)
        if decoded.bit_depth == 16 {
            decoded.pixels.withMemoryRebound(to: UInt16.self, capacity: count) { p in
                for i in 0..<count { samples[i] = Float(p[i]) / 65535 }
            }
        } else {
            for i in 0..<count { samples[i] = Float(decoded.pixels[i]) / 255 }
        }
        var image = Image(samples: samples, width: width, height: height, channels: channels)
        if decoded.orientation != 1 {
            image.color = image.color.oriented(exif: Int(decoded.orientation))
            image.alpha = image.alpha?.oriented(exif: Int(decoded.orientation))
        }
        return image
    }

    /// PNG bytes (8-bit grey, grey+alpha, RGB or RGBA as the image has).
    public static func encodePNG(_ image: Image, name: String = "<memory>") throws(ImageError) -> [UInt8] {
        let (bytes, channels) = image.bytes()
        return try encode(name) { out, size, text, textSize in
            cz_png_encode(bytes, UInt32(image.width), UInt32(image.height), UInt32(channels), out, size, text, textSize)
        }
    }

    /// JPEG bytes at `quality` 1…100 (grey or RGB; alpha is dropped, as JPEG has none).
    public static func encodeJPEG(_ image: Image, quality: Int = 92, name: String = "<memory>") throws(ImageError) -> [UInt8] {
        let (bytes, channels) = Image(color: image.color).bytes()
        return try encode(name) { out, size, text, textSize in
            cz_jpeg_encode(bytes, UInt32(image.width), UInt32(image.height), UInt32(channels), Int32(quality), out, size, text, textSize)
        }
    }

    private static func encode(_ name: String, _ call: (UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>, UnsafeMutablePointer<Int>,
                                                        UnsafeMutablePointer<CChar>, Int) -> cz_status) throws(ImageError) -> [UInt8] {
        var output: UnsafeMutablePointer<UInt8>?
        var size = 0
        var message = [CChar](repeating: 0, count: 256)
        let status = message.withUnsafeMutableBufferPointer { call(&output, &size, $0.baseAddress!, $0.count) }
        defer { cz_free(output) }
        guard status == CZ_OK, let output else {
            throw .writeFailed(path: name, reason: String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return Array(UnsafeBufferPointer(start: output, count: size))
    }

    /// Encodes by the path's extension (.png, .jpg, .jpeg) and writes atomically: to a temporary
    /// file in the same folder, then renamed, so a failure never leaves a half-written image.
    public static func write(_ image: Image, to path: String, jpegQuality: Int = 92) throws(ImageError) {
        guard let format = ImageFormat(pathExtension: URL(fileURLWithPath: path).pathExtension) else {
            throw .writeFailed(path: path, reason: "unknown extension (use .png, .jpg or .jpeg)")
        }
        let bytes = switch format {
        case .png: try encodePNG(image, name: path)
        case .jpeg: try encodeJPEG(image, quality: jpegQuality, name: path)
        }
        try AtomicFile.write(Data(bytes), to: path)
    }
}

/// Writes whole files atomically: a temporary sibling, then `rename`.
public enum AtomicFile {
    public static func write(_ data: Data, to path: String) throws(ImageError) {
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).tmp")
        do {
            try data.write(to: temporary)
            guard rename(temporary.path, path) == 0 else {
                throw ImageError.writeFailed(path: path, reason: String(cString: strerror(errno)))
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            if let imageError = error as? ImageError { throw imageError }
            throw .writeFailed(path: path, reason: error.localizedDescription)
        }
    }
}
