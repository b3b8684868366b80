import Imaging

/// Draws hints as the web page shows them, so a picture says where the clicks were: a dot of the
/// hint's colour (at mid lightness) in a dark ring with a light edge.
public enum HintMarkers {
    public static func draw(_ hints: [ColorHint], on image: Raster, radius: Double = 5) -> Raster {
        var result = image
        for hint in hints {
            let fill = ColorSpace.rgb(l: 60, a: hint.a, b: hint.b)
            let x0 = Int(hint.x - radius - 2), x1 = Int(hint.x + radius + 2)
            let y0 = Int(hint.y - radius - 2), y1 = Int(hint.y + radius + 2)
            for y in max(0, y0)...min(image.height - 1, max(0, y1)) {
                for x in max(0, x0)...min(image.width - 1, max(0, x1)) {
                    let d =
                        ((Double(x) + 0.5 - hint.x) * (Double(x) + 0.5 - hint.x)
                        + (Double(y) + 0.5 - hint.y) * (Double(y) + 0.5 - hint.y)).squareRoot()
                    let color: [Float]? =
                        d <= radius - 1.5
                        ? [fill.r, fill.g, fill.b]
                        : d <= radius
                            ? [0.1, 0.1, 0.1]
                            : d <= radius + 1.2 ? [1, 1, 1] : nil
                    guard let color else { continue }
                    for k in 0..<3 { result[x, y, k] = color[k] }
                }
            }
        }
        return result
    }
}
