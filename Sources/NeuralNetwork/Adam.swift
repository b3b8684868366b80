import Foundation
import Tensor
import Threading

/// Adam (Kingma & Ba) as Keras implements it, with the seed's defaults β1 = 0.5, β2 = 0.9:
///   m ← β1·m + (1 − β1)·g,   v ← β2·v + (1 − β2)·g²,
///   θ ← θ − lr·√(1 − β2ᵗ)/(1 − β1ᵗ) · m / (√v + ε).
/// State is kept per parameter name, so it is saved and restored with the checkpoint.
public final class Adam: @unchecked Sendable {
    public var learningRate: Float
    public let beta1: Float
    public let beta2: Float
    /// Keras' default 1e-7 (the seed raised Keras' global epsilon to 1e-4; we keep the optimizer's own).
    public let epsilon: Float
    /// Per-name-prefix factors on the learning rate (e.g. ["encoder.": 0.1], so a pretrained
    /// encoder is fine-tuned more gently than a new decoder); the first matching prefix applies.
    public var learningRateScales: [(prefix: String, scale: Float)] = []
    public private(set) var step = 0
    private(set) var moments: [String: (m: [Float], v: [Float])] = [:]

    public init(learningRate: Float, beta1: Float = 0.5, beta2: Float = 0.9, epsilon: Float = 1e-7) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
    }

    /// One update of every parameter of `group` that has a gradient and requires one.
    public func update(_ group: some ParameterGroup, gradients: [String: Tensor]) {
        step += 1
        let t = Float(step)
        let rate = learningRate * (1 - powf(beta2, t)).squareRoot() / (1 - powf(beta1, t))
        let (b1, b2, eps) = (beta1, beta2, epsilon)
        for (name, parameter) in group.namedParameters where parameter.requiresGradient {
            guard let gradient = gradients[name] else { continue }
            let rate = rate * (learningRateScales.first { name.hasPrefix($0.prefix) }?.scale ?? 1)
            precondition(
                gradient.shape == parameter.value.shape,
                "gradient \(gradient.shape) for \(name) \(parameter.value.shape)")
            var state =
                moments.removeValue(forKey: name)
                ?? ([Float](repeating: 0, count: gradient.count), [Float](repeating: 0, count: gradient.count))
            gradient.withUnsafeBufferPointer { g in
                state.m.withUnsafeMutableBufferPointer { m in
                    state.v.withUnsafeMutableBufferPointer { v in
                        parameter.update { p in
                            Parallel.forEachRange(p.count, cost: 4) { range in
                                for i in range {
                                    m[i] = b1 * m[i] + (1 - b1) * g[i]
                                    v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i]
                                    p[i] -= rate * m[i] / (v[i].squareRoot() + eps)
                                }
                            }
                        }
                    }
                }
            }
            moments[name] = state
        }
    }

    /// The state as named tensors (`m.NAME`, `v.NAME`) plus the step, for checkpoints.
    public func stateTensors(shapes: [String: [Int]]) -> [String: Tensor] {
        var tensors: [String: Tensor] = [:]
        for (name, state) in moments {
            guard let shape = shapes[name] else { continue }
            tensors["m.\(name)"] = Tensor(shape: shape, values: state.m)
            tensors["v.\(name)"] = Tensor(shape: shape, values: state.v)
        }
        return tensors
    }

    /// Restores state written by `stateTensors`.
    public func restore(step: Int, tensors: [String: Tensor]) {
        self.step = step
        moments = [:]
        for (key, m) in tensors where key.hasPrefix("m.") {
            let name = String(key.dropFirst(2))
            guard let v = tensors["v.\(name)"], v.shape == m.shape else { continue }
            moments[name] = (m.scalars, v.scalars)
        }
    }
}
