import Foundation

/// Singular values of a small dense matrix by one-sided (Hestenes) Jacobi: rotate pairs of columns
/// until all are mutually orthogonal; the column norms are then the singular values. Unlike square
/// roots of AᵀA's eigenvalues, this keeps tiny singular values accurate to ε‖A‖ (rank-deficient
/// matrices, as in `FrechetDistance`, have many). O(m n²) per sweep.
enum SingularValues {
    static func jacobi(_ matrix: [[Double]], sweeps: Int = 60) -> [Double] {
        guard let width = matrix.first?.count, width > 0 else { return [] }
        // Columns as contiguous arrays.
        var columns = (0..<width).map { j in matrix.map { $0[j] } }
        for _ in 0..<sweeps {
            var rotated = false
            for p in 0..<width {
                for q in (p + 1)..<max(p + 1, width) {
                    let alpha = dot(columns[p], columns[p]), beta = dot(columns[q], columns[q])
                    let gamma = dot(columns[p], columns[q])
                    guard abs(gamma) > 1e-15 * (alpha * beta).squareRoot(), gamma != 0 else { continue }
                    rotated = true
                    // The angle that makes the two columns orthogonal: t = tan θ, the smaller root of
                    // t² + 2ζt − 1 = 0 with ζ = (β − α) / 2γ.
                    let zeta = (beta - alpha) / (2 * gamma)
                    let t = (zeta >= 0 ? 1 : -1) / (abs(zeta) + (1 + zeta * zeta).squareRoot())
                    let c = 1 / (1 + t * t).squareRoot(), s = c * t
                    for i in columns[p].indices {
                        let (up, uq) = (columns[p][i], columns[q][i])
                        columns[p][i] = c * up - s * uq
                        columns[q][i] = s * up + c * uq
                    }
                }
            }
            if !rotated { break }
        }
        return columns.map { dot($0, $0).squareRoot() }
    }

    /// u · v of two equally long vectors.
    static func dot(_ u: [Double], _ v: [Double]) -> Double {
        var sum = 0.0
        for i in u.indices { sum += u[i] * v[i] }
        return sum
    }
}
