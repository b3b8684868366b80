import Foundation
import Testing

@testable import Imaging

@Suite struct CodecTests {
    /// 8-bit PNG of every channel layout we write comes back exactly.
    @Test(arguments: [1, 2, 3, 4])
    func pngRoundTripIsExact(channels: Int) throws {
        let image = Fixtures.gradient(width: 17, height: 11, channels: channels)
        let decoded = try ImageCodec.decode(try ImageCodec.encodePNG(image))
        #expect(decoded.bytes().bytes == image.bytes().bytes)
        #expect(decoded.bytes().channels == channels)
        #expect(decoded.isGrey == (channels <= 2))
        #expect((decoded.alpha != nil) == (channels % 2 == 0))
    }

    @Test func jpegRoundTripIsClose() throws {
        for channels in [1, 3] {
            let image = Fixtures.gradient(width: 40, height: 24, channels: channels)
            let decoded = try ImageCodec.decode(try ImageCodec.encodeJPEG(image, quality: 95))
            #expect(decoded.color.channels == channels)
            let worst = zip(decoded.color.values, image.color.values).map { abs($0 - $1) }.max() ?? 1
            #expect(worst < 0.06, "max error \(worst) with \(channels) channels")
        }
    }

    @Test func jpegQualityChangesSize() throws {
        let image = Fixtures.gradient(width: 64, height: 64)
        #expect(try ImageCodec.encodeJPEG(image, quality: 30).count < ImageCodec.encodeJPEG(image, quality: 98).count)
    }

    @Test func sixteenBitRGB() throws {
        let image = try ImageCodec.read(path: Fixtures.path("rgb16.png"))
        #expect(image.width == 5 && image.height == 4 && image.color.channels == 3)
        // Fixture: sample = 1000·x + 7·y + 300·c, kept at 16-bit precision.
        #expect(abs(image.color[3, 2, 1] - Float(1000 * 3 + 7 * 2 + 300) / 65535) < 1e-7)
    }

    @Test func sixteenBitGrey() throws {
        let image = try ImageCodec.read(path: Fixtures.path("grey16.png"))
        #expect(image.isGrey && image.alpha == nil)
        #expect(abs(image.color[4, 3, 0] - Float(13000 * 4 + 11 * 3) / 65535) < 1e-7)
    }

    @Test func greyWithAlpha() throws {
        let image = try ImageCodec.read(path: Fixtures.path("greyalpha8.png"))
        #expect(image.isGrey)
        #expect(image.color[2, 1, 0] == Float(81) / 255)
        #expect(image.alpha?[2, 1, 0] == Float(225) / 255)
    }

    @Test func paletteWithTransparency() throws {
        let image = try ImageCodec.read(path: Fixtures.path("palette.png"))
        #expect(image.color.channels == 3)
        // Index (x + y) % 4: (0,0) → red opaque; (3,0) → entry 3, transparent.
        #expect(image.color[0, 0, 0] == 1 && image.color[0, 0, 1] == 0)
        #expect(image.alpha?[0, 0, 0] == 1 && image.alpha?[3, 0, 0] == 0)
        #expect(image.color[3, 0, 0] == Float(10) / 255)
    }

    @Test func oneBitGrey() throws {
        let image = try ImageCodec.read(path: Fixtures.path("grey1.png"))
        #expect(image.color[0, 0, 0] == 0 && image.color[1, 0, 0] == 1)
    }

    @Test func interlaced() throws {
        let image = try ImageCodec.read(path: Fixtures.path("interlaced.png"))
        #expect(image.width == 9 && image.height == 7)
        for (x, y) in [(0, 0), (8, 6), (3, 5), (5, 2)] {
            #expect(image.color[x, y, 0] == Float(x * 25) / 255)
            #expect(image.color[x, y, 1] == Float(y * 30) / 255)
            #expect(image.color[x, y, 2] == Float((x + y) * 15) / 255)
        }
    }

    @Test func exifOrientationIsApplied() throws {
        // A 4×2 image, left half black and right half white, tagged orientation 6 (rotate 90° clockwise
        // to display) must decode as 2×4 with the white half at the bottom.
        var samples = [Float](repeating: 0, count: 8)
        for y in 0..<2 { for x in 2..<4 { samples[y * 4 + x] = 1 } }
        let jpeg = try ImageCodec.encodeJPEG(Image(samples: samples, width: 4, height: 2, channels: 1), quality: 100)
        let tiff: [UInt8] = [
            0x4D, 0x4D, 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0,
        ]
        let payload: [UInt8] = Array("Exif".utf8) + [0, 0] + tiff
        let length = payload.count + 2
        let app1: [UInt8] = [0xFF, 0xE1, UInt8(length >> 8), UInt8(length & 0xFF)] + payload
        let tagged = Array(jpeg[0..<2]) + app1 + Array(jpeg[2...])
        let image = try ImageCodec.decode(tagged)
        #expect(image.width == 2 && image.height == 4)
        #expect(image.color[0, 0, 0] < 0.2 && image.color[1, 3, 0] > 0.8)
    }

    @Test func writeChoosesFormatByExtensionAndIsAtomic() throws {
        let directory = Fixtures.temporaryDirectory()
        let image = Fixtures.gradient(width: 8, height: 8)
        for name in ["a.png", "b.jpg", "c.jpeg"] {
            let path = directory + "/" + name
            try ImageCodec.write(image, to: path)
            let format = ImageFormat.detect([UInt8](FileManager.default.contents(atPath: path) ?? Data()))
            #expect(format == (name.hasSuffix("png") ? .png : .jpeg))
        }
        #expect(throws: ImageError.self) { try ImageCodec.write(image, to: directory + "/d.gif") }
        #expect(throws: ImageError.self) { try ImageCodec.write(image, to: directory + "/missing/e.png") }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasPrefix(".") }
        #expect(leftovers.isEmpty)
    }
}

@Suite struct BadInputTests {
    @Test func missingFile() {
        #expect(throws: ImageError.fileNotFound(path: "/nonexistent/x.png")) {
            try ImageCodec.read(path: "/nonexistent/x.png")
        }
    }

    @Test func directoryIsNotAnImage() {
        let directory = Fixtures.temporaryDirectory()
        #expect(throws: ImageError.unreadable(path: directory, reason: "is a directory")) {
            try ImageCodec.read(path: directory)
        }
    }

    @Test func unknownFormatByMagicBytesNotExtension() throws {
        let path = Fixtures.temporaryDirectory() + "/fake.png"
        try Data("GIF89a not really".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: ImageError.unknownFormat(path: path)) { try ImageCodec.read(path: path) }
        // A real PNG under a .jpg name still decodes.
        let misnamed = Fixtures.temporaryDirectory() + "/photo.jpg"
        try Data(try ImageCodec.encodePNG(Fixtures.gradient(width: 3, height: 3))).write(
            to: URL(fileURLWithPath: misnamed))
        #expect(try ImageCodec.read(path: misnamed).width == 3)
    }

    @Test func emptyFile() {
        #expect(throws: ImageError.corrupt(path: "<memory>", reason: "file is empty")) { try ImageCodec.decode([]) }
    }

    @Test(arguments: [ImageFormat.png, .jpeg])
    func truncatedData(format: ImageFormat) throws {
        // Large enough that a cut at half lands inside the compressed pixel data.
        let image = Fixtures.gradient(width: 256, height: 192)
        let bytes = format == .png ? try ImageCodec.encodePNG(image) : try ImageCodec.encodeJPEG(image)
        for cut in [bytes.count / 2, 40, 12] {
            #expect {
                _ = try ImageCodec.decode(Array(bytes.prefix(cut)), name: "cut.\(format)")
            } throws: { error in
                guard case let .corrupt(path, reason)? = error as? ImageError else { return false }
                return path == "cut.\(format)" && !reason.isEmpty
            }
        }
    }

    /// A progressive JPEG decodes; the same file with its last scan repeated 600 times (a scan bomb:
    /// each scan is a pass over the image) is refused at scan 501 instead of decoding for minutes.
    @Test func progressiveJPEGsDecodeAndScanBombsAreRefused() throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("progressive.jpg"))))
        let image = try ImageCodec.decode(bytes, name: "progressive.jpg")
        #expect(image.width == 32 && image.height == 24)
        // The last start-of-scan marker (FF DA) up to the end-of-image marker (FF D9), repeated.
        let lastScan = try #require((0..<(bytes.count - 1)).last { bytes[$0] == 0xFF && bytes[$0 + 1] == 0xDA })
        let scan = bytes[lastScan..<(bytes.count - 2)]
        let bomb = Array(bytes[..<lastScan]) + Array((0..<600).map { _ in scan }.joined()) + [0xFF, 0xD9]
        #expect {
            _ = try ImageCodec.decode(bomb, name: "bomb.jpg")
        } throws: { error in
            guard case let .corrupt(path, reason)? = error as? ImageError else { return false }
            return path == "bomb.jpg" && reason.contains("more than 500 scans")
        }
    }

    @Test func corruptedPNGChecksum() throws {
        var bytes = try ImageCodec.encodePNG(Fixtures.gradient(width: 16, height: 16))
        bytes[bytes.count / 2] ^= 0xFF
        #expect(throws: ImageError.self) { try ImageCodec.decode(bytes) }
    }

    @Test func zeroSizedPNG() {
        // A hand-made header claiming 0×0 (libpng rejects it as invalid dimensions or we do as empty).
        var header: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13] + Array("IHDR".utf8)
        header += [0, 0, 0, 0, 0, 0, 0, 0, 8, 2, 0, 0, 0, 0, 0, 0, 0]
        #expect {
            _ = try ImageCodec.decode(header, name: "zero.png")
        } throws: { error in
            switch error as? ImageError {
            case .empty("zero.png")?, .corrupt("zero.png", _)?: true
            default: false
            }
        }
    }

    @Test func pixelLimitIsCheckedBeforeDecoding() throws {
        let png = try ImageCodec.encodePNG(Fixtures.gradient(width: 40, height: 30))
        #expect(throws: ImageError.tooLarge(path: "big.png", width: 40, height: 30, limit: 1000)) {
            try ImageCodec.decode(png, name: "big.png", pixelLimit: 1000)
        }
        let jpeg = try ImageCodec.encodeJPEG(Fixtures.gradient(width: 40, height: 30))
        #expect(throws: ImageError.tooLarge(path: "big.jpg", width: 40, height: 30, limit: 1199)) {
            try ImageCodec.decode(jpeg, name: "big.jpg", pixelLimit: 1199)
        }
        // A header claiming 100000×100000 is refused from the header alone.
        var huge = png
        huge.replaceSubrange(16..<24, with: [0, 1, 0x86, 0xA0, 0, 1, 0x86, 0xA0])
        #expect {
            _ = try ImageCodec.decode(huge, name: "huge.png")
        } throws: { error in
            switch error as? ImageError {
            case .tooLarge("huge.png", 100_000, 100_000, ImageCodec.defaultPixelLimit)?, .corrupt("huge.png", _)?: true
            default: false
            }
        }
    }

    @Test func cmykJPEGIsRejectedClearly() {
        let path = Fixtures.path("cmyk.jpg")
        #expect {
            _ = try ImageCodec.read(path: path)
        } throws: { error in
            guard case let .unsupported(p, reason)? = error as? ImageError else { return false }
            return p == path && reason.contains("CMYK")
        }
    }

    @Test func messagesNameTheFile() {
        #expect(
            ImageError.corrupt(path: "a/b.jpg", reason: "Premature end").description
                == "a/b.jpg: corrupt or truncated image: Premature end")
        #expect(
            ImageError.tooLarge(path: "x.png", width: 3, height: 4, limit: 5).description.hasPrefix(
                "x.png: 3×4 exceeds"))
    }
}
