/// The mean over a (2r+1)² square around each pixel of a one-channel plane, by running sums along
/// rows and then columns (cost independent of r); the square is cut at the borders and the mean
/// taken over what remains. The windows of Lucas–Kanade flow and of the filter's match residual.
enum BoxFilter {
    static func mean(_ values: [Float], width: Int, height: Int, radius: Int) -> [Float] {
        precondition(values.count == width * height, "box filter of \(values.count) values as \(width)×\(height)")
        guard radius > 0, width > 0, height > 0 else { return values }
        var rows = [Float](repeating: 0, count: values.count)
        var out = [Float](repeating: 0, count: values.count)
        values.withUnsafeBufferPointer { source in
            rows.withUnsafeMutableBufferPointer { rows in
                for y in 0..<height {
                    slide(
                        source.baseAddress! + y * width, stride: 1, count: width, radius: radius,
                        into: rows.baseAddress! + y * width)
                }
            }
        }
        rows.withUnsafeBufferPointer { rows in
            out.withUnsafeMutableBufferPointer { out in
                for x in 0..<width {
                    slide(
                        rows.baseAddress! + x, stride: width, count: height, radius: radius, into: out.baseAddress! + x)
                }
            }
        }
        return out
    }

    /// One line: out[i] = mean of line[max(0, i−r)…min(n−1, i+r)], in double precision sums so long
    /// lines do not drift.
    private static func slide(
        _ line: UnsafePointer<Float>, stride: Int, count: Int, radius: Int, into out: UnsafeMutablePointer<Float>
    ) {
        var sum = 0.0
        var first = 0, last = -1  // the window is line[first...last]
        for i in 0..<count {
            while last < min(count - 1, i + radius) {
                last += 1
                sum += Double(line[last * stride])
            }
            while first < i - radius {
                sum -= Double(line[first * stride])
                first += 1
            }
            out[i * stride] = Float(sum / Double(last - first + 1))
        }
    }
}
