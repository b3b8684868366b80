import Threading

/// Elementwise loops over raw buffers. Each body is a plain indexed loop so LLVM vectorises it;
/// large loops are split across the kernel threads (`Parallel`).
enum ElementwiseKernels {
    /// out[i] = f(a[i]) over `count` contiguous elements.
    @inline(__always)
    static func map(
        _ a: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ count: Int,
        _ f: (Float) -> Float
    ) {
        Parallel.forEachRange(count) { range in for i in range { out[i] = f(a[i]) } }
    }

    /// out = f(a, b) with NumPy broadcasting; `out` is contiguous with shape `outShape`.
    @inline(__always)
    static func zip(
        _ a: UnsafePointer<Float>, _ aShape: [Int], _ b: UnsafePointer<Float>, _ bShape: [Int],
        _ out: UnsafeMutablePointer<Float>, _ outShape: [Int], _ f: (Float, Float) -> Float
    ) {
        let n = Shape.count(outShape)
        if aShape == outShape && bShape == outShape {
            Parallel.forEachRange(n) { range in for i in range { out[i] = f(a[i], b[i]) } }
            return
        }
        let loop = StridedLoop(
            shape: outShape,
            strides: [
                Shape.strides(outShape),
                Shape.broadcastStrides(aShape, into: outShape),
                Shape.broadcastStrides(bShape, into: outShape),
            ])
        let inner = loop.innerCount
        let sa = loop.innerStride(1), sb = loop.innerStride(2)
        loop.forEachRowInParallel { o, ia, ib in
            let po = out + o, pa = a + ia, pb = b + ib
            switch (sa, sb) {
            case (1, 1): for i in 0..<inner { po[i] = f(pa[i], pb[i]) }
            case (1, 0): let y = pb[0]; for i in 0..<inner { po[i] = f(pa[i], y) }
            case (0, 1): let x = pa[0]; for i in 0..<inner { po[i] = f(x, pb[i]) }
            default: for i in 0..<inner { po[i] = f(pa[i * sa], pb[i * sb]) }
            }
        }
    }

    /// Sum of `count` contiguous floats, with 16 independent accumulators so it vectorises.
    static func sum(_ a: UnsafePointer<Float>, _ count: Int, stride: Int = 1) -> Float {
        if stride != 1 {
            var s: Float = 0
            for i in 0..<count { s += a[i * stride] }
            return s
        }
        var acc = SIMD16<Float>()
        var i = 0
        while i + 16 <= count {
            acc += UnsafeRawPointer(a + i).loadUnaligned(as: SIMD16<Float>.self)
            i += 16
        }
        var s = acc.sum()
        while i < count { s += a[i]; i += 1 }
        return s
    }

    /// out (shape `outShape`, contiguous, pre-zeroed) += a reduced by broadcasting: every element of
    /// `a` adds into the output element it broadcasts from.
    /// Large reductions into a small output (per-channel sums over N, H, W) are split by rows
    /// across threads, each into a zeroed partial output, and the partials added in thread order.
    static func reduce(
        _ a: UnsafePointer<Float>, _ aShape: [Int], into out: UnsafeMutablePointer<Float>, _ outShape: [Int]
    ) {
        let loop = StridedLoop(
            shape: aShape, strides: [Shape.strides(aShape), Shape.broadcastStrides(outShape, into: aShape)])
        let inner = loop.innerCount
        let so = loop.innerStride(1)
        func accumulate(_ rows: Range<Int>?, into out: UnsafeMutablePointer<Float>) {
            loop.forEachRow(rows) { ia, io, _ in
                let pa = a + ia, po = out + io
                if so == 0 {
                    po[0] += sum(pa, inner)
                } else {
                    for i in 0..<inner { po[i * so] += pa[i] }
                }
            }
        }
        let outCount = Shape.count(outShape), threads = Threads.count
        guard threads > 1, outCount <= Parallel.grain, loop.rowCount >= threads,
            Shape.count(aShape) >= 4 * Parallel.grain
        else {
            accumulate(nil, into: out)
            return
        }
        Parallel.sumOfParts(loop.rowCount, cost: inner, count: outCount, into: out) { rows, partial in
            accumulate(rows, into: partial)
        }
    }

    /// In place over a [*, channels] buffer: x ← x + bias[c] (when given), then the activation
    /// (when given). The im2col path's version of oneDNN's fused epilogue.
    static func biasAndActivation(
        _ x: UnsafeMutablePointer<Float>, count: Int, bias: UnsafePointer<Float>?, channels: Int,
        activation: Activation?
    ) {
        Parallel.forEachRange(count / channels, cost: channels) { rows in
            for row in rows {
                let p = x + row * channels
                if let bias { for c in 0..<channels { p[c] += bias[c] } }
                switch activation {
                case .leakyReLU(let alpha): for c in 0..<channels { p[c] = p[c] > 0 ? p[c] : p[c] * alpha }
                case .relu6: for c in 0..<channels { p[c] = min(max(p[c], 0), 6) }
                case nil: break
                }
            }
        }
    }

    /// out[i] = g[i] where 0 < y[i] < 6, else 0: ReLU6's backward, with the mask read from the
    /// activation's output (or input: both lie strictly inside (0, 6) at the same elements).
    static func relu6Gradient(
        _ g: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ count: Int
    ) {
        Parallel.forEachRange(count) { range in for i in range { out[i] = y[i] > 0 && y[i] < 6 ? g[i] : 0 } }
    }

    /// out[i] = g[i] where y[i] > 0, else α·g[i]: LeakyReLU's backward, with the mask read from the
    /// sign of the activation's output (or input: the two signs agree for α > 0).
    static func leakyReLUGradient(
        _ g: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>,
        _ count: Int, alpha: Float
    ) {
        Parallel.forEachRange(count) { range in for i in range { out[i] = y[i] > 0 ? g[i] : g[i] * alpha } }
    }
}
