import Foundation
import Testing

@testable import Colorization

/// The FID-style statistic against closed forms: 1-D Gaussians, commuting (diagonal) covariances
/// in more dimensions than samples, and a rotated pair whose 2×2 trace root has a formula.
@Suite struct FrechetDistanceTests {
    /// Unbiased sample mean and covariance of 2-D points, for the closed forms.
    static func moments(_ points: [[Double]]) -> (mean: [Double], covariance: [[Double]]) {
        let n = Double(points.count)
        let mean = [0, 1].map { j in points.reduce(0) { $0 + $1[j] } / n }
        let covariance = [0, 1].map { i in
            [0, 1].map { j in points.reduce(0) { $0 + ($1[i] - mean[i]) * ($1[j] - mean[j]) } / (n - 1) }
        }
        return (mean, covariance)
    }

    @Test func oneDimensionalGaussiansGiveTheMeanAndDeviationGaps() throws {
        let first: [[Double]] = [[1], [2], [4], [7]], second: [[Double]] = [[-3], [0], [5], [6], [9]]
        func meanAndDeviation(_ x: [[Double]]) -> (Double, Double) {
            let m = x.reduce(0) { $0 + $1[0] } / Double(x.count)
            return (m, (x.reduce(0) { $0 + ($1[0] - m) * ($1[0] - m) } / Double(x.count - 1)).squareRoot())
        }
        let (m1, s1) = meanAndDeviation(first), (m2, s2) = meanAndDeviation(second)
        let expected = (m1 - m2) * (m1 - m2) + (s1 - s2) * (s1 - s2)
        #expect(abs(try FrechetDistance.squared(first, second) - expected) < 1e-9 * expected)
    }

    @Test func diagonalCovariancesInMoreDimensionsThanSamples() throws {
        // {±a e₁, ±b e₂} has mean 0 and Σ = diag(2a², 2b²)/3 in 6 dimensions (rank 2 < n = 4 < d = 6).
        func cross(_ a: Double, _ b: Double, shift: Double) -> [[Double]] {
            [[a, 0], [-a, 0], [0, b], [0, -b]].map { $0 + [shift, 0, 0, shift] }
        }
        let (a, b, c, d, shift) = (1.5, 0.4, 0.7, 2.0, 0.25)
        let expected = 2 * shift * shift + 2.0 / 3 * ((a - c) * (a - c) + (b - d) * (b - d))
        let value = try FrechetDistance.squared(cross(a, b, shift: 0), cross(c, d, shift: shift))
        #expect(abs(value - expected) < 1e-9)
    }

    @Test func rotatedCovariancesMatchTheTwoByTwoTraceRoot() throws {
        let first: [[Double]] = [[0.3, 1.2], [-1.1, 0.4], [2.0, -0.7], [0.5, 0.9], [-0.6, -1.5]]
        let angle = 0.7
        let second = first.map { p in
            [cos(angle) * 2 * p[0] - sin(angle) * 0.5 * p[1] + 1, sin(angle) * 2 * p[0] + cos(angle) * 0.5 * p[1]]
        }
        let (m1, s1) = Self.moments(first), (m2, s2) = Self.moments(second)
        // For 2×2 PSD products, tr √(Σ₁Σ₂) = √(tr Σ₁Σ₂ + 2√(det Σ₁ det Σ₂)).
        let traceProduct = (0..<2).reduce(0.0) { t, i in t + (0..<2).reduce(0.0) { $0 + s1[i][$1] * s2[$1][i] } }
        let det = { (m: [[Double]]) in m[0][0] * m[1][1] - m[0][1] * m[1][0] }
        let root = (traceProduct + 2 * (det(s1) * det(s2)).squareRoot()).squareRoot()
        let meanGap = zip(m1, m2).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
        let expected = meanGap + s1[0][0] + s1[1][1] + s2[0][0] + s2[1][1] - 2 * root
        #expect(abs(try FrechetDistance.squared(first, second) - expected) < 1e-9 * max(1, expected))
    }

    @Test func aSetIsAtDistanceZeroFromItselfAndAShiftCountsFully() throws {
        var generator = SystemRandomNumberGenerator()
        let points = (0..<12).map { _ in (0..<40).map { _ in Double.random(in: -1...1, using: &generator) } }
        #expect(try FrechetDistance.squared(points, points) < 1e-9)
        let shifted = points.map { $0.map { $0 + 0.5 } }
        #expect(abs(try FrechetDistance.squared(points, shifted) - 40 * 0.25) < 1e-8)
    }

    @Test func tooFewSamplesAndMismatchedLengthsAreErrors() {
        #expect(throws: FrechetDistance.Failure.self) { try FrechetDistance.squared([[1, 2]], [[1, 2], [3, 4]]) }
        #expect(throws: FrechetDistance.Failure.self) {
            try FrechetDistance.squared([[1, 2], [3]], [[1, 2], [3, 4]])
        }
    }

    @Test func jacobiFindsKnownSingularValues() {
        // AᵀA = [[25, 20], [20, 25]]: eigenvalues 45 and 5.
        let values = SingularValues.jacobi([[3, 0], [4, 5]]).sorted()
        #expect(abs(values[0] - 5.0.squareRoot()) < 1e-12 && abs(values[1] - 45.0.squareRoot()) < 1e-12)
        // Rank 1: one singular value |u||v|, the others zero to rounding (not to its square root).
        let u = [1.0, -2, 0.5], v = [3.0, 1, -1, 2]
        let rankOne = SingularValues.jacobi(u.map { ui in v.map { ui * $0 } }).sorted()
        let norms = (u.reduce(0) { $0 + $1 * $1 } * v.reduce(0) { $0 + $1 * $1 }).squareRoot()
        #expect(abs(rankOne[3] - norms) < 1e-12 && rankOne[0..<3].allSatisfy { $0 < 1e-12 })
        // A random rectangular matrix keeps its Frobenius norm.
        var generator = SystemRandomNumberGenerator()
        let m = (0..<5).map { _ in (0..<7).map { _ in Double.random(in: -1...1, using: &generator) } }
        let frobenius = m.joined().reduce(0) { $0 + $1 * $1 }
        #expect(abs(SingularValues.jacobi(m).reduce(0) { $0 + $1 * $1 } - frobenius) < 1e-10)
    }
}
