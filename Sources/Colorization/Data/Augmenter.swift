import Foundation
import Imaging
import Tensor

/// Turns a photo into one training sample the way the seed does — random horizontal flip, rotation
/// by a random multiple of 5° in [−10°, 10°], a random square crop of side in [size, short side]
/// rescaled (antialiased) to size — then converts it to CIELAB scaled by 1/100.
///
/// Unlike the seed, the crop is taken inside the rotated picture's valid region, so no black
/// corner wedges (which reach past the critic's 16-px rim) ever enter training. With a
/// `degradation`, L (what the network sees) is that of an old photograph of the crop, except for
/// its clean share; a and b (the targets) stay the crop's own.
public struct Augmenter: Sendable {
    public let size: Int
    public let degradation: OldPhotoDegradation?

    public init(size: Int, degradation: OldPhotoDegradation? = nil) {
        self.size = size
        self.degradation = degradation
    }

    /// A size×size×3 raster of (L, a, b)/100, or nil when the photo is smaller than `size`.
    public func sample(_ rgb: Raster, using random: inout TensorRandom) -> Raster? {
        guard min(rgb.width, rgb.height) >= size else { return nil }
        let flip = random.next() % 2 == 0
        var degrees = Double(Int(random.next() % 5) * 5 - 10)
        var valid = Raster.validRectangle(width: rgb.width, height: rgb.height, degrees: degrees)
        if min(valid.width, valid.height) < size {
            degrees = 0
            valid = (rgb.width, rgb.height)
        }
        let side = size + Int(random.next() % UInt64(min(valid.width, valid.height) - size + 1))
        // Crop centre, uniform over positions where the square stays inside the valid rectangle.
        let cx =
            Double(rgb.width - valid.width) / 2 + Double(side) / 2
            + Double(random.next() % UInt64(valid.width - side + 1))
        let cy =
            Double(rgb.height - valid.height) / 2 + Double(side) / 2
            + Double(random.next() % UInt64(valid.height - side + 1))
        var crop = rgb.rotatedRegion(centerX: cx, centerY: cy, width: side, height: side, degrees: degrees).resized(
            width: size, height: size)
        if flip { crop = crop.flippedHorizontally() }
        var lab = ColorSpace.lab(fromRGB: crop)
        if let grey = degradation?.trainingGrey(crop, using: &random) {
            for i in 0..<lab.pixelCount { lab.values[3 * i] = ColorSpace.lightness(grey: grey.values[i]) }
        }
        for i in lab.values.indices { lab.values[i] *= 0.01 }
        return lab
    }
}
