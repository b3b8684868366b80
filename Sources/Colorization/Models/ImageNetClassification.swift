import Imaging
import NeuralNetwork
import Tensor

/// ImageNet classification with the pretrained encoder: the visible proof that the imported
/// weights compute what they were trained to. Preprocessing is the usual one: resize so the short
/// side is the variant's resolution, centre crop a square, 0–255 RGB, `EfficientNetLite.normalized`.
public enum ImageNetClassification {
    /// One predicted class: its ImageNet index (0–999) and softmax probability.
    public struct Prediction: Sendable, Equatable, CustomStringConvertible {
        public let index: Int
        public let probability: Float
        public var description: String { "\(index):\(String(format: "%.3f", probability))" }
    }

    /// The photo as the network's input [1, size, size, 3] (or 1 channel of luminance with `grey`), 0–255.
    public static func input(_ image: Image, size: Int, grey: Bool) -> Tensor {
        let rgb = image.rgb
        let scale = Double(size) / Double(min(rgb.width, rgb.height))
        let width = max(size, Int((Double(rgb.width) * scale).rounded()))
        let height = max(size, Int((Double(rgb.height) * scale).rounded()))
        let square = rgb.resized(width: width, height: height)
            .cropped(x: (width - size) / 2, y: (height - size) / 2, width: size, height: size)
        guard grey else { return Tensor(shape: [1, size, size, 3], values: square.values.map { $0 * 255 }) }
        let v = square.values
        let luminance = (0..<size * size).map { (pixel: Int) -> Float in
            let (r, g, b): (Float, Float, Float) = (v[3 * pixel] * 255, v[3 * pixel + 1] * 255, v[3 * pixel + 2] * 255)
            return 0.299 * r + 0.587 * g + 0.114 * b
        }
        return Tensor(shape: [1, size, size, 1], values: luminance)
    }

    /// The `count` most probable classes for each image of `logits` [N, 1000], most probable first.
    public static func top(_ count: Int, of logits: Tensor) -> [[Prediction]] {
        let probabilities = logits.softmax()
        let classes = logits.shape[1]
        return (0..<logits.shape[0]).map { row in
            let p = Array(probabilities.scalars[(row * classes)..<((row + 1) * classes)])
            return p.indices.sorted { p[$0] > p[$1] }.prefix(count).map { Prediction(index: $0, probability: p[$0]) }
        }
    }

    /// Top-`count` classes of one photo.
    public static func classify(
        _ image: Image, with network: EfficientNetLite, size: Int, grey: Bool,
        count: Int = 5
    ) -> [Prediction] {
        let x = EfficientNetLite.normalized(input(image, size: size, grey: grey))
        return top(count, of: network.logits(x))[0]
    }
}
