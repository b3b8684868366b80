import Testing

@testable import Tensor

/// Finite-difference checks shared by the op tests.
///
/// A function of tensors is reduced to a scalar by a fixed random projection, so every output
/// element's gradient is exercised. Central differences with step `h` have error O(h²) for smooth
/// functions; the tolerance is far below the size of any wrong rule (which is O(1) relative).
enum GradientCheck {
    static func random(_ shape: [Int], seed: UInt64, low: Float = -1, high: Float = 1) -> Tensor {
        var rng = TensorRandom(seed: seed)
        return Tensor.uniform(shape, low: low, high: high, using: &rng)
    }

    /// Values in ±[0.2, 1]: away from the kink of LeakyReLU, so differences do not straddle it.
    static func awayFromZero(_ shape: [Int], seed: UInt64) -> Tensor {
        var rng = TensorRandom(seed: seed)
        return Tensor(
            shape: shape,
            values: (0..<Shape.count(shape)).map { _ in
                let magnitude = 0.2 + 0.8 * rng.nextUniform()
                return rng.nextUniform() < 0.5 ? -magnitude : magnitude
            })
    }

    /// The scalar ⟨projection, f(inputs)⟩.
    static func projected(_ f: @escaping ([Tensor]) -> Tensor, seed: UInt64 = 99) -> ([Tensor]) -> Tensor {
        { inputs in
            let y = f(inputs)
            let projection = random(y.shape, seed: seed)
            return (y * projection).sum()
        }
    }

    /// Central differences of the scalar function `f` with respect to every element of every input.
    static func numericGradients(_ f: ([Tensor]) -> Tensor, at inputs: [Tensor], h: Float) -> [[Double]] {
        inputs.indices.map { which in
            (0..<inputs[which].count).map { i in
                var plus = inputs, minus = inputs
                plus[which].withUnsafeMutableBufferPointer { $0[i] += h }
                minus[which].withUnsafeMutableBufferPointer { $0[i] -= h }
                let fp = Double(f(plus).item), fm = Double(f(minus).item)
                return (fp - fm) / (2 * Double(h))
            }
        }
    }

    /// Asserts that autodiff gradients of scalar `f` equal finite differences within `tolerance`,
    /// relative to the largest gradient entry (or absolute when all are small).
    static func expectMatches(
        _ f: @escaping ([Tensor]) -> Tensor, at values: [Tensor], h: Float = 1e-2,
        tolerance: Double = 2e-3, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let inputs = values.map { $0.requiringGradient() }
        let analytic = gradients(of: f(inputs), wrt: inputs)
        let numeric = numericGradients(f, at: values, h: h)
        for (which, (a, n)) in zip(analytic, numeric).enumerated() {
            #expect(a.shape == values[which].shape, sourceLocation: sourceLocation)
            let scale = max(1, n.map(abs).max() ?? 0)
            let worst = zip(a.scalars, n).map { abs(Double($0) - $1) }.max() ?? 0
            #expect(
                worst / scale < tolerance, "input \(which): max |analytic − numeric| = \(worst) (scale \(scale))",
                sourceLocation: sourceLocation)
        }
    }

    /// First-order check of ⟨projection, op(inputs)⟩, then a second-order check: the gradient of
    /// ⟨r, ∇ₓ f⟩ (built with `createGraph`) against finite differences of that same first-order
    /// gradient, where x = inputs[0].
    static func expectFirstAndSecondOrder(
        _ op: @escaping ([Tensor]) -> Tensor, at values: [Tensor], h: Float = 1e-2,
        tolerance: Double = 2e-3, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let f = projected(op)
        expectMatches(f, at: values, h: h, tolerance: tolerance, sourceLocation: sourceLocation)
        let r = random(values[0].shape, seed: 7)
        let secondOrder: ([Tensor]) -> Tensor = { inputs in
            // Track every input so ∇ₓ is taken through the graph even when called under finite differences.
            let tracked = inputs.map { $0.requiresGradient ? $0 : $0.requiringGradient() }
            let gx = gradients(of: f(tracked), wrt: [tracked[0]], createGraph: true)[0]
            return (gx * r).sum()
        }
        expectMatches(secondOrder, at: values, h: h, tolerance: tolerance, sourceLocation: sourceLocation)
    }
}
