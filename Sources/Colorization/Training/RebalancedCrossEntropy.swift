import Tensor

/// The pre-training loss of one colour head: categorical cross-entropy against one-hot bin targets
/// scaled by the magic weights, averaged over pixels (as Keras' categorical_crossentropy):
///
///   L = −(1/P) Σ_pixels Σ_k t_k · log softmax(z)_k,   t_k = (floor + w_k) for the true bin k, else 0.
public enum RebalancedCrossEntropy {
    /// The scaled one-hot targets [N, H, W, bins] for per-pixel bin indices (row-major over N, H, W).
    public static func targets(bins indices: [Int], shape: [Int], scale: (Int) -> Float) -> Tensor {
        let bins = shape[shape.count - 1]
        precondition(indices.count * bins == Shape.count(shape), "\(indices.count) pixels for target shape \(shape)")
        var values = [Float](repeating: 0, count: indices.count * bins)
        for (pixel, k) in indices.enumerated() { values[pixel * bins + k] = scale(k) }
        return Tensor(shape: shape, values: values)
    }

    /// The loss for logits [N, H, W, bins] and scaled targets of the same shape.
    public static func loss(logits: Tensor, targets: Tensor) -> Tensor {
        precondition(logits.shape == targets.shape, "logits \(logits.shape) vs targets \(targets.shape)")
        let pixels = logits.count / logits.shape[logits.rank - 1]
        return -(logits.logSoftmax() * targets).sum() * (1 / Float(pixels))
    }
}
