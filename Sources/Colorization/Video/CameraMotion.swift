import Foundation
import Imaging

/// The motion of the whole picture between two frames as one affine map (pan, zoom, rotation,
/// shear: what a camera does), fitted robustly to a dense flow; and the flow that uses it wherever
/// it explains the frame as well as the local flow does.
///
/// Why: local Lucas–Kanade displacements carry noise (a few hundredths to tenths of a pixel where
/// nothing moves, from film grain and compression), and a filter that warps its state by them
/// every frame lets colour crawl over a still background. Fitted to tens of thousands of pixels,
/// the camera's motion is nearly exact, so the background is carried by it, and only what really
/// moves on its own (people, cars) keeps its local flow.
public struct CameraMotion: Sendable, Equatable {
    /// dx = a0 + a1·x + a2·y, dy = b0 + b1·x + b2·y (pixels, the flow's backward convention).
    public var a: (Double, Double, Double)
    public var b: (Double, Double, Double)

    public static func == (lhs: CameraMotion, rhs: CameraMotion) -> Bool {
        lhs.a == rhs.a && lhs.b == rhs.b
    }

    public static let still = CameraMotion(a: (0, 0, 0), b: (0, 0, 0))

    /// Fits the map to `flow` by least squares, weighting each pixel by the texture of `lightness`
    /// (flat areas show no motion) and, over three reweighting rounds, down-weighting pixels the
    /// map does not explain (Cauchy weights, scale half a pixel), so moving objects do not pull it.
    public static func fit(_ flow: OpticalFlow, lightness: Raster) -> CameraMotion {
        let (w, h) = (flow.width, flow.height)
        var texture = [Float](repeating: 0, count: w * h)
        let l = lightness.values
        for y in 0..<h {
            for x in 0..<w {
                let gx = l[y * w + min(x + 1, w - 1)] - l[y * w + max(x - 1, 0)]
                let gy = l[min(y + 1, h - 1) * w + x] - l[max(y - 1, 0) * w + x]
                texture[y * w + x] = min(gx * gx + gy * gy, 400)
            }
        }
        texture = BoxFilter.mean(texture, width: w, height: h, radius: 2)
        var motion = CameraMotion.still
        for round in 0..<4 {
            // Normal equations of both rows of the map, which share the design (1, x, y).
            var m = [Double](repeating: 0, count: 9), rx = [Double](repeating: 0, count: 3)
            var ry = [Double](repeating: 0, count: 3)
            let cx = Double(w) / 2, cy = Double(h) / 2
            for y in 0..<h {
                for x in 0..<w {
                    let i = y * w + x
                    var weight = Double(texture[i]) + 1e-3
                    if round > 0 {
                        let (mx, my) = motion.displacement(x: Double(x), y: Double(y))
                        let ex = Double(flow.dx[i]) - mx, ey = Double(flow.dy[i]) - my
                        weight /= 1 + (ex * ex + ey * ey) / 0.25
                    }
                    let u = (1.0, Double(x) - cx, Double(y) - cy)
                    let (fx, fy) = (Double(flow.dx[i]), Double(flow.dy[i]))
                    m[0] += weight
                    m[1] += weight * u.1
                    m[2] += weight * u.2
                    m[4] += weight * u.1 * u.1
                    m[5] += weight * u.1 * u.2
                    m[8] += weight * u.2 * u.2
                    rx[0] += weight * fx
                    rx[1] += weight * u.1 * fx
                    rx[2] += weight * u.2 * fx
                    ry[0] += weight * fy
                    ry[1] += weight * u.1 * fy
                    ry[2] += weight * u.2 * fy
                }
            }
            (m[3], m[6], m[7]) = (m[1], m[2], m[5])
            guard let pa = solve3(m, rx), let pb = solve3(m, ry) else { return motion }
            // Back from centred coordinates: d = p0 + p1(x − cx) + p2(y − cy).
            motion = CameraMotion(
                a: (pa[0] - pa[1] * cx - pa[2] * cy, pa[1], pa[2]), b: (pb[0] - pb[1] * cx - pb[2] * cy, pb[1], pb[2]))
        }
        return motion
    }

    /// The displacement the map gives at (x, y).
    public func displacement(x: Double, y: Double) -> (dx: Double, dy: Double) {
        (a.0 + a.1 * x + a.2 * y, b.0 + b.1 * x + b.2 * y)
    }

    /// The map as a dense flow.
    public func flow(width: Int, height: Int) -> OpticalFlow {
        var flow = OpticalFlow(width: width, height: height)
        for y in 0..<height {
            for x in 0..<width {
                let (dx, dy) = displacement(x: Double(x), y: Double(y))
                flow.dx[y * width + x] = Float(dx)
                flow.dy[y * width + x] = Float(dy)
            }
        }
        return flow
    }

    /// Solves the symmetric 3×3 system m·p = r (Gaussian elimination with pivoting); nil if singular.
    static func solve3(_ m: [Double], _ r: [Double]) -> [Double]? {
        var a = [[m[0], m[1], m[2], r[0]], [m[3], m[4], m[5], r[1]], [m[6], m[7], m[8], r[2]]]
        for col in 0..<3 {
            guard let pivot = (col..<3).max(by: { abs(a[$0][col]) < abs(a[$1][col]) }), abs(a[pivot][col]) > 1e-9
            else { return nil }
            a.swapAt(col, pivot)
            for row in 0..<3 where row != col {
                let f = a[row][col] / a[col][col]
                for k in col..<4 { a[row][k] -= f * a[col][k] }
            }
        }
        return (0..<3).map { a[$0][3] / a[$0][$0] }
    }
}

extension OpticalFlow {
    /// Lucas–Kanade flow with the camera's motion substituted wherever it explains the frame about
    /// as well (3×3 mean warped-L residual within `allowance` L units of the local flow's), so
    /// still or uniformly moving areas get the smooth, noise-free camera flow and only objects
    /// moving on their own keep local displacements.
    public static func estimateWithCameraMotion(
        current: Raster, previous: Raster, parameters: Parameters = Parameters(), allowance: Float = 1
    ) -> OpticalFlow {
        let local = estimate(current: current, previous: previous, parameters: parameters)
        let camera = CameraMotion.fit(local, lightness: current).flow(width: local.width, height: local.height)
        let (w, h, n) = (local.width, local.height, local.width * local.height)
        func residual(_ flow: OpticalFlow) -> [Float] {
            let warped = flow.warp(previous).raster.values
            var r = [Float](repeating: 0, count: n)
            for i in 0..<n { r[i] = abs(current.values[i] - warped[i]) }
            return BoxFilter.mean(r, width: w, height: h, radius: 1)
        }
        let localResidual = residual(local), cameraResidual = residual(camera)
        var chosen = camera
        for i in 0..<n where localResidual[i] + allowance < cameraResidual[i] {
            chosen.dx[i] = local.dx[i]
            chosen.dy[i] = local.dy[i]
        }
        return chosen
    }
}
