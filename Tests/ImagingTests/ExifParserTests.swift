import CImageCodecs
import Foundation
import Testing

@testable import Imaging

/// The EXIF orientation parser reads untrusted bytes from every uploaded JPEG; an IFD0 offset
/// near 2³² once wrapped its bounds check and crashed whole batches and the server.
@Suite struct ExifParserTests {
    // MARK: Building payloads

    /// An APP1 payload: "Exif\0\0", a TIFF header in `order` ("II" or "MM") pointing at `ifd`, and
    /// an IFD0 there holding `entries` (tag, SHORT value). `count` overrides the stored entry count.
    static func payload(
        order: String, ifd: UInt32 = 8, entries: [(tag: UInt16, value: UInt16)], count: UInt16? = nil
    ) -> [UInt8] {
        let little = order == "II"
        func u16(_ v: UInt16) -> [UInt8] {
            little ? [UInt8(v & 0xFF), UInt8(v >> 8)] : [UInt8(v >> 8), UInt8(v & 0xFF)]
        }
        func u32(_ v: UInt32) -> [UInt8] {
            let bytes = (0..<4).map { UInt8((v >> (8 * $0)) & 0xFF) }
            return little ? bytes : bytes.reversed()
        }
        var tiff = Array(order.utf8) + u16(42) + u32(ifd)
        // IFD0 normally follows the header at 8; pad up to it when it is in range.
        if ifd >= 8 && ifd < 1024 { tiff += [UInt8](repeating: 0, count: Int(ifd) - 8) }
        tiff += u16(count ?? UInt16(entries.count))
        for entry in entries {
            tiff += u16(entry.tag) + u16(3) + u32(1) + u16(entry.value) + u16(0)
        }
        tiff += u32(0)  // next-IFD offset
        return Array("Exif".utf8) + [0, 0] + tiff
    }

    /// Calls the C parser on exactly `bytes` (an empty array passes a null pointer).
    static func orientation(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBufferPointer { cz_exif_orientation_from_payload($0.baseAddress, $0.count) }
    }

    /// A small JPEG from the public encoder with `payload` spliced in as an APP1 segment after SOI.
    static func jpeg(withAPP1 payload: [UInt8], width: Int = 6, height: Int = 4) throws -> [UInt8] {
        let encoded = try ImageCodec.encodeJPEG(Fixtures.gradient(width: width, height: height))
        try #require(encoded.starts(with: [0xFF, 0xD8]))
        let length = payload.count + 2
        let segment: [UInt8] = [0xFF, 0xE1, UInt8(length >> 8), UInt8(length & 0xFF)] + payload
        return Array(encoded.prefix(2)) + segment + encoded.dropFirst(2)
    }

    static let orders = ["II", "MM"]

    // MARK: Regressions

    /// IFD0 offsets that wrapped `ifd + 2 > length` in 32 bits, and counts running past the end.
    @Test(arguments: orders)
    func hostileOffsetsAndCountsGiveOne(order: String) {
        let orientationEntry = [(tag: UInt16(0x0112), value: UInt16(6))]
        let cases: [[UInt8]] = [
            Self.payload(order: order, ifd: 0xFFFF_FFFF, entries: orientationEntry),
            Self.payload(order: order, ifd: 0xFFFF_FFFE, entries: orientationEntry),
            Self.payload(order: order, ifd: 0xFFFF_FFF0, entries: orientationEntry),
            Self.payload(order: order, entries: orientationEntry, count: 0xFFFF),
            Self.payload(order: order, entries: orientationEntry, count: 2),
        ]
        // A bare TIFF header whose IFD0 offset points at its own end, or one byte before it.
        let header = Array(Self.payload(order: order, entries: []).prefix(14))
        for ifd: UInt8 in [7, 8] {
            var bytes = header
            bytes[order == "II" ? 10 : 13] = ifd
            #expect(Self.orientation(bytes) == 1, "IFD0 at \(ifd) of 8 TIFF bytes")
        }
        for bytes in cases {
            #expect(Self.orientation(bytes) == 1, "payload \(bytes)")
        }
    }

    @Test func tooShortOrForeignPayloadsGiveOne() {
        #expect(Self.orientation([]) == 1)
        #expect(Self.orientation(Array("Exif".utf8) + [0, 0, 0x49, 0x49]) == 1)
        let valid = Self.payload(order: "II", entries: [(0x0112, 6)])
        #expect(Self.orientation(Array(valid.prefix(13))) == 1)
        var badOrder = valid
        badOrder[6] = 0x4D  // "MI"
        #expect(Self.orientation(badOrder) == 1)
        var notExif = valid
        notExif[0] = 0x65  // "exif"
        #expect(Self.orientation(notExif) == 1)
    }

    /// The defect killed the decoder itself: such a JPEG must decode, unrotated.
    @Test(arguments: [UInt32(0xFFFF_FFFF), 0xFFFF_FFFE])
    func jpegWithHostileIFDOffsetDecodes(ifd: UInt32) throws {
        for order in Self.orders {
            let bytes = try Self.jpeg(withAPP1: Self.payload(order: order, ifd: ifd, entries: [(0x0112, 6)]))
            let image = try ImageCodec.decode(bytes)
            #expect(image.width == 6 && image.height == 4)
        }
    }

    // MARK: Valid payloads

    @Test(arguments: orders, [UInt16(6), 8])
    func readsOrientationInBothByteOrders(order: String, value: UInt16) {
        let alone = Self.payload(order: order, entries: [(0x0112, value)])
        #expect(Self.orientation(alone) == UInt32(value))
        // Among other tags (width, height, resolution unit), and with IFD0 after a gap.
        let among = Self.payload(
            order: order, ifd: 20, entries: [(0x0100, 6), (0x0101, 4), (0x0112, value), (0x0128, 2)])
        #expect(Self.orientation(among) == UInt32(value))
    }

    @Test(arguments: orders)
    func outOfRangeOrMissingOrientationGivesOne(order: String) {
        #expect(Self.orientation(Self.payload(order: order, entries: [(0x0112, 0)])) == 1)
        #expect(Self.orientation(Self.payload(order: order, entries: [(0x0112, 9)])) == 1)
        #expect(Self.orientation(Self.payload(order: order, entries: [(0x0100, 6)])) == 1)
        #expect(Self.orientation(Self.payload(order: order, entries: [])) == 1)
    }

    /// Orientations 6 and 8 rotate a quarter turn, so the decoded image comes back transposed.
    @Test(arguments: orders, [UInt16(6), 8])
    func jpegWithValidOrientationIsRotated(order: String, value: UInt16) throws {
        let bytes = try Self.jpeg(withAPP1: Self.payload(order: order, entries: [(0x0112, value)]))
        let image = try ImageCodec.decode(bytes)
        #expect(image.width == 4 && image.height == 6)
    }

    // MARK: Mutation fuzzing

    /// SplitMix64: a tiny seeded generator, so any failure reproduces from the printed seed.
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// One to four random edits of `bytes`: flips, truncation, extension, and offsets or counts
    /// set to extreme values, aimed at the fields the parser trusts.
    static func mutate(_ bytes: inout [UInt8], using random: inout SeededGenerator) {
        let extremes: [UInt32] = [0, 1, 2, 7, 8, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFF4, 0xFFFF_FFFE, 0xFFFF_FFFF]
        for _ in 0..<Int.random(in: 1...4, using: &random) {
            switch Int.random(in: 0..<7, using: &random) {
            case 0 where !bytes.isEmpty:  // flip one bit
                bytes[Int.random(in: 0..<bytes.count, using: &random)] ^= 1 << UInt8.random(in: 0..<8, using: &random)
            case 1 where !bytes.isEmpty:  // overwrite one byte
                bytes[Int.random(in: 0..<bytes.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
            case 2:  // truncate to a random length
                bytes.removeLast(Int.random(in: 0...bytes.count, using: &random))
            case 3:  // append random bytes
                bytes += (0..<Int.random(in: 1...40, using: &random)).map { _ in
                    UInt8.random(in: 0...255, using: &random)
                }
            case 4 where bytes.count >= 14:  // IFD0 offset to an extreme or near-end value
                let candidates = extremes + [UInt32(bytes.count), UInt32(bytes.count - 6), UInt32(bytes.count - 7)]
                let value =
                    Bool.random(using: &random)
                    ? candidates[Int.random(in: 0..<candidates.count, using: &random)]
                    : UInt32.random(in: 0...UInt32.max, using: &random)
                for k in 0..<4 {
                    let shift = 8 * UInt32(bytes[6] == 0x49 ? k : 3 - k)  // in the payload's byte order
                    bytes[10 + k] = UInt8((value >> shift) & 0xFF)
                }
            case 5 where bytes.count >= 16:  // entry count of an IFD0 at 8: extreme, random, or just fitting ±1
                let fit = UInt16(truncatingIfNeeded: (bytes.count - 16) / 12)
                let choices: [UInt16] = [0xFFFF, UInt16.random(in: 0...UInt16.max, using: &random), fit, fit &+ 1]
                let value = choices[Int.random(in: 0..<choices.count, using: &random)]
                let (low, high) = (UInt8(value & 0xFF), UInt8(value >> 8))
                (bytes[14], bytes[15]) = bytes[6] == 0x49 ? (low, high) : (high, low)
            default:  // random bytes of a random length behind a prefix of the header
                bytes = Array(bytes.prefix(Int.random(in: 0...14, using: &random)))
                bytes += (0..<Int.random(in: 0...64, using: &random)).map { _ in
                    UInt8.random(in: 0...255, using: &random)
                }
            }
        }
    }

    /// ≥100,000 seeded mutations never crash the parser and always give 1…8.
    /// `EXIF_FUZZ_CASES` and `EXIF_FUZZ_SEED` raise the count and change the seed for long runs.
    @Test func seededMutationsNeverCrash() {
        let environment = ProcessInfo.processInfo.environment
        let cases = environment["EXIF_FUZZ_CASES"].flatMap(Int.init) ?? 100_000
        let seed = environment["EXIF_FUZZ_SEED"].flatMap(UInt64.init) ?? 0xC010_71E5
        var random = SeededGenerator(state: seed)
        let seeds = Self.orders.flatMap { order in
            [UInt16(6), 8].flatMap { value in
                [
                    Self.payload(order: order, entries: [(0x0112, value)]),
                    Self.payload(order: order, ifd: 16, entries: [(0x0100, 6), (0x0112, value), (0x0128, 2)]),
                ]
            }
        }
        var outOfRange = 0
        var counts = [Int](repeating: 0, count: 9)
        for _ in 0..<cases {
            var bytes = seeds[Int.random(in: 0..<seeds.count, using: &random)]
            Self.mutate(&bytes, using: &random)
            let value = Self.orientation(bytes)
            if (1...8).contains(value) { counts[Int(value)] += 1 } else { outOfRange += 1 }
        }
        #expect(outOfRange == 0, "seed \(seed)")
        // The mutations must leave some payloads valid, or the test only exercises rejection.
        #expect(counts[6] + counts[8] > 0)
        print("ExifParserTests: \(cases) mutated payloads, seed \(seed), orientation counts \(counts.dropFirst())")
    }
}
