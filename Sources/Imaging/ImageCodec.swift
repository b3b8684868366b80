import CImageCodecs
import Foundation

/// Reading and writing PNG and JPEG through libpng and libjpeg-turbo (see CImageCodecs, which
/// keeps the libraries' longjmp error paths inside C).
public enum ImageCodec {
    /// Images above this many pixels are refused before any pixel memory is allocated.
    public static let defaultPixelLimit = 100_000_000

    /// Reads and decodes the file at `path`. Only regular files are read (a FIFO would block, a
    /// device never end), and never more bytes than an image within `pixelLimit` can take
    /// (`maximumFileBytes`), so a huge or sparse file is refused instead of read whole.
    public static func read(path: String, pixelLimit: Int = defaultPixelLimit) throws(ImageError) -> Image {
        try decode(
            readFile(path: path, byteLimit: maximumFileBytes(pixelLimit: pixelLimit)), name: path,
            pixelLimit: pixelLimit)
    }

    /// Reads the file at `path` (as `read`) into 8-bit samples, upright.
    public static func readPixels(path: String, pixelLimit: Int = defaultPixelLimit) throws(ImageError) -> PixelImage {
        try decodePixels(
            readFile(path: path, byteLimit: maximumFileBytes(pixelLimit: pixelLimit)), name: path,
            pixelLimit: pixelLimit)
    }

    /// The largest file that can hold an image of `pixelLimit` pixels: 8 bytes per pixel (16-bit
    /// RGBA without compression) plus 16 MB for metadata.
    public static func maximumFileBytes(pixelLimit: Int) -> Int {
        let (pixels, overflow) = max(pixelLimit, 0).multipliedReportingOverflow(by: 8)
        let (bytes, overflowAgain) = pixels.addingReportingOverflow(16 << 20)
        return overflow || overflowAgain ? Int.max : bytes
    }

    /// The bytes of the regular file at `path`, at most `byteLimit` of them.
    static func readFile(path: String, byteLimit: Int) throws(ImageError) -> [UInt8] {
        let descriptor = FileSystemPath.withRawPath(path) { open($0, O_RDONLY | O_NONBLOCK | O_CLOEXEC) }
        guard descriptor >= 0 else {
            let code = errno
            if code == ENOENT || code == ENOTDIR { throw .fileNotFound(path: path) }
            throw .unreadable(path: path, reason: ImageError.reason(errno: code))
        }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            throw .unreadable(path: path, reason: ImageError.reason(errno: errno))
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: throw .unreadable(path: path, reason: "is a directory")
        case S_IFIFO: throw .unreadable(path: path, reason: "not a regular file (a FIFO)")
        case S_IFSOCK: throw .unreadable(path: path, reason: "not a regular file (a socket)")
        case S_IFCHR, S_IFBLK: throw .unreadable(path: path, reason: "not a regular file (a device)")
        default: throw .unreadable(path: path, reason: "not a regular file")
        }
        let size = Int(info.st_size)
        guard size <= byteLimit else {
            throw .unreadable(
                path: path,
                reason:
                    "file is \(size >> 20) MB, more than any image within the pixel limit can take (\(byteLimit >> 20) MB)"
            )
        }
        var bytes = [UInt8](repeating: 0, count: size)
        var filled = 0
        while filled < size {
            let count = bytes.withUnsafeMutableBytes { buffer in
                buffer.baseAddress.map { Foundation.read(descriptor, $0 + filled, size - filled) } ?? 0
            }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { throw .unreadable(path: path, reason: ImageError.reason(errno: errno)) }
            if count == 0 { break }  // the file shrank while being read: decode what is there
            filled += count
        }
        return filled == size ? bytes : Array(bytes[0..<filled])
    }

    /// Decodes PNG or JPEG bytes (format from the signature) to 0…1 samples, 16-bit PNGs at full
    /// precision; `name` labels errors.
    public static func decode(
        _ bytes: [UInt8], name: String = "<memory>", pixelLimit: Int = defaultPixelLimit
    ) throws(ImageError) -> Image {
        try decodeRaw(bytes, name: name, pixelLimit: pixelLimit) { decoded, count in
            guard decoded.bit_depth == 16 else {
                return PixelImage(decoded, count: count).oriented(exif: Int(decoded.orientation)).image
            }
            var samples = [Float](repeating: 0, count: count)
            decoded.pixels.withMemoryRebound(to: UInt16.self, capacity: count) { p in
                for i in 0..<count { samples[i] = Float(p[i]) / 65535 }
            }
            var image = Image(
                samples: samples, width: Int(decoded.width), height: Int(decoded.height),
                channels: Int(decoded.channels))
            image.color = image.color.oriented(exif: Int(decoded.orientation))
            image.alpha = image.alpha?.oriented(exif: Int(decoded.orientation))
            return image
        }
    }

    /// Decodes PNG or JPEG bytes to 8-bit samples, upright (16-bit PNGs rounded to 8 bits).
    public static func decodePixels(
        _ bytes: [UInt8], name: String = "<memory>", pixelLimit: Int = defaultPixelLimit
    ) throws(ImageError) -> PixelImage {
        try decodeRaw(bytes, name: name, pixelLimit: pixelLimit) { decoded, count in
            PixelImage(decoded, count: count).oriented(exif: Int(decoded.orientation))
        }
    }

    /// Runs the C decoder and hands its result (and sample count) to `convert` before freeing it.
    private static func decodeRaw<Result>(
        _ bytes: [UInt8], name: String, pixelLimit: Int, _ convert: (cz_image, Int) -> Result
    ) throws(ImageError) -> Result {
        guard let format = ImageFormat.detect(bytes) else {
            if bytes.isEmpty { throw .corrupt(path: name, reason: "file is empty") }
            throw .unknownFormat(path: name)
        }
        var decoded = cz_image()
        var message = [CChar](repeating: 0, count: 256)
        let status = bytes.withUnsafeBufferPointer { buffer in
            message.withUnsafeMutableBufferPointer { text in
                switch format {
                case .png:
                    cz_png_decode(
                        buffer.baseAddress, buffer.count, UInt64(max(pixelLimit, 0)), &decoded, text.baseAddress,
                        text.count)
                case .jpeg:
                    cz_jpeg_decode(
                        buffer.baseAddress, buffer.count, UInt64(max(pixelLimit, 0)), &decoded, text.baseAddress,
                        text.count)
                }
            }
        }
        defer { cz_free(decoded.pixels) }
        let reason = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        switch status {
        case CZ_OK: break
        case CZ_TOO_LARGE:
            throw .tooLarge(path: name, width: Int(decoded.width), height: Int(decoded.height), limit: pixelLimit)
        case CZ_EMPTY: throw .empty(path: name)
        case CZ_UNSUPPORTED: throw .unsupported(path: name, reason: reason)
        case CZ_NO_MEMORY: throw .unreadable(path: name, reason: "out of memory")
        default: throw .corrupt(path: name, reason: reason.isEmpty ? "invalid data" : reason)
        }
        return convert(decoded, Int(decoded.width) * Int(decoded.height) * Int(decoded.channels))
    }

    /// How an image is written: JPEG quality and PNG compression.
    public struct EncodingOptions: Sendable, Equatable {
        /// JPEG quality 1…100.
        public var jpegQuality: Int
        /// zlib level 0…9. The default, 1 (run-length matching), wrote a colorized 12-MP photo in
        /// 0.46 s as 7.2 MB, where 6 (zlib's usual default) took 2.0 s for 6.9 MB; 9 is smallest
        /// and slowest.
        public var pngCompression: Int

        public init(jpegQuality: Int = 95, pngCompression: Int = 1) {
            self.jpegQuality = jpegQuality
            self.pngCompression = pngCompression
        }
    }

    /// Encoded bytes in `format` (JPEG drops alpha, as JPEG has none).
    public static func encode(
        _ pixels: PixelImage, as format: ImageFormat, options: EncodingOptions = EncodingOptions(),
        name: String = "<memory>"
    ) throws(ImageError) -> [UInt8] {
        let pixels = format == .jpeg ? pixels.droppingAlpha() : pixels
        let (width, height, channels) = (UInt32(pixels.width), UInt32(pixels.height), UInt32(pixels.channels))
        return try encode(name) { out, size, text, textSize in
            switch format {
            case .png:
                cz_png_encode(
                    pixels.bytes, width, height, channels, Int32(options.pngCompression), out, size, text, textSize)
            case .jpeg:
                cz_jpeg_encode(
                    pixels.bytes, width, height, channels, Int32(options.jpegQuality), out, size, text, textSize)
            }
        }
    }

    /// PNG bytes (8-bit grey, grey+alpha, RGB or RGBA as the image has).
    public static func encodePNG(
        _ image: Image, compression: Int = 6, name: String = "<memory>"
    ) throws(ImageError) -> [UInt8] {
        try encode(PixelImage(image), as: .png, options: EncodingOptions(pngCompression: compression), name: name)
    }

    /// JPEG bytes at `quality` 1…100 (grey or RGB; alpha is dropped, as JPEG has none).
    public static func encodeJPEG(
        _ image: Image, quality: Int = 92, name: String = "<memory>"
    ) throws(ImageError) -> [UInt8] {
        try encode(
            PixelImage(image), as: .jpeg, options: EncodingOptions(jpegQuality: quality), name: name
        )
    }

    private static func encode(
        _ name: String,
        _ call: (
            UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>, UnsafeMutablePointer<Int>,
            UnsafeMutablePointer<CChar>, Int
        ) -> cz_status
    ) throws(ImageError) -> [UInt8] {
        var output: UnsafeMutablePointer<UInt8>?
        var size = 0
        var message = [CChar](repeating: 0, count: 256)
        let status = message.withUnsafeMutableBufferPointer { call(&output, &size, $0.baseAddress!, $0.count) }
        defer { cz_free(output) }
        guard status == CZ_OK, let output else {
            throw .writeFailed(
                path: name,
                reason: String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return Array(UnsafeBufferPointer(start: output, count: size))
    }

    /// Encodes by the path's extension (.png, .jpg, .jpeg) and writes atomically: to a temporary
    /// file in the same folder, then renamed, so a failure never leaves a half-written image.
    public static func write(_ image: Image, to path: String, jpegQuality: Int = 92) throws(ImageError) {
        try write(PixelImage(image), to: path, options: EncodingOptions(jpegQuality: jpegQuality, pngCompression: 6))
    }

    /// Encodes in `format` (default: by the path's extension) and writes atomically (as `write`);
    /// `replacing` false never replaces a file that exists by then (`AtomicFile.write`).
    public static func write(
        _ pixels: PixelImage, to path: String, format: ImageFormat? = nil,
        options: EncodingOptions = EncodingOptions(), replacing: Bool = true
    ) throws(ImageError) {
        guard let format = format ?? ImageFormat(pathExtension: URL(fileURLWithPath: path).pathExtension) else {
            throw .writeFailed(path: path, reason: "unknown extension (use .png, .jpg or .jpeg)")
        }
        // The encoded bytes as they are (no copy into Data: a 12-MP PNG is 30 MB).
        try AtomicFile.write(encode(pixels, as: format, options: options, name: path), to: path, replacing: replacing)
    }
}

extension PixelImage {
    /// The C decoder's result in 8 bits (16-bit samples rounded), as stored (not yet oriented).
    init(_ decoded: cz_image, count: Int) {
        var bytes = [UInt8](repeating: 0, count: count)
        if decoded.bit_depth == 16 {
            decoded.pixels.withMemoryRebound(to: UInt16.self, capacity: count) { p in
                for i in 0..<count { bytes[i] = UInt8((UInt32(p[i]) * 255 + 32767) / 65535) }
            }
        } else {
            bytes.withUnsafeMutableBufferPointer { $0.baseAddress?.update(from: decoded.pixels, count: count) }
        }
        self.init(width: Int(decoded.width), height: Int(decoded.height), channels: Int(decoded.channels), bytes: bytes)
    }

    /// The colour channels alone.
    public func droppingAlpha() -> PixelImage {
        guard hasAlpha else { return self }
        let colour = channels - 1
        var out = [UInt8](repeating: 0, count: pixelCount * colour)
        for i in 0..<pixelCount {
            for k in 0..<colour { out[i * colour + k] = bytes[i * channels + k] }
        }
        return PixelImage(width: width, height: height, channels: colour, bytes: out)
    }
}

/// Writes whole files atomically: a temporary sibling `.NAME.PID.tmp`, then `rename`. Every call
/// goes through `FileSystemPath`, so names that are not valid UTF-8 are written as their own bytes.
public enum AtomicFile {
    /// With `replacing` false, a file that exists at `path` when the rename happens is kept and the
    /// write fails ("already exists"), closing the gap between an existence check and the rename.
    public static func write<Bytes: ContiguousBytes>(
        _ data: Bytes, to path: String, replacing: Bool = true
    ) throws(ImageError) {
        let temporary = temporaryPath(for: path, process: getpid())
        do throws(ImageError) {
            try writeNew(data, to: temporary, naming: path)
            let renamed = FileSystemPath.withRawPath(temporary) { from in
                FileSystemPath.withRawPath(path) { to in replacing ? rename(from, to) : cz_rename_noreplace(from, to) }
            }
            guard renamed == 0 else {
                throw .writeFailed(
                    path: path, reason: errno == EEXIST ? "already exists" : ImageError.reason(errno: errno))
            }
        } catch {
            _ = FileSystemPath.withRawPath(temporary) { unlink($0) }
            throw error
        }
    }

    /// The temporary sibling `path` is written to before its rename (`temporaryName`).
    public static func temporaryPath(for path: String, process: pid_t) -> String {
        let folder = parentFolder(of: path)
        let name = folder.isEmpty ? path : String(path.dropFirst(folder.count).drop { $0 == "/" })
        let temporary = temporaryName(for: name, process: process)
        return folder.isEmpty ? temporary : FolderListing.join(folder, temporary)
    }

    /// Creates `temporary` (it must not exist) holding `data`; errors name `path`, the file being written.
    private static func writeNew<Bytes: ContiguousBytes>(
        _ data: Bytes, to temporary: String, naming path: String
    ) throws(ImageError) {
        let descriptor = FileSystemPath.withRawPath(temporary) {
            open($0, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        }
        guard descriptor >= 0 else { throw .writeFailed(path: path, reason: ImageError.reason(errno: errno)) }
        let total = data.withUnsafeBytes { $0.count }
        var written = 0
        while written < total {
            let count = data.withUnsafeBytes { bytes in
                bytes.baseAddress.map { Foundation.write(descriptor, $0 + written, total - written) } ?? 0
            }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else {
                let reason = count < 0 ? ImageError.reason(errno: errno) : "nothing written"
                close(descriptor)
                throw .writeFailed(path: path, reason: reason)
            }
            written += count
        }
        guard close(descriptor) == 0 else { throw .writeFailed(path: path, reason: ImageError.reason(errno: errno)) }
    }

    /// The folder part of `path` ("" for a bare name, "/" for the root), by plain string rules:
    /// `NSString.deletingLastPathComponent` traps on one-character relative paths on Linux.
    public static func parentFolder(of path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        guard let slash = trimmed.lastIndex(of: "/") else { return "" }
        if slash == trimmed.startIndex { return "/" }
        var parent = trimmed[..<slash]
        while parent.count > 1, parent.hasSuffix("/") { parent = parent.dropLast() }
        return String(parent)
    }

    /// `.NAME.PID.tmp`, with NAME shortened when needed so the whole name stays within the 255 bytes
    /// a file name may have (an output name close to that limit must not fail only for its temporary).
    static func temporaryName(for name: String, process: pid_t) -> String {
        let suffix = ".\(process).tmp"
        var kept = Substring(name)
        while 1 + FileSystemPath.rawBytes(of: String(kept)).count + suffix.utf8.count > maximumNameBytes {
            kept = kept.dropLast()
        }
        return "." + kept + suffix
    }

    /// NAME_MAX on Linux: the most bytes one file name may have.
    public static let maximumNameBytes = 255

    /// Removes the temporary files that writers killed mid-write (SIGKILL, power loss) left in
    /// `folder`: names of our pattern whose process no longer exists. Returns how many were removed.
    @discardableResult
    public static func removeStaleTemporaries(in folder: String) -> Int {
        let names = ((try? FolderListing.entries(of: folder)) ?? []).map(\.name)
        var removed = 0
        for name in names where name.hasPrefix(".") && name.hasSuffix(".tmp") {
            let parts = name.dropFirst().dropLast(".tmp".count).split(separator: ".")
            guard parts.count >= 2, let process = parts.last.flatMap({ pid_t($0) }), process > 0,
                kill(process, 0) != 0 && errno == ESRCH
            else { continue }
            if FileSystemPath.withRawPath(FolderListing.join(folder, name), { unlink($0) }) == 0 { removed += 1 }
        }
        return removed
    }

    /// Creates `folder` and its parents, or says why not, naming the part of the path in the way
    /// (the error's `reason` reads on from its `path`: "is a file, not a folder", "cannot be created: …").
    public static func makeFolder(_ folder: String) throws(ImageError) {
        var info = stat()
        if FileSystemPath.withRawPath(folder, { stat($0, &info) }) == 0 {
            guard info.st_mode & S_IFMT == S_IFDIR else {
                throw .writeFailed(path: folder, reason: "is a file, not a folder")
            }
            return
        }
        let parent = parentFolder(of: folder)
        if !parent.isEmpty, parent != folder { try makeFolder(parent) }
        guard FileSystemPath.withRawPath(folder, { mkdir($0, 0o777) }) == 0 || errno == EEXIST else {
            throw .writeFailed(path: folder, reason: "cannot be created: \(ImageError.reason(errno: errno))")
        }
    }
}
