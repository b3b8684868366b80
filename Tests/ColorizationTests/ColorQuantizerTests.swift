import Foundation
import Tensor
import Testing

@testable import Colorization

@Suite struct ColorQuantizerTests {
    let quantizer = ColorQuantizer()

    @Test func seedBinning() {
        #expect(quantizer.delta == Float(2) / 15)
        #expect(quantizer.index(-1) == 0)
        #expect(quantizer.index(1) == 15)
        #expect(quantizer.index(0.001) == 8)  // grey sits on the 7/8 boundary: (0 + 1)/(2/15) = 7.5
        #expect(quantizer.index(-0.001) == 7)
        #expect(quantizer.index(-5) == 0 && quantizer.index(3) == 15)
        #expect(quantizer.index(.nan) == 8)
    }

    @Test func roundTripOfCentresIsExact() {
        for k in 0..<16 { #expect(quantizer.index(quantizer.value(k)) == k) }
    }

    @Test func decodeErrorIsAtMostHalfABin() {
        for i in 0...2000 {
            let x = -1 + Float(i) / 1000
            #expect(abs(quantizer.value(quantizer.index(x)) - x) <= quantizer.delta / 2 + 1e-6)
        }
    }
}

@Suite struct MagicWeightsTests {
    @Test func syntheticHistogram() {
        // Used bins with counts 1, 3, 0 (unused), 7: raw 1/2, 1/4, 0, 1/8; sum 7/8.
        let weights = MagicWeights(countsA: [1, 3, 0, 7], countsB: [0, 0, 5, 0])
        let expected: [Float] = [4.0 / 7, 2.0 / 7, 0, 1.0 / 7]
        for (w, e) in zip(weights.a, expected) { #expect(abs(w - e) < 1e-6) }
        #expect(weights.b == [0, 0, 1, 0])
        #expect(abs(weights.targetScaleA(0) - (0.05 + 4.0 / 7)) < 1e-6)
        #expect(abs(weights.targetScaleA(2) - 0.05) < 1e-7)
        #expect(abs(weights.a.reduce(0, +) - 1) < 1e-6)
    }

    @Test func rareBinsWeighMore() {
        let weights = MagicWeights(countsA: [1000, 10, 1], countsB: [1, 1, 1])
        #expect(weights.a[2] > weights.a[1] && weights.a[1] > weights.a[0])
        #expect(weights.b.allSatisfy { abs($0 - 1.0 / 3) < 1e-6 })
    }
}

@Suite struct RebalancedCrossEntropyTests {
    @Test func handComputedCase() {
        // Two pixels, three bins. Pixel 0: logits (0, 0, 0), true bin 1, scale 0.5 → 0.5·ln 3.
        // Pixel 1: logits (ln 1, ln 2, ln 1) → p = (1/4, 1/2, 1/4), true bin 0, scale 2 → 2·ln 4.
        let logits = Tensor(shape: [1, 1, 2, 3], values: [0, 0, 0, 0, Float(log(2.0)), 0])
        let scales: [Float] = [2, 0.5, 1]
        let targets = RebalancedCrossEntropy.targets(bins: [1, 0], shape: [1, 1, 2, 3]) { scales[$0] }
        #expect(targets.scalars == [0, 0.5, 0, 2, 0, 0])
        let loss = RebalancedCrossEntropy.loss(logits: logits, targets: targets).item
        let expected = Float((0.5 * log(3.0) + 2 * log(4.0)) / 2)
        #expect(abs(loss - expected) < 1e-6)
    }

    @Test func gradientIsSoftmaxMinusTarget() {
        // For one pixel with target scale s on bin k: ∂L/∂z = s·(softmax(z) − onehot(k)).
        let logits = Tensor(shape: [1, 1, 1, 3], values: [0.2, -0.4, 1.0]).requiringGradient()
        let targets = RebalancedCrossEntropy.targets(bins: [2], shape: [1, 1, 1, 3]) { _ in 1.5 }
        let gradient = gradients(of: RebalancedCrossEntropy.loss(logits: logits, targets: targets), wrt: [logits])[0]
        let p = logits.detached().softmax().scalars
        let expected = [1.5 * p[0], 1.5 * p[1], 1.5 * (p[2] - 1)]
        for (g, e) in zip(gradient.scalars, expected) { #expect(abs(g - e) < 1e-6) }
    }
}
