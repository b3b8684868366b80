import Testing

@testable import Tensor

@Suite struct ElementwiseGradientTests {
    let x = GradientCheck.random([2, 3, 4], seed: 1)
    let y = GradientCheck.random([2, 3, 4], seed: 2)
    let positive = GradientCheck.random([2, 3, 4], seed: 3, low: 0.5, high: 2)

    @Test func add() { GradientCheck.expectFirstAndSecondOrder({ $0[0] + $0[1] }, at: [x, y]) }
    @Test func subtract() { GradientCheck.expectFirstAndSecondOrder({ $0[0] - $0[1] }, at: [x, y]) }
    @Test func multiply() { GradientCheck.expectFirstAndSecondOrder({ $0[0] * $0[1] }, at: [x, y]) }
    @Test func divide() { GradientCheck.expectFirstAndSecondOrder({ $0[0] / $0[1] }, at: [x, positive]) }
    @Test func negate() { GradientCheck.expectFirstAndSecondOrder({ -$0[0] }, at: [x]) }
    @Test func exp() { GradientCheck.expectFirstAndSecondOrder({ $0[0].exp() }, at: [x]) }
    @Test func log() { GradientCheck.expectFirstAndSecondOrder({ $0[0].log() }, at: [positive]) }
    @Test func sqrt() { GradientCheck.expectFirstAndSecondOrder({ $0[0].sqrt() }, at: [positive]) }
    @Test func square() { GradientCheck.expectFirstAndSecondOrder({ $0[0].squared() }, at: [x]) }
    @Test func tanh() { GradientCheck.expectFirstAndSecondOrder({ $0[0].tanh() }, at: [x]) }
    @Test func leakyReLU() {
        GradientCheck.expectFirstAndSecondOrder(
            { $0[0].leakyReLU(0.1) * $0[0] }, at: [GradientCheck.awayFromZero([2, 3, 4], seed: 4)])
    }

    /// Values away from both kinks (0 and 6): ±[0.2, 1], and the same shifted to 6 ± [0.2, 1].
    @Test func relu6() {
        let near0 = GradientCheck.awayFromZero([2, 3, 4], seed: 9),
            near6 = GradientCheck.awayFromZero([2, 3, 4], seed: 10) + 6
        let x = Tensor.concatenate([near0, near6], axis: 0)
        GradientCheck.expectFirstAndSecondOrder({ $0[0].relu6() * $0[0] }, at: [x])
    }

    @Test func relu6Values() {
        #expect(Tensor(shape: [5], values: [-2, 0.5, 5.5, 6, 9]).relu6().scalars == [0, 0.5, 5.5, 6, 6])
    }

    @Test func broadcastingOverChannels() {
        let bias = GradientCheck.random([4], seed: 5)
        GradientCheck.expectFirstAndSecondOrder({ ($0[0] + $0[1]) * $0[1] }, at: [x, bias])
        GradientCheck.expectFirstAndSecondOrder(
            { $0[0] / $0[1] }, at: [x, GradientCheck.random([3, 1], seed: 6, low: 0.5, high: 2)])
    }

    @Test func broadcastingScalarsBothWays() {
        GradientCheck.expectFirstAndSecondOrder({ $0[1] - $0[0] * $0[1] }, at: [x, GradientCheck.random([], seed: 8)])
    }

    @Test func leakyReLUValues() {
        let t = Tensor(shape: [4], values: [-2, -0.5, 0.5, 3]).leakyReLU(0.1)
        #expect(t.scalars == [-0.2, -0.05, 0.5, 3])
    }

    @Test func broadcastValues() {
        let a = Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6])
        #expect((a + Tensor(shape: [3], values: [10, 20, 30])).scalars == [11, 22, 33, 14, 25, 36])
        #expect((a * Tensor(shape: [2, 1], values: [2, 3])).scalars == [2, 4, 6, 12, 15, 18])
        #expect(
            (Tensor(shape: [2, 1], values: [1, 2]) - Tensor(shape: [1, 3], values: [1, 2, 3])).scalars == [
                0, -1, -2, 1, 0, -1,
            ])
    }
}
