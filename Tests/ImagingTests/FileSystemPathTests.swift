import Foundation
import Testing

@testable import Imaging

/// Names that are not valid UTF-8 survive the trip into a Swift string and back to the
/// file system byte for byte, and the file calls of the image path use their own bytes.
@Suite struct FileSystemPathTests {
    @Test func validNamesAreUnchangedAndInvalidBytesAreEscaped() {
        for name in ["plain.png", "café ☕ 写真.jpg", "evil\n\u{1B}[2J.png", "𝄞.png", ""] {
            #expect(FileSystemPath.decoded(rawBytes: Array(name.utf8)) == name)
            #expect(FileSystemPath.rawBytes(of: name) == Array(name.utf8))
        }
        let latin1: [UInt8] = [0x63, 0x61, 0x66, 0xE9, 0x2E, 0x70, 0x6E, 0x67]
        #expect(FileSystemPath.decoded(rawBytes: latin1) == "caf\u{F7E9}.png")
        #expect(FileSystemPath.decoded(rawBytes: [0xFF, 0xFE]) == "\u{F7FF}\u{F7FE}")
        // Overlong forms, surrogates and truncated sequences are invalid, byte by byte.
        #expect(FileSystemPath.decoded(rawBytes: [0xC0, 0xAF]) == "\u{F7C0}\u{F7AF}")
        #expect(FileSystemPath.decoded(rawBytes: [0xED, 0xA0, 0x80]) == "\u{F7ED}\u{F7A0}\u{F780}")
        #expect(FileSystemPath.decoded(rawBytes: [0x61, 0xE2, 0x82]) == "a\u{F7E2}\u{F782}")
    }

    /// A real name holding a scalar of the escape range (U+F7E9 is EF 9F A9) is escaped too, so it never
    /// collides with the Latin-1 byte 0xE9; every byte string comes back exactly (seeded random names).
    @Test func everyByteStringRoundTrips() {
        let real = Array("\u{F7E9}".utf8)
        #expect(FileSystemPath.decoded(rawBytes: real) != FileSystemPath.decoded(rawBytes: [0xE9]))
        #expect(FileSystemPath.rawBytes(of: FileSystemPath.decoded(rawBytes: real)) == real)
        var generator = ExifParserTests.SeededGenerator(state: 17)
        for _ in 0..<20_000 {
            let length = Int(generator.next() % 24)
            let bytes = (0..<length).map { _ in
                // Mostly the bytes that make UTF-8 interesting: leads, continuations, ASCII.
                let pick = generator.next()
                return pick % 3 == 0
                    ? UInt8(truncatingIfNeeded: pick >> 8) | 0x80 : UInt8(truncatingIfNeeded: pick >> 16) | 1
            }
            let decoded = FileSystemPath.decoded(rawBytes: bytes)
            #expect(FileSystemPath.rawBytes(of: decoded) == bytes, "\(bytes)")
            // Appending ASCII (as "_color.png" is) keeps the bytes.
            #expect(FileSystemPath.rawBytes(of: decoded + "_color.png") == bytes + Array("_color.png".utf8))
        }
    }

    /// An image is written, listed and read back under a Latin-1 name through AtomicFile,
    /// FolderListing and ImageCodec; the file system holds the raw byte 0xE9.
    @Test func imageFilesWithInvalidNamesAreWrittenListedAndRead() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fspath-\(UUID().uuidString)").path
        try AtomicFile.makeFolder(folder + "/caf\u{F7E9}")
        let path = folder + "/caf\u{F7E9}/\u{F7FF}.png"
        let image = PixelImage(width: 5, height: 3, channels: 1, bytes: Array(0..<15))
        try ImageCodec.write(image, to: path, format: .png, replacing: false)
        #expect(try ImageCodec.readPixels(path: path).bytes == image.bytes)
        #expect(try FolderListing.entries(of: folder) == [FolderListing.Entry(name: "caf\u{F7E9}", isFolder: true)])
        #expect(
            try FolderListing.relativePaths(below: folder, recursive: true).sorted() == [
                "caf\u{F7E9}", "caf\u{F7E9}/\u{F7FF}.png",
            ])
        // The bytes on disk are the raw ones, as a plain C open of them shows.
        let raw = Array(folder.utf8) + Array("/caf".utf8) + [0xE9, 0x2F, 0xFF] + Array(".png".utf8) + [0]
        let descriptor = raw.map { CChar(bitPattern: $0) }.withUnsafeBufferPointer { open($0.baseAddress!, O_RDONLY) }
        #expect(descriptor >= 0)
        close(descriptor)
        #expect(throws: ImageError.writeFailed(path: path, reason: "already exists")) {
            try ImageCodec.write(image, to: path, format: .png, replacing: false)
        }
    }

    /// The temporary file of a name near the 255-byte limit is shortened to fit, keeping its pattern.
    @Test func temporaryNamesStayWithinTheNameLimit() {
        let name = String(repeating: "\u{F7E9}", count: 240) + "_color.png"
        let temporary = AtomicFile.temporaryName(for: name, process: 12345)
        #expect(FileSystemPath.rawBytes(of: temporary).count <= 255)
        #expect(temporary.hasPrefix(".\u{F7E9}") && temporary.hasSuffix(".12345.tmp"))
        #expect(AtomicFile.temporaryName(for: "x.png", process: 7) == ".x.png.7.tmp")
    }
}
