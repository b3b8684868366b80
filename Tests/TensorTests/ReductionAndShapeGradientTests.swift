import Testing

@testable import Tensor

@Suite struct ReductionAndShapeGradientTests {
    let x = GradientCheck.random([2, 3, 4, 5], seed: 11)

    @Test func sumOverAxes() {
        GradientCheck.expectFirstAndSecondOrder({ $0[0].sum(axes: [1, 3]).squared() }, at: [x])
        GradientCheck.expectFirstAndSecondOrder({ $0[0].sum(axes: [-1], keepingDimensions: true) * $0[0] }, at: [x])
    }

    @Test func meanOverAxes() {
        GradientCheck.expectFirstAndSecondOrder({ $0[0].mean(axes: [0, 1, 2]).squared() }, at: [x])
        GradientCheck.expectFirstAndSecondOrder({ ($0[0].mean() * $0[0]).squared() }, at: [x])
    }

    @Test func broadcastTo() {
        GradientCheck.expectFirstAndSecondOrder(
            { $0[0].broadcast(to: [2, 3, 4, 5]).squared() }, at: [GradientCheck.random([3, 1, 5], seed: 12)])
    }

    @Test func reshapeAndPermute() {
        GradientCheck.expectFirstAndSecondOrder({ $0[0].reshaped([6, -1]).squared() }, at: [x])
        GradientCheck.expectFirstAndSecondOrder({ $0[0].permuted([3, 1, 0, 2]).squared() }, at: [x])
    }

    @Test func sliceAndPad() {
        GradientCheck.expectFirstAndSecondOrder({ $0[0].slice(axis: 2, 1..<3).squared() }, at: [x])
        GradientCheck.expectFirstAndSecondOrder({ $0[0].padded(axis: 1, before: 2, after: 1).squared() }, at: [x])
    }

    @Test func concatenate() {
        let y = GradientCheck.random([2, 3, 4, 2], seed: 13)
        GradientCheck.expectFirstAndSecondOrder({ Tensor.concatenate([$0[0], $0[1]], axis: 3).squared() }, at: [x, y])
    }

    @Test func logSoftmaxAndSoftmax() {
        GradientCheck.expectFirstAndSecondOrder({ $0[0].logSoftmax() }, at: [x])
        GradientCheck.expectFirstAndSecondOrder({ $0[0].softmax() }, at: [x])
    }

    /// The fused expectation equals Σ softmax(x/T)·v built from ops, and its gradients check out.
    @Test func softmaxExpectation() {
        let values = Tensor(shape: [5], values: [-0.5, 0.75, 0.1, -0.2, 0.4])
        let composed = ((x * (1 / 0.38)).softmax() * values).sum(axes: [-1], keepingDimensions: true)
        let fused = x.softmaxExpectation(of: values, temperature: 0.38)
        #expect(fused.shape == composed.shape)
        #expect(zip(fused.scalars, composed.scalars).allSatisfy { abs($0 - $1) < 1e-6 })
        GradientCheck.expectFirstAndSecondOrder(
            { $0[0].softmaxExpectation(of: values, temperature: 0.38) }, at: [x], h: 1e-3)
    }

    @Test func matmulAllTranspositions() {
        for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
            let a = GradientCheck.random(ta ? [2, 4, 3] : [2, 3, 4], seed: 14)
            let b = GradientCheck.random(tb ? [2, 5, 4] : [2, 4, 5], seed: 15)
            GradientCheck.expectFirstAndSecondOrder(
                { Tensor.matmul($0[0], $0[1], transposeA: ta, transposeB: tb).squared() }, at: [a, b])
        }
    }

    @Test func upsampleAndSumPool() {
        GradientCheck.expectFirstAndSecondOrder({ $0[0].upsampledNearest(2).squared() }, at: [x])
        GradientCheck.expectFirstAndSecondOrder(
            { $0[0].sumPooled(2).squared() }, at: [GradientCheck.random([2, 4, 6, 3], seed: 16)])
    }

    @Test func values() {
        let a = Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6])
        #expect(a.sum(axes: [0]).scalars == [5, 7, 9])
        #expect(a.sum(axes: [1]).scalars == [6, 15])
        #expect(a.mean().item == 3.5)
        #expect(a.permuted([1, 0]).scalars == [1, 4, 2, 5, 3, 6])
        #expect(a.slice(axis: 1, 1..<3).scalars == [2, 3, 5, 6])
        #expect(Tensor.concatenate([a, a.slice(axis: 1, 0..<1)], axis: 1).scalars == [1, 2, 3, 1, 4, 5, 6, 4])
        #expect(Tensor.matmul(a, a, transposeB: true).scalars == [14, 32, 32, 77])
        let sm = Tensor(shape: [1, 3], values: [1000, 1001, 1002]).softmax().scalars
        #expect(abs(sm[0] - 0.09003057) < 1e-6 && abs(sm[2] - 0.66524096) < 1e-6)
        let image = Tensor(shape: [1, 2, 2, 1], values: [1, 2, 3, 4])
        #expect(image.upsampledNearest(2).scalars == [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4])
        #expect(image.upsampledNearest(2).sumPooled(2).scalars == [4, 8, 12, 16])
    }
}
