import Foundation

/// Flips, crops, rotations and EXIF orientation for rasters of any channel count.
extension Raster {
    /// Mirror left ↔ right.
    public func flippedHorizontally() -> Raster {
        var out = values
        for y in 0..<height {
            for x in 0..<width {
                let src = (y * width + (width - 1 - x)) * channels, dst = (y * width + x) * channels
                for c in 0..<channels { out[dst + c] = values[src + c] }
            }
        }
        return Raster(width: width, height: height, channels: channels, values: out)
    }

    /// The `cropWidth`×`cropHeight` rectangle whose top-left corner is (x, y).
    public func cropped(x: Int, y: Int, width cropWidth: Int, height cropHeight: Int) -> Raster {
        precondition(
            x >= 0 && y >= 0 && cropWidth > 0 && cropHeight > 0 && x + cropWidth <= width && y + cropHeight <= height,
            "crop \(cropWidth)×\(cropHeight)+\(x)+\(y) outside \(width)×\(height)")
        var out = [Float](repeating: 0, count: cropWidth * cropHeight * channels)
        let run = cropWidth * channels
        for row in 0..<cropHeight {
            let src = ((y + row) * width + x) * channels
            out[(row * run)..<((row + 1) * run)] = values[src..<(src + run)]
        }
        return Raster(width: cropWidth, height: cropHeight, channels: channels, values: out)
    }

    /// Rotation by `degrees` counter-clockwise about the centre, same size, bilinear.
    /// Border mode: clamp to edge — samples from outside repeat the nearest edge pixel. Callers that
    /// must not see those repeated edges crop inside `Raster.validRectangle(...)` afterwards.
    public func rotated(degrees: Double) -> Raster {
        if degrees.truncatingRemainder(dividingBy: 360) == 0 { return self }
        return rotatedRegion(
            centerX: Double(width) / 2, centerY: Double(height) / 2, width: width, height: height, degrees: degrees)
    }

    /// The `regionWidth`×`regionHeight` rectangle centred at (centerX, centerY) of this raster rotated
    /// by `degrees` counter-clockwise about its centre, sampled directly (bilinear, clamp to edge):
    /// augmenting a large photo then costs the crop's pixels, not the whole photo's.
    public func rotatedRegion(
        centerX: Double, centerY: Double, width regionWidth: Int, height regionHeight: Int,
        degrees: Double
    ) -> Raster {
        let angle = degrees * .pi / 180
        let (cosA, sinA) = (Float(cos(angle)), Float(sin(angle)))
        let (cx, cy) = (Float(width - 1) / 2, Float(height - 1) / 2)
        // Offset from a region pixel index to its position relative to the picture's centre.
        let (offsetX, offsetY) = (
            Float(centerX - 0.5 - Double(regionWidth - 1) / 2) - cx,
            Float(centerY - 0.5 - Double(regionHeight - 1) / 2) - cy
        )
        var out = [Float](repeating: 0, count: regionWidth * regionHeight * channels)
        values.withUnsafeBufferPointer { src in
            for y in 0..<regionHeight {
                for x in 0..<regionWidth {
                    // Inverse map: rotate the output position by −angle (y axis points down).
                    let dx = Float(x) + offsetX, dy = Float(y) + offsetY
                    let sx = min(max(cosA * dx - sinA * dy + cx, 0), Float(width - 1))
                    let sy = min(max(sinA * dx + cosA * dy + cy, 0), Float(height - 1))
                    let x0 = Int(sx), y0 = Int(sy)
                    let x1 = Swift.min(x0 + 1, width - 1), y1 = Swift.min(y0 + 1, height - 1)
                    let fx = sx - Float(x0), fy = sy - Float(y0)
                    for c in 0..<channels {
                        let top =
                            src[(y0 * width + x0) * channels + c] * (1 - fx) + src[(y0 * width + x1) * channels + c]
                            * fx
                        let bottom =
                            src[(y1 * width + x0) * channels + c] * (1 - fx) + src[(y1 * width + x1) * channels + c]
                            * fx
                        out[(y * regionWidth + x) * channels + c] = top * (1 - fy) + bottom * fy
                    }
                }
            }
        }
        return Raster(width: regionWidth, height: regionHeight, channels: channels, values: out)
    }

    /// The largest centred axis-aligned rectangle that lies wholly inside a `width`×`height` image
    /// after rotating it by `degrees`: crops taken inside it contain no border fill.
    public static func validRectangle(width: Int, height: Int, degrees: Double) -> (width: Int, height: Int) {
        let angle = abs(degrees * .pi / 180).truncatingRemainder(dividingBy: .pi)
        let a = angle > .pi / 2 ? .pi - angle : angle
        guard a > 1e-9 else { return (width, height) }
        let (w, h) = (Double(width), Double(height))
        let (sinA, cosA) = (sin(a), cos(a))
        let longSide = max(w, h), shortSide = min(w, h)
        let (rw, rh): (Double, Double)
        if shortSide <= 2 * sinA * cosA * longSide {
            // Half-constrained: two corners of the rectangle touch the longer side.
            let x = 0.5 * shortSide
            (rw, rh) = w >= h ? (x / sinA, x / cosA) : (x / cosA, x / sinA)
        } else {
            let cos2a = cosA * cosA - sinA * sinA
            (rw, rh) = ((w * cosA - h * sinA) / cos2a, (h * cosA - w * sinA) / cos2a)
        }
        return (max(1, min(width, Int(rw.rounded(.down)))), max(1, min(height, Int(rh.rounded(.down)))))
    }

    /// Applies an EXIF orientation (1–8) so the raster shows upright.
    public func oriented(exif orientation: Int) -> Raster {
        guard (2...8).contains(orientation) else { return self }
        let (outWidth, outHeight) = ExifOrientation.size(width: width, height: height, orientation: orientation)
        var out = [Float](repeating: 0, count: values.count)
        for v in 0..<outHeight {
            for u in 0..<outWidth {
                let (x, y) = ExifOrientation.source(u: u, v: v, width: width, height: height, orientation: orientation)
                for c in 0..<channels {
                    out[(v * outWidth + u) * channels + c] = values[(y * width + x) * channels + c]
                }
            }
        }
        return Raster(width: outWidth, height: outHeight, channels: channels, values: out)
    }

    /// The seed's crop: a square of side uniform in [target, short side] at a uniform position,
    /// rescaled (antialiased) to target×target. Nil when the raster is smaller than `target`.
    public func randomSquareCrop(target: Int, using random: inout some RandomNumberGenerator) -> Raster? {
        let shortSide = Swift.min(width, height)
        guard target > 0, shortSide >= target else { return nil }
        let side = Int.random(in: target...shortSide, using: &random)
        let x = Int.random(in: 0...(width - side), using: &random)
        let y = Int.random(in: 0...(height - side), using: &random)
        return cropped(x: x, y: y, width: side, height: side).resized(width: target, height: target)
    }
}

/// EXIF orientations 1–8: which stored pixel lands at each upright position.
enum ExifOrientation {
    /// The upright size (orientations 5–8 swap the sides).
    static func size(width: Int, height: Int, orientation: Int) -> (width: Int, height: Int) {
        orientation >= 5 ? (height, width) : (width, height)
    }

    /// The stored pixel (x, y) shown at upright position (u, v).
    @inline(__always)
    static func source(u: Int, v: Int, width: Int, height: Int, orientation: Int) -> (x: Int, y: Int) {
        switch orientation {
        case 2: (width - 1 - u, v)
        case 3: (width - 1 - u, height - 1 - v)
        case 4: (u, height - 1 - v)
        case 5: (v, u)
        case 6: (v, height - 1 - u)
        case 7: (width - 1 - v, height - 1 - u)
        case 8: (width - 1 - v, u)
        default: (u, v)
        }
    }
}
