import Foundation

/// The Fréchet distance between Gaussians fitted to two sets of feature vectors (the statistic
/// behind FID): d² = |μ₁ − μ₂|² + tr Σ₁ + tr Σ₂ − 2 tr (Σ₁Σ₂)^½.
///
/// With few samples (n ≪ d) the d×d covariances have rank < n, so the trace term is computed in
/// sample space: for centred X₁ [n₁×d], X₂ [n₂×d], the non-zero eigenvalues of Σ₁Σ₂ are the squared
/// singular values of A = X₁X₂ᵀ / √((n₁−1)(n₂−1)), so tr (Σ₁Σ₂)^½ = Σᵢ σᵢ(A).
/// Values from a few dozen photos are biased upwards; compare them only within one table.
public enum FrechetDistance {
    public enum Failure: Error, CustomStringConvertible {
        case tooFewSamples(Int)
        case dimensionMismatch(Int, Int)
        public var description: String {
            switch self {
            case let .tooFewSamples(n): "a Fréchet distance needs at least 2 feature vectors per set, got \(n)"
            case let .dimensionMismatch(a, b): "feature vectors of different lengths: \(a) and \(b)"
            }
        }
    }

    /// d² between the Gaussians of `first` and `second` (each a list of equally long vectors).
    public static func squared(_ first: [[Double]], _ second: [[Double]]) throws(Failure) -> Double {
        guard first.count >= 2 else { throw .tooFewSamples(first.count) }
        guard second.count >= 2 else { throw .tooFewSamples(second.count) }
        let d = first[0].count
        guard first.allSatisfy({ $0.count == d }), second.allSatisfy({ $0.count == d }) else {
            throw .dimensionMismatch(d, (first + second).first { $0.count != d }?.count ?? d)
        }
        let (x1, mean1) = centred(first), (x2, mean2) = centred(second)
        let meanTerm = zip(mean1, mean2).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
        let n1 = Double(first.count - 1), n2 = Double(second.count - 1)
        let trace1 = x1.reduce(0) { $0 + SingularValues.dot($1, $1) } / n1
        let trace2 = x2.reduce(0) { $0 + SingularValues.dot($1, $1) } / n2
        let scale = 1 / (n1 * n2).squareRoot()
        let a = x1.map { row in x2.map { SingularValues.dot(row, $0) * scale } }
        let rootTrace = SingularValues.jacobi(a).reduce(0, +)
        return max(0, meanTerm + trace1 + trace2 - 2 * rootTrace)
    }

    static func centred(_ rows: [[Double]]) -> (rows: [[Double]], mean: [Double]) {
        var mean = [Double](repeating: 0, count: rows[0].count)
        for row in rows { for j in row.indices { mean[j] += row[j] } }
        for j in mean.indices { mean[j] /= Double(rows.count) }
        return (rows.map { row in zip(row, mean).map { $0 - $1 } }, mean)
    }
}
