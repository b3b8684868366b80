import Threading

/// Iteration over the rows of up to three strided views that share one logical shape.
///
/// Adjacent axes that are contiguous in every view are merged first, so the common cases
/// (same shape, bias over channels, reductions over leading axes) become one or two long loops
/// whose innermost body the compiler vectorises.
struct StridedLoop {
    /// Merged shape; the last axis is the inner loop.
    let dims: [Int]
    /// Per view, its stride along each merged axis (0 = broadcast / reduced).
    let strides: [[Int]]

    init(shape: [Int], strides viewStrides: [[Int]]) {
        var dims: [Int] = []
        var merged: [[Int]] = Array(repeating: [], count: viewStrides.count)
        for axis in 0..<shape.count where shape[axis] != 1 {
            if let last = dims.last,
                viewStrides.indices.allSatisfy({ merged[$0].last! == viewStrides[$0][axis] * shape[axis] })
            {
                dims[dims.count - 1] = last * shape[axis]
                for v in viewStrides.indices { merged[v][merged[v].count - 1] = viewStrides[v][axis] }
            } else {
                dims.append(shape[axis])
                for v in viewStrides.indices { merged[v].append(viewStrides[v][axis]) }
            }
        }
        if dims.isEmpty {
            dims = [1]
            merged = merged.map { _ in [0] }
        }
        self.dims = dims
        self.strides = merged
    }

    var innerCount: Int { dims[dims.count - 1] }
    func innerStride(_ view: Int) -> Int { strides[view][dims.count - 1] }

    /// The number of inner rows.
    var rowCount: Int { dims.dropLast().reduce(1, *) }

    /// `forEachRow` with the rows split across threads when the loop is large. `body` must write
    /// only elements of its own row.
    @inline(__always)
    func forEachRowInParallel(_ body: (Int, Int, Int) -> Void) {
        Parallel.forEachRange(rowCount, cost: innerCount) { rows in forEachRow(rows, body) }
    }

    /// Calls `body(offset0, offset1, offset2)` with each view's start offset of every inner row
    /// (of the rows in `rows`, default all).
    @inline(__always)
    func forEachRow(_ rows: Range<Int>? = nil, _ body: (Int, Int, Int) -> Void) {
        let outerRank = dims.count - 1
        let s0 = strides[0], s1 = strides.count > 1 ? strides[1] : Array(repeating: 0, count: dims.count)
        let s2 = strides.count > 2 ? strides[2] : Array(repeating: 0, count: dims.count)
        if outerRank == 0 { body(0, 0, 0); return }
        let rows = rows ?? 0..<rowCount
        // The multi-index and offsets of the first row.
        var index = [Int](repeating: 0, count: outerRank)
        var o0 = 0, o1 = 0, o2 = 0
        var remaining = rows.lowerBound
        for axis in stride(from: outerRank - 1, through: 0, by: -1) {
            index[axis] = remaining % dims[axis]
            remaining /= dims[axis]
            o0 += index[axis] * s0[axis]; o1 += index[axis] * s1[axis]; o2 += index[axis] * s2[axis]
        }
        for _ in rows {
            body(o0, o1, o2)
            var axis = outerRank - 1
            while axis >= 0 {
                index[axis] += 1
                o0 += s0[axis]; o1 += s1[axis]; o2 += s2[axis]
                if index[axis] < dims[axis] { break }
                o0 -= s0[axis] * dims[axis]; o1 -= s1[axis] * dims[axis]; o2 -= s2[axis] * dims[axis]
                index[axis] = 0
                axis -= 1
            }
        }
    }
}
