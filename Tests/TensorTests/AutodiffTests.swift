import Testing

@testable import Tensor

@Suite struct AutodiffTests {
    @Test func inferenceRecordsNoGraph() {
        let w = GradientCheck.random([3, 3, 1, 2], seed: 1).requiringGradient()
        let x = GradientCheck.random([1, 8, 8, 1], seed: 2)
        let forward = { Tensor.conv2d(x, w).leakyReLU(0.1).mean() }
        var tracked = false, untracked = true
        let recorded = Autodiff.nodesRecorded { tracked = forward().requiresGradient }
        let recordedWithout = Autodiff.nodesRecorded { withoutGradients { untracked = forward().requiresGradient } }
        #expect(tracked && recorded == 5)  // conv, leakyReLU, and mean = sum, reshape, scale
        #expect(!untracked && recordedWithout == 0)
    }

    @Test func untrackedInputsRecordNothing() {
        #expect(Autodiff.nodesRecorded { _ = (GradientCheck.random([4], seed: 3).exp() * 2).sum() } == 0)
    }

    @Test func gradientOfUnrelatedInputIsZero() {
        let a = Tensor(shape: [2], values: [1, 2]).requiringGradient()
        let b = Tensor(shape: [3], values: [1, 2, 3]).requiringGradient()
        let g = gradients(of: (a * a).sum(), wrt: [a, b])
        #expect(g[0].scalars == [2, 4])
        #expect(g[1].scalars == [0, 0, 0])
    }

    @Test func reusedValueAccumulates() {
        let a = Tensor(shape: [2], values: [3, 4]).requiringGradient()
        let y = (a * a + a * 3).sum()
        #expect(gradients(of: y, wrt: [a])[0].scalars == [9, 11])
    }

    @Test func secondDerivativeOfCube() {
        // d²/dx² x³ = 6x.
        let x = Tensor(shape: [2], values: [1, -2]).requiringGradient()
        let first = gradients(of: (x * x * x).sum(), wrt: [x], createGraph: true)[0]
        #expect(first.scalars == [3, 12])
        #expect(gradients(of: first.sum(), wrt: [x])[0].scalars == [6, -12])
    }

    /// A binary op writes into its left operand when nothing else holds it, and never otherwise.
    @Test func inPlaceOnlyWhenUnshared() {
        let x = Tensor(shape: [3], values: [1, 2, 3])
        let scaled = x * 2
        let buffer = scaled.storage.pointer
        let shifted = consume scaled + 1
        #expect(shifted.storage.pointer == buffer)
        #expect(shifted.scalars == [3, 5, 7])

        let kept = x + 1
        #expect(!kept.sharesStorage(with: x))
        #expect(x.scalars == [1, 2, 3])

        // While recording, a product keeps its left operand for the backward rule: no reuse.
        let w = Tensor(shape: [3], values: [1, 1, 1]).requiringGradient()
        let product = x * 2
        let productBuffer = product.storage.pointer
        let y = consume product * w
        #expect(y.storage.pointer != productBuffer)
        #expect(gradients(of: y.sum(), wrt: [w])[0].scalars == [2, 4, 6])
    }

    @Test func copyOnWrite() {
        let a = Tensor(shape: [3], values: [1, 2, 3])
        var b = a
        #expect(b.sharesStorage(with: a))
        b.withUnsafeMutableBufferPointer { $0[0] = 10 }
        #expect(a.scalars == [1, 2, 3])
        #expect(b.scalars == [10, 2, 3])
    }

    @Test func seededRandomIsReproducible() {
        var r1 = TensorRandom(seed: 42), r2 = TensorRandom(seed: 42)
        #expect(Tensor.normal([5], using: &r1).scalars == Tensor.normal([5], using: &r2).scalars)
        let u = Tensor.uniform([1000], low: -1, high: 1, using: &r1).scalars
        #expect(u.allSatisfy { $0 >= -1 && $0 < 1 })
        #expect(abs(u.reduce(0, +) / 1000) < 0.1)
    }
}
