/// The seed's adaptive schedule for WGAN-GP training: how many critic steps per outer loop, and
/// whether the generator may step, decided from the critic's Wasserstein estimates.
///
/// Each outer loop trains the critic `ratio` times, recording w = D(real) − D(fake). The estimates
/// are "probably positive" at threshold t when, after dropping the first third, their mean μ and the
/// variance of that mean σ² = var/n give p = 1 − σ²/(μ² + σ²) > t and μ > 0. Positive at 0.5 → the
/// generator takes 2 steps; positive at 0.7 → the ratio falls by one, otherwise it rises by one.
public struct CriticSchedule: Sendable, Equatable, Codable {
    public private(set) var ratio: Int
    public let minimumRatio: Int
    public let maximumRatio: Int
    public let generatorSteps: Int

    public init(ratio: Int = 16, minimumRatio: Int = 5, maximumRatio: Int = 32, generatorSteps: Int = 2) {
        precondition(minimumRatio >= 1 && minimumRatio <= ratio && ratio <= maximumRatio, "bad critic ratio bounds")
        self.ratio = ratio
        self.minimumRatio = minimumRatio
        self.maximumRatio = maximumRatio
        self.generatorSteps = generatorSteps
    }

    /// What one outer loop's estimates decide.
    public struct Decision: Sendable, Equatable {
        /// Generator steps to take now (0 or `generatorSteps`).
        public let generatorSteps: Int
        /// The critic ratio for the next outer loop.
        public let nextRatio: Int
        /// p at the estimates (for the log).
        public let confidence: Double
    }

    /// Decides from one outer loop's estimates and updates `ratio`.
    public mutating func decide(estimates: [Double]) -> Decision {
        let confidence = CriticSchedule.positiveConfidence(estimates)
        let mean = CriticSchedule.trimmed(estimates).mean
        let positive = { (threshold: Double) in mean > 0 && confidence > threshold }
        ratio = positive(0.7) ? max(minimumRatio, ratio - 1) : min(maximumRatio, ratio + 1)
        return Decision(generatorSteps: positive(0.5) ? generatorSteps : 0, nextRatio: ratio, confidence: confidence)
    }

    /// Takes `decision` (another rank's, in a data-parallel run) as this schedule's own.
    public mutating func follow(_ decision: Decision) {
        ratio = min(maximumRatio, max(minimumRatio, decision.nextRatio))
    }

    /// p = 1 − σ²/(μ² + σ²) over the estimates after dropping the first third (0 when empty).
    public static func positiveConfidence(_ estimates: [Double]) -> Double {
        let (mean, varianceOfMean) = trimmed(estimates)
        let denominator = mean * mean + varianceOfMean
        return denominator > 0 ? 1 - varianceOfMean / denominator : 0
    }

    /// Mean and variance of the mean (population variance / n) of the last two-thirds.
    static func trimmed(_ estimates: [Double]) -> (mean: Double, varianceOfMean: Double) {
        let kept = estimates.dropFirst(estimates.count / 3)
        guard !kept.isEmpty else { return (0, 0) }
        let n = Double(kept.count)
        let mean = kept.reduce(0, +) / n
        let variance = kept.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / n
        return (mean, variance / n)
    }
}
