import Foundation
import Imaging
import Tensor

/// A colour photo turned into the grey picture an old photograph of the same scene might be, so the
/// network learns to colorize real old prints and scans, not only the exact CIE lightness of clean
/// digital photos (DeOldify trains on deliberately degraded inputs for the same reason). The colour
/// targets stay the photo's true a/b; only what the network sees changes.
///
/// In order, each drawn from the caller's random stream (so a seed gives the same grey every time):
/// 1. **Emulsion**: grey = Σ wᶜ·linear(c) over R, G, B, with weights of one of four film kinds —
///    panchromatic (about the eye's luminance), orthochromatic (blind to red: red prints nearly
///    black), blue-sensitive (early plates: blue prints nearly white) or panchromatic behind a red
///    filter (dark skies) — jittered, summing to 1 so white stays white.
/// 2. **Lens blur**: a Gaussian of σ up to 1.5 pixels.
/// 3. **Scan resolution**: downscaled by 1.5–3× and back.
/// 4. **Fading**: blacks lifted up to 0.2, whites lowered to 0.75, a gamma of 0.7…1.4.
/// 5. **Grain**: Gaussian noise of σ up to 0.06, clumped by a blur half the time.
/// 6. **JPEG**: compressed at quality 15–60.
/// Each of 2–6 happens with its own probability; the clean share of training crops skips them all
/// and the emulsion too.
public struct OldPhotoDegradation: Sendable, Equatable {
    /// The share of training crops left exactly as they were (their true lightness).
    public var cleanShare: Double

    /// - Parameter cleanShare: the share of crops left clean (0…1).
    public init(cleanShare: Double = 0.3) { self.cleanShare = cleanShare }

    /// The four film kinds of step 1.
    public enum Emulsion: CaseIterable, Sendable {
        case panchromatic, orthochromatic, blueSensitive, redFiltered
    }

    /// Weights of linear R, G, B for `emulsion`, jittered by `random`, summing to 1.
    static func weights(_ emulsion: Emulsion, using random: inout TensorRandom) -> (Float, Float, Float) {
        func uniform(_ low: Float, _ high: Float) -> Float { low + (high - low) * random.nextUniform() }
        let r: Float, g: Float
        switch emulsion {
        case .panchromatic: (r, g) = (uniform(0.15, 0.3), uniform(0.6, 0.75))
        case .orthochromatic: (r, g) = (uniform(0, 0.05), uniform(0.35, 0.6))
        case .blueSensitive: (r, g) = (0, uniform(0, 0.15))
        case .redFiltered: (r, g) = (uniform(0.55, 0.85), uniform(0.12, 0.3))
        }
        // Panchromatic draws can exceed 1 in r + g: scale all three so they sum to 1.
        let b = max(0, 1 - r - g), total = r + g + b
        return (r / total, g / total, b / total)
    }

    /// For training: `rgb`'s grey as an old photograph (1 channel, sRGB-encoded 0…1), or nil for the
    /// clean share (the caller keeps the true lightness).
    public func trainingGrey(_ rgb: Raster, using random: inout TensorRandom) -> Raster? {
        guard Double(random.nextUniform()) >= cleanShare else { return nil }
        return grey(rgb, using: &random)
    }

    /// `rgb` (RGB 0…1) as an old photograph: one grey channel, sRGB-encoded 0…1.
    public func grey(_ rgb: Raster, using random: inout TensorRandom) -> Raster {
        precondition(rgb.channels == 3, "an old photograph is made from RGB")
        func chance(_ p: Float) -> Bool { random.nextUniform() < p }
        func uniform(_ low: Float, _ high: Float) -> Float { low + (high - low) * random.nextUniform() }
        let kinds = Emulsion.allCases
        // Panchromatic film dominates from the 1930s on; the others are older or special.
        let pick = random.nextUniform()
        let emulsion = pick < 0.4 ? kinds[0] : pick < 0.65 ? kinds[1] : pick < 0.75 ? kinds[2] : kinds[3]
        let (wr, wg, wb) = Self.weights(emulsion, using: &random)
        let (width, height) = (rgb.width, rgb.height)
        var grey = Raster(width: width, height: height, channels: 1)
        for i in 0..<rgb.pixelCount {
            let y =
                wr * ColorSpace.linear(rgb.values[3 * i]) + wg * ColorSpace.linear(rgb.values[3 * i + 1])
                + wb * ColorSpace.linear(rgb.values[3 * i + 2])
            grey.values[i] = ColorSpace.gamma(min(max(y, 0), 1))
        }
        if chance(0.5) { grey = Self.blurred(grey, sigma: uniform(0.3, 1.5)) }
        if chance(0.3) {
            let factor = uniform(1.5, 3)
            let small = grey.resized(
                width: max(1, Int((Float(width) / factor).rounded())),
                height: max(1, Int((Float(height) / factor).rounded())))
            grey = small.resized(width: width, height: height)
        }
        if chance(0.7) {
            let (black, white, gamma) = (uniform(0, 0.2), uniform(0.75, 1), expf(uniform(-0.35, 0.35)))
            for i in grey.values.indices {
                grey.values[i] = black + (white - black) * powf(min(max(grey.values[i], 0), 1), gamma)
            }
        }
        if chance(0.6) {
            let sigma = uniform(0.01, 0.06)
            var noise = Raster(width: width, height: height, channels: 1)
            for i in noise.values.indices { noise.values[i] = random.nextNormal() }
            if chance(0.5) {
                // Clumped grain: blurring Gaussian noise by σ_b divides its deviation by about 2σ_b√π.
                let blur = uniform(0.5, 1)
                noise = Self.blurred(noise, sigma: blur)
                let gain = 2 * blur * Float.pi.squareRoot()
                for i in noise.values.indices { noise.values[i] *= gain }
            }
            for i in grey.values.indices { grey.values[i] += sigma * noise.values[i] }
        }
        for i in grey.values.indices { grey.values[i] = min(max(grey.values[i], 0), 1) }
        if chance(0.4) {
            let quality = 15 + Int(random.next() % 46)
            if let bytes = try? ImageCodec.encodeJPEG(Image(color: grey), quality: quality),
                let decoded = try? ImageCodec.decode(bytes), decoded.width == width, decoded.height == height
            {
                grey = decoded.isGrey ? decoded.color : decoded.color.channel(0)
            }
        }
        return grey
    }

    /// A separable Gaussian blur of one channel (taps to 3σ, edges clamped).
    static func blurred(_ plane: Raster, sigma: Float) -> Raster {
        let radius = max(1, Int((3 * sigma).rounded(.up)))
        var taps = (-radius...radius).map { expf(-Float($0 * $0) / (2 * sigma * sigma)) }
        let total = taps.reduce(0, +)
        for k in taps.indices { taps[k] /= total }
        let (width, height) = (plane.width, plane.height)
        var rows = [Float](repeating: 0, count: plane.values.count)
        for y in 0..<height {
            for x in 0..<width {
                var sum: Float = 0
                for k in -radius...radius {
                    sum += taps[k + radius] * plane.values[y * width + min(max(x + k, 0), width - 1)]
                }
                rows[y * width + x] = sum
            }
        }
        var out = Raster(width: width, height: height, channels: 1)
        for y in 0..<height {
            for x in 0..<width {
                var sum: Float = 0
                for k in -radius...radius { sum += taps[k + radius] * rows[min(max(y + k, 0), height - 1) * width + x] }
                out.values[y * width + x] = sum
            }
        }
        return out
    }
}
