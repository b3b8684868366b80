import Testing

@testable import Colorization

@Suite struct CriticScheduleTests {
    @Test func confidenceOnHandComputedEstimates() {
        // First third (3 of 9) dropped; the rest: 1, 3, 1, 3, 1, 3 → μ = 2, var = 1, σ² = 1/6.
        let estimates: [Double] = [-50, 99, 7, 1, 3, 1, 3, 1, 3]
        let p = CriticSchedule.positiveConfidence(estimates)
        #expect(abs(p - (1 - (1.0 / 6) / (4 + 1.0 / 6))) < 1e-12)
    }

    @Test func clearlyPositiveLetsGeneratorStepAndLowersRatio() {
        var schedule = CriticSchedule()
        let decision = schedule.decide(estimates: Array(repeating: 0.0, count: 5) + Array(repeating: 2.0, count: 11))
        // The trimmed tail still holds zeros: [0, 2 × 11] → μ = 11/6, p high.
        #expect(decision.generatorSteps == 2)
        #expect(decision.nextRatio == 15)
        #expect(schedule.ratio == 15)
    }

    @Test func negativeEstimatesRaiseRatioAndHoldGenerator() {
        var schedule = CriticSchedule()
        let decision = schedule.decide(estimates: Array(repeating: -1.0, count: 16))
        #expect(decision.generatorSteps == 0)
        #expect(decision.nextRatio == 17)
    }

    @Test func noisyPositiveBetweenThresholds() {
        // Tail [1, −0.5, 2, −1, 1.5, 0] (after dropping 3): μ = 0.5, var = 7/6, σ² = 7/36, p = 1 − (7/36)/(1/4 + 7/36) = 0.5625.
        var schedule = CriticSchedule(ratio: 9)
        let decision = schedule.decide(estimates: [9, 9, 9, 1, -0.5, 2, -1, 1.5, 0])
        #expect(abs(decision.confidence - 0.5625) < 1e-12)
        #expect(decision.generatorSteps == 2)  // positive at 0.5
        #expect(decision.nextRatio == 10)  // but not at 0.7
    }

    @Test func ratioStaysWithinBounds() {
        var low = CriticSchedule(ratio: 5)
        #expect(low.decide(estimates: Array(repeating: 3.0, count: 9)).nextRatio == 5)
        var high = CriticSchedule(ratio: 32)
        #expect(high.decide(estimates: Array(repeating: -3.0, count: 9)).nextRatio == 32)
    }

    @Test func constantPositiveIsCertain() {
        #expect(CriticSchedule.positiveConfidence([1, 1, 1]) == 1)
        #expect(CriticSchedule.positiveConfidence([]) == 0)
    }
}
