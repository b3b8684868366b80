import Foundation
import Imaging
import Tensor

/// How `colorize evaluate` pairs each validation photo with a colour reference, seeded by the
/// photo's path so every run and every model sees the same pairs.
public enum ReferenceProtocol: String, CaseIterable, Sendable, Codable {
    /// The photo cut across its longer side into two halves that share no pixels: the colour half
    /// is the reference for the grey other half, both ways (two targets per photo).
    case split
    /// Two crops of the photo at different scales that overlap by at most 25% of the smaller
    /// one: the larger, in colour, is the reference for the smaller.
    case crop
    /// The reference is another photo of the set (the next one): a wrong reference must not
    /// force wrong colours.
    case unrelated

    /// One evaluation pair: the target (scored against its own colours) and its reference.
    public struct Pair: Sendable {
        public var target: Raster
        public var reference: Raster
        /// Tells the pair apart in per-photo results (e.g. "right half").
        public var label: String
    }

    /// The pairs for `photo` (RGB); `other` is the unrelated protocol's reference.
    /// - Parameters:
    ///   - photo: the validation photo, RGB.
    ///   - other: another photo of the set (used by `unrelated` only).
    ///   - seed: fixes the crops.
    public func pairs(_ photo: Raster, other: Raster?, seed: UInt64) -> [Pair] {
        switch self {
        case .split:
            let (first, second) = Self.halves(photo)
            return [
                Pair(target: second.raster, reference: first.raster, label: second.label),
                Pair(target: first.raster, reference: second.raster, label: first.label),
            ]
        case .crop:
            var random = TensorRandom(seed: seed ^ 0x4352_4F50)
            let (large, small) = Self.crops(width: photo.width, height: photo.height, using: &random)
            return [Pair(target: Self.crop(photo, small), reference: Self.crop(photo, large), label: "crop")]
        case .unrelated:
            return [Pair(target: photo, reference: other ?? photo, label: "unrelated")]
        }
    }

    /// The two halves across the longer side (left | right, or top | bottom).
    static func halves(
        _ photo: Raster
    ) -> (first: (raster: Raster, label: String), second: (raster: Raster, label: String)) {
        if photo.width >= photo.height {
            let half = photo.width / 2
            return (
                (crop(photo, (0, 0, half, photo.height)), "left half"),
                (crop(photo, (half, 0, photo.width - half, photo.height)), "right half")
            )
        }
        let half = photo.height / 2
        return (
            (crop(photo, (0, 0, photo.width, half)), "top half"),
            (crop(photo, (0, half, photo.width, photo.height - half)), "bottom half")
        )
    }

    /// A rectangle (x, y, width, height).
    typealias Rectangle = (x: Int, y: Int, width: Int, height: Int)

    /// A large crop (55–75% of each side) and a smaller one (35–50%), placed at random until they
    /// overlap by at most 25% of the smaller one's area (the last try if none does within 200:
    /// then the two are as far apart as the photo allows, in opposite corners).
    static func crops(width: Int, height: Int, using random: inout TensorRandom) -> (large: Rectangle, small: Rectangle)
    {
        func rectangle(_ scale: Float) -> Rectangle {
            let w = max(1, Int(Float(width) * scale)), h = max(1, Int(Float(height) * scale))
            return (
                Int(random.next() % UInt64(width - w + 1)), Int(random.next() % UInt64(height - h + 1)), w, h
            )
        }
        for _ in 0..<200 {
            let large = rectangle(0.55 + 0.2 * random.nextUniform())
            let small = rectangle(0.35 + 0.15 * random.nextUniform())
            let overlapW = max(0, min(large.x + large.width, small.x + small.width) - max(large.x, small.x))
            let overlapH = max(0, min(large.y + large.height, small.y + small.height) - max(large.y, small.y))
            if overlapW * overlapH * 4 <= small.width * small.height { return (large, small) }
        }
        let large = (0, 0, max(1, width * 55 / 100), max(1, height * 55 / 100))
        let smallW = max(1, width * 35 / 100), smallH = max(1, height * 35 / 100)
        return (large, (width - smallW, height - smallH, smallW, smallH))
    }

    static func crop(_ photo: Raster, _ r: Rectangle) -> Raster {
        photo.cropped(x: r.x, y: r.y, width: r.width, height: r.height)
    }
}
