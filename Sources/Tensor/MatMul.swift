// Matrix product on OpenBLAS, batched over equal leading axes.

extension Tensor {
    /// op(a)·op(b) over the last two axes; leading (batch) axes must match exactly.
    ///
    /// For C = A·B:  ∂A = G·Bᵀ,  ∂B = Aᵀ·G; the transposed variants follow by swapping roles,
    /// each written as another `matmul`, so second derivatives come for free.
    public static func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false) -> Tensor {
        precondition(
            a.rank >= 2 && a.rank == b.rank && a.shape.dropLast(2) == b.shape.dropLast(2),
            "matmul of \(a.shape) and \(b.shape): ranks ≥ 2 with equal batch axes required")
        let batchShape = Array(a.shape.dropLast(2))
        let batch = Shape.count(batchShape)
        let (ar, ac) = (a.shape[a.rank - 2], a.shape[a.rank - 1])
        let (br, bc) = (b.shape[b.rank - 2], b.shape[b.rank - 1])
        let (m, k) = transposeA ? (ac, ar) : (ar, ac)
        let (k2, n) = transposeB ? (bc, br) : (br, bc)
        precondition(
            k == k2,
            "matmul inner dimensions differ: \(a.shape)\(transposeA ? "ᵀ" : "") · \(b.shape)\(transposeB ? "ᵀ" : "")")
        let out = TensorStorage(count: batch * m * n)
        for i in 0..<batch {
            BLAS.sgemm(
                transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                a: a.storage.pointer + i * ar * ac, lda: ac, b: b.storage.pointer + i * br * bc, ldb: bc,
                c: out.pointer + i * m * n, ldc: n)
        }
        return record(out, shape: batchShape + [m, n], inputs: [a, b]) { g, _, needed in
            var da: Tensor?, db: Tensor?
            switch (transposeA, transposeB) {
            case (false, false):
                if needed[0] { da = matmul(g, b, transposeB: true) }
                if needed[1] { db = matmul(a, g, transposeA: true) }
            case (false, true):
                if needed[0] { da = matmul(g, b) }
                if needed[1] { db = matmul(g, a, transposeA: true) }
            case (true, false):
                if needed[0] { da = matmul(b, g, transposeB: true) }
                if needed[1] { db = matmul(a, g) }
            case (true, true):
                if needed[0] { da = matmul(b, g, transposeA: true, transposeB: true) }
                if needed[1] { db = matmul(g, a, transposeA: true, transposeB: true) }
            }
            return [da, db]
        }
    }
}
