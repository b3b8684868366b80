import Foundation
import Imaging
import Testing

/// Files whose names are not valid UTF-8 (a Latin-1 `café`, stray bytes) are
/// colorized end to end, named directly, in a folder, with --recursive and with -o; their names are
/// printed escaped. Files are made, listed and read through the C API on raw bytes, and the binary is
/// started with a raw argv, so nothing in the test itself depends on `FileSystemPath`.
@Suite struct NonUTF8NameTests {
    typealias CLI = ColorizeCommandTests

    /// "café.png" in Latin-1: é is the single byte 0xE9, which is not UTF-8.
    static let latin1: [UInt8] = Array("caf".utf8) + [0xE9] + Array(".png".utf8)
    /// Two bytes that never occur in UTF-8, as a JPEG.
    static let stray: [UInt8] = [0xFF, 0xFE] + Array(".jpg".utf8)
    /// "été.png" in Latin-1, in a sub-folder.
    static let nested: [UInt8] = [0xE9, 0x74, 0xE9] + Array(".png".utf8)

    @Test func filesWithInvalidUTF8NamesAreColorized() throws {
        let root = Array(CLI.temporaryDirectory().utf8)
        let folder = root + Array("/photos".utf8)
        #expect(Self.call(folder) { mkdir($0, 0o755) } == 0)
        #expect(Self.call(folder + Array("/sub".utf8)) { mkdir($0, 0o755) } == 0)
        let picture = PixelImage(
            width: 48, height: 32, channels: 1, bytes: (0..<(48 * 32)).map { UInt8(truncatingIfNeeded: $0 * 7) })
        try Self.create(folder + [0x2F] + Self.latin1, ImageCodec.encode(picture, as: .png))
        try Self.create(folder + [0x2F] + Self.stray, ImageCodec.encode(picture, as: .jpeg))
        try Self.create(folder + Array("/sub/".utf8) + Self.nested, ImageCodec.encode(picture, as: .png))
        let model = ["--model", CLI.model].map { Array($0.utf8) }

        // One file named directly: its output beside it, its name printed escaped.
        let single = try RawProcess.run(CLI.executable, [folder + [0x2F] + Self.latin1] + model)
        #expect(single.status == 0, "\(single.output)\(single.errors)")
        #expect(single.output.contains("caf\\xE9.png → "), "\(single.output)")
        #expect(single.output.contains("1 colorized, 0 skipped, 0 failed"), "\(single.output)")
        try Self.expectImage(folder + [0x2F] + Array("caf".utf8) + [0xE9] + Array("_color.png".utf8))

        // The folder, recursively, into -o: the tree mirrored with the same raw names.
        let output = root + Array("/out".utf8)
        let tree = try RawProcess.run(
            CLI.executable, [folder, Array("--recursive".utf8), Array("-o".utf8), output] + model)
        #expect(tree.status == 0, "\(tree.output)\(tree.errors)")
        #expect(tree.output.contains("3 colorized, 0 skipped, 0 failed"), "\(tree.output)")
        #expect(tree.output.contains("\\xFF\\xFE.jpg → "), "\(tree.output)")
        let colorLatin1 = Array("caf".utf8) + [0xE9] + Array("_color.png".utf8)
        let colorStray = [0xFF, 0xFE] + Array("_color.jpg".utf8)
        #expect(Set(Self.names(in: output)) == [colorLatin1, colorStray, Array("sub".utf8)])
        #expect(Self.names(in: output + Array("/sub".utf8)) == [[0xE9, 0x74, 0xE9] + Array("_color.png".utf8)])
        try Self.expectImage(output + [0x2F] + colorLatin1)
        try Self.expectImage(output + [0x2F] + colorStray)
        try Self.expectImage(output + Array("/sub/".utf8) + [0xE9, 0x74, 0xE9] + Array("_color.png".utf8))

        // The folder beside itself: the JPEG gets its output; the Latin-1 file's output exists from the
        // first run (skipped); that earlier output is not taken as an input.
        let beside = try RawProcess.run(CLI.executable, [folder, Array("--skip-existing".utf8)] + model)
        #expect(beside.status == 0, "\(beside.output)\(beside.errors)")
        #expect(beside.output.contains("1 colorized, 1 skipped, 0 failed"), "\(beside.output)")
        #expect(Set(Self.names(in: folder)) == [Self.latin1, Self.stray, colorLatin1, colorStray, Array("sub".utf8)])
        try Self.expectImage(folder + [0x2F] + colorStray)
    }

    /// Calls `body` with `path` as a NUL-terminated C string of exactly these bytes.
    static func call<Result>(_ path: [UInt8], _ body: (UnsafePointer<CChar>) -> Result) -> Result {
        (path.map { CChar(bitPattern: $0) } + [0]).withUnsafeBufferPointer { body($0.baseAddress!) }
    }

    /// Creates the file at raw `path` holding `bytes`.
    static func create(_ path: [UInt8], _ bytes: [UInt8]) throws {
        let descriptor = call(path) { open($0, O_WRONLY | O_CREAT | O_EXCL, 0o644) }
        guard descriptor >= 0 else {
            throw RawProcessError("cannot create the fixture: \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        #expect(bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) } == bytes.count)
    }

    /// The raw names in the folder at `path` (no "." or "..").
    static func names(in path: [UInt8]) -> [[UInt8]] {
        guard let stream = call(path, { opendir($0) }) else { return [] }
        defer { closedir(stream) }
        var names: [[UInt8]] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { Array($0.prefix { $0 != 0 }) }
            if name != [0x2E] && name != [0x2E, 0x2E] { names.append(name) }
        }
        return names
    }

    /// Expects a colour 48×32 image in the file at raw `path` (read with open/read, decoded from memory).
    static func expectImage(_ path: [UInt8]) throws {
        let descriptor = call(path) { open($0, O_RDONLY) }
        #expect(descriptor >= 0, "missing: \(String(decoding: path, as: UTF8.self))")
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        var bytes: [UInt8] = [], chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            guard count > 0 else { break }
            bytes += chunk[0..<count]
        }
        let image = try ImageCodec.decodePixels(bytes)
        #expect(image.width == 48 && image.height == 32 && image.channels == 3)
    }
}
