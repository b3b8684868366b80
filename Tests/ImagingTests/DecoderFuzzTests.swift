import Foundation
import Testing

@testable import Imaging

/// Seeded mutations of small PNG and JPEG files never crash the decoders: each decodes to an
/// image of sane size or fails with an `ImageError`. `DECODER_FUZZ_CASES` and `DECODER_FUZZ_SEED` raise
/// the count and change the seed for long runs (a crash ends the process, so the printed seed
/// reproduces it).
@Suite struct DecoderFuzzTests {
    typealias SeededGenerator = ExifParserTests.SeededGenerator

    /// Small valid files of each kind the decoders take: grey and colour PNG and JPEG, and a JPEG with
    /// an EXIF orientation.
    static func seedFiles() throws -> [[UInt8]] {
        let grey = Image(samples: (0..<(13 * 9)).map { Float($0 % 11) / 10 }, width: 13, height: 9, channels: 1)
        let colour = Image(
            samples: (0..<(10 * 7 * 3)).map { Float(($0 * 7) % 23) / 22 }, width: 10, height: 7, channels: 3)
        return [
            try ImageCodec.encodePNG(grey), try ImageCodec.encodePNG(colour), try ImageCodec.encodeJPEG(grey),
            try ImageCodec.encodeJPEG(colour),
            try ExifParserTests.jpeg(withAPP1: ExifParserTests.payload(order: "II", entries: [(0x0112, 6)])),
        ]
    }

    /// One to four edits: bit flips, byte overwrites, truncation, appended bytes, a 32-bit or 16-bit
    /// extreme (lengths, dimensions, offsets) at a random position, or a copied block (repeated chunks).
    static func mutate(_ bytes: inout [UInt8], using random: inout SeededGenerator) {
        let extremes: [UInt32] = [0, 1, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFE, 0xFFFF_FFFF, 65535, 65536]
        for _ in 0..<Int.random(in: 1...4, using: &random) {
            guard !bytes.isEmpty else { return }
            let at = Int.random(in: 0..<bytes.count, using: &random)
            switch Int.random(in: 0..<7, using: &random) {
            case 0: bytes[at] ^= 1 << UInt8.random(in: 0..<8, using: &random)
            case 1: bytes[at] = UInt8.random(in: 0...255, using: &random)
            case 2: bytes.removeLast(Int.random(in: 0...bytes.count, using: &random))
            case 3:
                bytes += (0..<Int.random(in: 1...64, using: &random)).map { _ in
                    UInt8.random(in: 0...255, using: &random)
                }
            case 4 where at + 4 <= bytes.count:
                let value = extremes[Int.random(in: 0..<extremes.count, using: &random)]
                for k in 0..<4 { bytes[at + k] = UInt8((value >> (24 - 8 * UInt32(k))) & 0xFF) }
            case 5 where at + 2 <= bytes.count:
                let value = Bool.random(using: &random) ? UInt16.max : UInt16.random(in: 0...UInt16.max, using: &random)
                (bytes[at], bytes[at + 1]) = (UInt8(value >> 8), UInt8(value & 0xFF))
            default:
                let length = Int.random(in: 1...min(64, bytes.count - at), using: &random)
                let block = bytes[at..<(at + length)]
                bytes.insert(contentsOf: block, at: Int.random(in: 0...bytes.count, using: &random))
            }
        }
    }

    @Test func seededMutationsNeverCrashTheDecoders() throws {
        let environment = ProcessInfo.processInfo.environment
        let cases = environment["DECODER_FUZZ_CASES"].flatMap(Int.init) ?? 100_000
        let seed = environment["DECODER_FUZZ_SEED"].flatMap(UInt64.init) ?? 0xDEC0_DE25
        var random = SeededGenerator(state: seed)
        let seeds = try Self.seedFiles()
        var decoded = 0, refused = 0, insane = 0
        let started = ContinuousClock.now
        for _ in 0..<cases {
            var bytes = seeds[Int.random(in: 0..<seeds.count, using: &random)]
            Self.mutate(&bytes, using: &random)
            do {
                let image = try ImageCodec.decode(bytes, name: "mutated", pixelLimit: 1 << 20)
                decoded += 1
                if image.width * image.height > 1 << 20 || image.width < 1 || image.height < 1 { insane += 1 }
            } catch {
                refused += 1
            }
        }
        #expect(insane == 0, "seed \(seed)")
        // Both outcomes must occur, or the mutations only exercise one path.
        #expect(decoded > 0 && refused > 0)
        print(
            "DecoderFuzzTests: \(cases) mutated files, seed \(seed): \(decoded) decoded, \(refused) refused, "
                + "0 crashes, \(ContinuousClock.now - started)")
    }
}
