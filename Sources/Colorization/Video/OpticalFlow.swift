import Imaging

/// Dense optical flow between two lightness planes by pyramidal Lucas–Kanade: at each level of an
/// image pyramid (coarse to fine), the displacement of every pixel is refined by solving the 2×2
/// least-squares system of brightness constancy over a square window around it, with a small
/// Tikhonov term so flat, textureless windows (where motion cannot be seen) stay at the coarser
/// estimate instead of blowing up. Cheap at the network's working size (~200 px), which is where
/// the temporal filter and the flicker metric use it; subpixel accurate on textured content.
///
/// Convention: `dx`, `dy` point backwards in time: the pixel (x, y) of the current frame was at
/// (x + dx, y + dy) in the previous one, so `warp` pulls previous-frame values onto the current grid.
public struct OpticalFlow: Sendable {
    public let width: Int
    public let height: Int
    public var dx: [Float]
    public var dy: [Float]

    public struct Parameters: Sendable {
        /// Pyramid levels at most (each halves the size; stops before a side falls under 16).
        public var levels = 4
        /// Gauss–Newton refinements per level.
        public var iterations = 3
        /// Window radius in pixels (a 9×9 window for 4).
        public var radius = 4
        /// Added to the window's mean squared gradient (L units² per pixel²): below this much
        /// texture the update is damped toward zero.
        public var regularization: Float = 1

        public init() {}
    }

    /// Zero motion.
    public init(width: Int, height: Int) {
        self.width = width
        self.height = height
        dx = [Float](repeating: 0, count: width * height)
        dy = dx
    }

    /// The flow from `current` back to `previous` (one-channel rasters of one size, L 0…100).
    public static func estimate(
        current: Raster, previous: Raster, parameters: Parameters = Parameters()
    )
        -> OpticalFlow
    {
        precondition(
            current.channels == 1 && previous.channels == 1 && current.width == previous.width
                && current.height == previous.height, "flow between one-channel planes of one size")
        var pyramid = [(current: current, previous: previous)]
        while pyramid.count < parameters.levels,
            let last = pyramid.last, min(last.current.width, last.current.height) / 2 >= 16
        {
            pyramid.append((halved(last.current), halved(last.previous)))
        }
        var flow = OpticalFlow(
            width: pyramid[pyramid.count - 1].current.width,
            height: pyramid[pyramid.count - 1].current.height)
        for level in pyramid.indices.reversed() {
            let (c, p) = pyramid[level]
            if flow.width != c.width || flow.height != c.height {
                flow = flow.upsampled(width: c.width, height: c.height)
            }
            flow.refine(current: c, previous: p, parameters: parameters)
        }
        return flow
    }

    /// `raster` (any channels) sampled at each pixel's previous position, and whether that position
    /// lay inside the frame (outside, the nearest edge value is used). Bilinear by default; `sharp`
    /// uses Catmull–Rom cubics, for state warped again every frame, which bilinear sampling would
    /// blur a little more each time (a sub-pixel pan softens it like a [½ ½] filter per frame).
    public func warp(_ raster: Raster, sharp: Bool = false) -> (raster: Raster, inside: [Bool]) {
        precondition(raster.width == width && raster.height == height, "warp a \(width)×\(height) raster")
        let channels = raster.channels
        var out = [Float](repeating: 0, count: raster.values.count)
        var inside = [Bool](repeating: true, count: width * height)
        raster.values.withUnsafeBufferPointer { source in
            out.withUnsafeMutableBufferPointer { out in
                for y in 0..<height {
                    for x in 0..<width {
                        let i = y * width + x
                        let sx = Float(x) + dx[i], sy = Float(y) + dy[i]
                        if sx < -0.5 || sy < -0.5 || sx > Float(width) - 0.5 || sy > Float(height) - 0.5 {
                            inside[i] = false
                        }
                        if sharp {
                            Self.sampleCubic(
                                source.baseAddress!, width: width, height: height, channels: channels,
                                x: sx, y: sy, into: out.baseAddress! + i * channels)
                        } else {
                            Self.sample(
                                source.baseAddress!, width: width, height: height, channels: channels,
                                x: sx, y: sy, into: out.baseAddress! + i * channels)
                        }
                    }
                }
            }
        }
        return (Raster(width: width, height: height, channels: channels, values: out), inside)
    }

    /// Mean displacement length in pixels (for tests and reports).
    public var meanMagnitude: Double {
        guard !dx.isEmpty else { return 0 }
        var total = 0.0
        for i in dx.indices { total += Double((dx[i] * dx[i] + dy[i] * dy[i]).squareRoot()) }
        return total / Double(dx.count)
    }

    // MARK: - Levels

    /// Gauss–Newton steps at one level. The gradient is the mean of the current frame's and the
    /// warped previous frame's (as in efficient second-order minimisation), which converges in a
    /// few steps where the current frame's alone overshoots on displacements of a pixel or more.
    private mutating func refine(current: Raster, previous: Raster, parameters: Parameters) {
        let (w, h, n) = (width, height, width * height)
        let image = current.values
        let (cx, cy) = Self.gradients(image, width: w, height: h)
        let r = parameters.radius
        let lambda = parameters.regularization
        let plain = Raster(width: w, height: h, channels: 1, values: previous.values)
        for _ in 0..<parameters.iterations {
            let warped = warp(plain).raster.values
            let (wx, wy) = Self.gradients(warped, width: w, height: h)
            var xx = [Float](repeating: 0, count: n), xy = xx, yy = xx, xt = xx, yt = xx
            for i in 0..<n {
                let gx = 0.5 * (cx[i] + wx[i]), gy = 0.5 * (cy[i] + wy[i]), t = warped[i] - image[i]
                xx[i] = gx * gx
                xy[i] = gx * gy
                yy[i] = gy * gy
                xt[i] = gx * t
                yt[i] = gy * t
            }
            let sxx = BoxFilter.mean(xx, width: w, height: h, radius: r)
            let sxy = BoxFilter.mean(xy, width: w, height: h, radius: r)
            let syy = BoxFilter.mean(yy, width: w, height: h, radius: r)
            let sxt = BoxFilter.mean(xt, width: w, height: h, radius: r)
            let syt = BoxFilter.mean(yt, width: w, height: h, radius: r)
            var stepX = [Float](repeating: 0, count: n), stepY = stepX
            for i in 0..<n {
                let a = sxx[i] + lambda, b = sxy[i], c = syy[i] + lambda
                let det = a * c - b * b
                guard det > 1e-12 else { continue }
                // Each step is clamped to a pixel: a bad window cannot throw its pixel across the frame.
                stepX[i] = min(max(-(c * sxt[i] - b * syt[i]) / det, -1), 1)
                stepY[i] = min(max(-(a * syt[i] - b * sxt[i]) / det, -1), 1)
            }
            // The steps are smoothed over half a window: the one warp of the whole image that the
            // next step linearises around is only valid for a flow smooth at that scale; pixel-to-
            // pixel roughness would otherwise feed back and grow over the iterations.
            stepX = BoxFilter.mean(stepX, width: w, height: h, radius: max(1, r / 2))
            stepY = BoxFilter.mean(stepY, width: w, height: h, radius: max(1, r / 2))
            for i in 0..<n {
                dx[i] += stepX[i]
                dy[i] += stepY[i]
            }
        }
    }

    /// Central differences (one-sided at the borders).
    static func gradients(_ image: [Float], width w: Int, height h: Int) -> (x: [Float], y: [Float]) {
        var gx = [Float](repeating: 0, count: w * h), gy = gx
        for y in 0..<h {
            for x in 0..<w {
                let left = image[y * w + max(x - 1, 0)], right = image[y * w + min(x + 1, w - 1)]
                let up = image[max(y - 1, 0) * w + x], down = image[min(y + 1, h - 1) * w + x]
                gx[y * w + x] = (right - left) * (x == 0 || x == w - 1 ? 1 : 0.5)
                gy[y * w + x] = (down - up) * (y == 0 || y == h - 1 ? 1 : 0.5)
            }
        }
        return (gx, gy)
    }

    /// The flow of a level twice as fine (bilinear, displacements doubled).
    private func upsampled(width newWidth: Int, height newHeight: Int) -> OpticalFlow {
        var out = OpticalFlow(width: newWidth, height: newHeight)
        let planes = Raster(
            width: width, height: height, channels: 2,
            values: (0..<(width * height)).flatMap { [2 * dx[$0], 2 * dy[$0]] })
        let scaleX = Float(width) / Float(newWidth), scaleY = Float(height) / Float(newHeight)
        let target = UnsafeMutablePointer<Float>.allocate(capacity: 2)
        defer { target.deallocate() }
        planes.values.withUnsafeBufferPointer { source in
            for y in 0..<newHeight {
                for x in 0..<newWidth {
                    Self.sample(
                        source.baseAddress!, width: width, height: height, channels: 2,
                        x: (Float(x) + 0.5) * scaleX - 0.5, y: (Float(y) + 0.5) * scaleY - 0.5, into: target)
                    out.dx[y * newWidth + x] = target[0]
                    out.dy[y * newWidth + x] = target[1]
                }
            }
        }
        return out
    }

    /// Half size: each output pixel the mean of a 2×2 block (an odd last row or column is dropped).
    static func halved(_ plane: Raster) -> Raster {
        let w = plane.width / 2, h = plane.height / 2
        var out = [Float](repeating: 0, count: w * h)
        let v = plane.values, stride = plane.width
        for y in 0..<h {
            for x in 0..<w {
                let i = 2 * y * stride + 2 * x
                out[y * w + x] = 0.25 * (v[i] + v[i + 1] + v[i + stride] + v[i + stride + 1])
            }
        }
        return Raster(width: w, height: h, channels: 1, values: out)
    }

    /// Catmull–Rom sample of all channels at (x, y), edges clamped; the result is kept within the
    /// range of the four nearest samples, so cubic overshoot cannot build up over many frames.
    static func sampleCubic(
        _ source: UnsafePointer<Float>, width: Int, height: Int, channels: Int, x: Float, y: Float,
        into out: UnsafeMutablePointer<Float>
    ) {
        let cx = min(max(x, 0), Float(width - 1)), cy = min(max(y, 0), Float(height - 1))
        let x0 = min(Int(cx), width - 1), y0 = min(Int(cy), height - 1)
        let fx = cx - Float(x0), fy = cy - Float(y0)
        func weights(_ t: Float) -> (Float, Float, Float, Float) {
            let t2 = t * t, t3 = t2 * t
            return (
                0.5 * (-t3 + 2 * t2 - t), 0.5 * (3 * t3 - 5 * t2 + 2), 0.5 * (-3 * t3 + 4 * t2 + t), 0.5 * (t3 - t2)
            )
        }
        let wx = weights(fx), wy = weights(fy)
        let xs = (max(x0 - 1, 0), x0, min(x0 + 1, width - 1), min(x0 + 2, width - 1))
        let ys = (max(y0 - 1, 0), y0, min(y0 + 1, height - 1), min(y0 + 2, height - 1))
        for k in 0..<channels {
            func at(_ px: Int, _ py: Int) -> Float { source[(py * width + px) * channels + k] }
            func row(_ py: Int) -> Float {
                wx.0 * at(xs.0, py) + wx.1 * at(xs.1, py) + wx.2 * at(xs.2, py) + wx.3 * at(xs.3, py)
            }
            let value = wy.0 * row(ys.0) + wy.1 * row(ys.1) + wy.2 * row(ys.2) + wy.3 * row(ys.3)
            let corners = (at(xs.1, ys.1), at(xs.2, ys.1), at(xs.1, ys.2), at(xs.2, ys.2))
            let low = min(min(corners.0, corners.1), min(corners.2, corners.3))
            let high = max(max(corners.0, corners.1), max(corners.2, corners.3))
            out[k] = min(max(value, low), high)
        }
    }

    /// Bilinear sample of all channels at (x, y), clamped to the edges.
    @inline(__always)
    static func sample(
        _ source: UnsafePointer<Float>, width: Int, height: Int, channels: Int, x: Float, y: Float,
        into out: UnsafeMutablePointer<Float>
    ) {
        let cx = min(max(x, 0), Float(width - 1)), cy = min(max(y, 0), Float(height - 1))
        let x0 = min(Int(cx), width - 1), y0 = min(Int(cy), height - 1)
        let x1 = min(x0 + 1, width - 1), y1 = min(y0 + 1, height - 1)
        let fx = cx - Float(x0), fy = cy - Float(y0)
        let p00 = source + (y0 * width + x0) * channels, p10 = source + (y0 * width + x1) * channels
        let p01 = source + (y1 * width + x0) * channels, p11 = source + (y1 * width + x1) * channels
        for k in 0..<channels {
            let top = p00[k] + fx * (p10[k] - p00[k]), bottom = p01[k] + fx * (p11[k] - p01[k])
            out[k] = top + fy * (bottom - top)
        }
    }
}
