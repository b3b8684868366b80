import Foundation
import Tensor
import Threading

/// A colour point at network resolution: the centre pixel (x, y) of a `side`×`side` patch whose
/// colour is (a, b) in Lab/100 (the network's units).
public struct HintPoint: Sendable, Equatable {
    public var x: Int
    public var y: Int
    public var side: Int
    public var a: Float
    public var b: Float

    public init(x: Int, y: Int, side: Int, a: Float, b: Float) {
        (self.x, self.y, self.side, self.a, self.b) = (x, y, side, a, b)
    }
}

/// The hint input of a hint-taking generator, [N, H, W, `channels(bins:)`] beside L: Zhang et al.
/// 2017 gave the network the sparse points alone and let ImageNet teach it to spread them; with a
/// few hundred photos we also hand it each point spread over the pixels of similar lightness near
/// it (a joint-bilateral splat), at three reaches — the click's surroundings, its region, and
/// whatever in the photo has its lightness — so what it must learn is when to trust them.
///
/// For each reach r (σ_s = `reaches[r].spatial` × √(H·W), σ_L = `reaches[r].lightness`), pixel p:
///   w_i(p) = exp(−|p − p_i|² / 2σ_s² − (L(p) − L_i)² / 2σ_L²),  L_i the patch's mean L,
///   c(p) = max_i w_i(p),   ab(p) = Σ_i w_i ab_i / Σ_i w_i;
/// channels 3r…3r+2 hold c·a, c·b and c, channel `maskChannel` is 1 inside the hinted patches; then, per
/// reach, c × the spread a and b as soft one-hot vectors over the quantiser's bins (linear between
/// the two nearest centres), which a 1×1 convolution can add to the heads' logits directly. No
/// points: all zeros, so the hint branches start out leaving the automatic colorization as it was.
public enum HintField {
    /// The number of channels for a model with `bins` levels per colour channel.
    public static func channels(bins: Int) -> Int { maskChannel + 1 + 2 * bins * reaches.count }
    /// The first channel of reach r's soft one-hot a (b follows `bins` later).
    static func binChannel(reach: Int, bins: Int) -> Int { maskChannel + 1 + 2 * bins * reach }
    static var maskChannel: Int { 3 * reaches.count }
    /// The hint branches' parameter-name prefix and learning-rate factors (first match wins): the
    /// hint encoder, a copy of the pretrained one, trains at the rate; the other branches start at
    /// zero, and Adam moves a weight by about the rate per step, so at the decoder's 1e-4 they
    /// would need tens of thousands of steps to reach the few units a followed click takes.
    public static let parameterPrefix = "hint_"
    public static let learningRateScales: [(prefix: String, scale: Float)] = [
        (PretrainedGenerator.hintEncoderPrefix, 1), (parameterPrefix, 20),
    ]
    static let reaches: [(spatial: Float, lightness: Float)] = [(0.04, 0.08), (0.2, 0.08), (0.6, 0.04)]

    /// Per sample of a field [N, H, W, channels], 1 when it holds a point (its mask is set
    /// somewhere), else 0: [N, 1, 1, 1].
    static func hasPoints(_ field: Tensor) -> Tensor {
        let n = field.shape[0], channels = field.shape[3], perSample = field.count / max(n, 1)
        // Read in place: a training batch's field is ~90 MB, too much to copy every step for n flags.
        let flags = field.withUnsafeBufferPointer { values in
            (0..<n).map { sample -> Float in
                stride(from: sample * perSample + maskChannel, to: (sample + 1) * perSample, by: channels)
                    .contains { values[$0] > 0 } ? 1 : 0
            }
        }
        return Tensor(shape: [n, 1, 1, 1], values: flags)
    }

    /// How much of each pixel the hints reach, 0…1 ([N, H, W] of a field [N, H, W, channels]):
    /// the largest splat weight at the region's reach (the middle one).
    static func coverage(_ field: Tensor) -> [Float] {
        let channels = field.shape[3], pixels = field.count / max(channels, 1)
        return field.withUnsafeBufferPointer { values in
            (0..<pixels).map { values[$0 * channels + 3 * 1 + 2] }
        }
    }

    /// The field for `points[n]` on lightness [N, H, W, 1] (L/100), for a model with `bins` levels.
    public static func make(lightness: Tensor, points: [[HintPoint]], bins: Int) -> Tensor {
        let (n, h, w) = (lightness.shape[0], lightness.shape[1], lightness.shape[2])
        let channels = channels(bins: bins)
        let quantizer = ColorQuantizer(bins: bins)
        precondition(points.count == n, "one hint list per image: \(points.count) for \(n)")
        let l = lightness.scalars
        var field = [Float](repeating: 0, count: n * h * w * channels)
        for image in 0..<n where !points[image].isEmpty {
            let base = image * h * w
            let hints = points[image].map { point -> (x: Float, y: Float, l: Float, a: Float, b: Float) in
                let (x0, x1, y0, y1) = patch(point, width: w, height: h)
                var sum: Float = 0
                for y in y0..<y1 { for x in x0..<x1 { sum += l[base + y * w + x] } }
                for y in y0..<y1 {
                    for x in x0..<x1 { field[(base + y * w + x) * channels + maskChannel] = 1 }
                }
                return (Float(point.x), Float(point.y), sum / Float((x1 - x0) * (y1 - y0)), point.a, point.b)
            }
            for (r, reach) in reaches.enumerated() {
                let lightnessScale = -1 / (2 * reach.lightness * reach.lightness)
                let sigma = reach.spatial * Float(h * w).squareRoot()
                let spatialScale = -1 / (2 * sigma * sigma)
                // Rows in parallel; weights below e⁻³⁰ are left out (they change nothing a float
                // keeps, and computing exp that far down is slow).
                field.withUnsafeMutableBufferPointer { buffer in
                    nonisolated(unsafe) let out = buffer.baseAddress!
                    Parallel.forEachRange(h, cost: w * hints.count * 8) { rows in
                        for y in rows {
                            for x in 0..<w {
                                let p = base + y * w + x
                                var (total, top, a, b): (Float, Float, Float, Float) = (0, 0, 0, 0)
                                for hint in hints {
                                    let dx = Float(x) - hint.x, dy = Float(y) - hint.y, dl = l[p] - hint.l
                                    let exponent = (dx * dx + dy * dy) * spatialScale + dl * dl * lightnessScale
                                    guard exponent > -30 else { continue }
                                    let weight = exp(exponent)
                                    total += weight
                                    top = max(top, weight)
                                    a += weight * hint.a
                                    b += weight * hint.b
                                }
                                guard total > 1e-12 else { continue }
                                out[p * channels + 3 * r] = top * a / total
                                out[p * channels + 3 * r + 1] = top * b / total
                                out[p * channels + 3 * r + 2] = top
                                let first = p * channels + binChannel(reach: r, bins: bins)
                                for (offset, value) in [(0, a / total), (bins, b / total)] {
                                    let position = min(max((value + 1) / quantizer.delta, 0), Float(bins - 1))
                                    let low = min(Int(position), bins - 2), fraction = position - Float(low)
                                    out[first + offset + low] = top * (1 - fraction)
                                    out[first + offset + low + 1] = top * fraction
                                }
                            }
                        }
                    }
                }
            }
        }
        return Tensor(shape: [n, h, w, channels], values: field)
    }

    /// The pixel ranges of a point's patch, clipped to the image.
    static func patch(_ point: HintPoint, width: Int, height: Int) -> (Int, Int, Int, Int) {
        let half = (max(point.side, 1) - 1) / 2
        let x0 = min(max(point.x - half, 0), width - 1), y0 = min(max(point.y - half, 0), height - 1)
        return (
            x0, min(width, max(x0 + 1, point.x - half + max(point.side, 1))),
            y0, min(height, max(y0 + 1, point.y - half + max(point.side, 1)))
        )
    }
}
