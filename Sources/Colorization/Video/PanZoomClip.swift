import Foundation
import Imaging

/// A synthetic clip with known ground truth: a slow pan and zoom over a still colour photo, the
/// camera move of a documentary (“Ken Burns”). Every frame's true colour is known, the motion is
/// smooth and sub-pixel, and the grey version (each pixel's own CIELAB L as a grey level) is what an
/// old film would give the colorizer; so flicker and per-frame accuracy can both be measured.
///
/// The photo is first resized (with `Raster.resized`'s antialiasing) so the widest view maps
/// about one photo pixel to one frame pixel; frames then only magnify it (by up to `zoom`) with
/// bilinear sampling, so no aliasing shimmer is added that would count as flicker.
public struct PanZoomClip: Sendable {
    public let width: Int
    public let height: Int
    public let frames: Int
    /// Magnification at the last frame relative to the first.
    public let zoom: Double
    private let photo: Raster

    /// - Parameters:
    ///   - photo: the colour photo (RGB or grey; alpha ignored).
    ///   - zoom: ≥ 1; the view narrows linearly from 1 to this over the clip while it pans.
    public init(photo: Image, width: Int, height: Int, frames: Int, zoom: Double = 1.25) {
        precondition(width > 0 && height > 0 && frames > 0 && zoom >= 1, "pan-zoom clip parameters")
        self.width = width
        self.height = height
        self.frames = frames
        self.zoom = zoom
        // The first view is 80 % of the largest frame-shaped window that fits, leaving room to pan.
        let rgb = photo.rgb
        let fit = min(Double(rgb.width) / Double(width), Double(rgb.height) / Double(height))
        let scale = 1 / (0.8 * fit)
        self.photo = rgb.resized(
            width: max(width, Int((Double(rgb.width) * scale).rounded())),
            height: max(height, Int((Double(rgb.height) * scale).rounded())))
    }

    /// The view of frame `index`: its centre and width in photo pixels (the height follows).
    func view(_ index: Int) -> (x: Double, y: Double, width: Double) {
        let t = frames > 1 ? Double(index) / Double(frames - 1) : 0
        let viewWidth = Double(width) / (1 + (zoom - 1) * t)
        let viewHeight = viewWidth * Double(height) / Double(width)
        // Pan from the upper left of the free margin to the lower right, the zoom keeping it inside.
        let marginX = (Double(photo.width) - viewWidth) / 2, marginY = (Double(photo.height) - viewHeight) / 2
        let x = Double(photo.width) / 2 + marginX * 0.8 * (t - 0.5) * 2
        let y = Double(photo.height) / 2 + marginY * 0.5 * (t - 0.5) * 2
        return (x, y, viewWidth)
    }

    /// Frame `index` in colour (8-bit RGB).
    public func frame(_ index: Int) -> PixelImage {
        let view = view(index)
        let step = view.width / Double(width)
        var bytes = [UInt8](repeating: 0, count: width * height * 3)
        let sample = UnsafeMutablePointer<Float>.allocate(capacity: 3)
        defer { sample.deallocate() }
        photo.values.withUnsafeBufferPointer { source in
            for v in 0..<height {
                let y = view.y + (Double(v) + 0.5 - Double(height) / 2) * step - 0.5
                for u in 0..<width {
                    let x = view.x + (Double(u) + 0.5 - Double(width) / 2) * step - 0.5
                    OpticalFlow.sample(
                        source.baseAddress!, width: photo.width, height: photo.height, channels: 3,
                        x: Float(x), y: Float(y), into: sample)
                    for k in 0..<3 {
                        bytes[(v * width + u) * 3 + k] = UInt8((min(max(sample[k], 0), 1) * 255).rounded())
                    }
                }
            }
        }
        return PixelImage(width: width, height: height, channels: 3, bytes: bytes)
    }

    /// A colour frame turned grey: each pixel the grey level of its own CIELAB lightness, as RGB.
    public static func grey(_ frame: PixelImage) -> PixelImage {
        let lightness = frame.lightness(width: frame.width, height: frame.height)
        var bytes = [UInt8](repeating: 0, count: frame.pixelCount * 3)
        for i in 0..<frame.pixelCount {
            let level = UInt8((min(max(ColorSpace.greyLevel(lightness: lightness.values[i]), 0), 1) * 255).rounded())
            (bytes[3 * i], bytes[3 * i + 1], bytes[3 * i + 2]) = (level, level, level)
        }
        return PixelImage(width: frame.width, height: frame.height, channels: 3, bytes: bytes)
    }
}
