import Recommender

/// EASE^R (Steck, "Embarrassingly Shallow Autoencoders for Sparse Data", WWW 2019): an item-item
/// weight matrix in closed form, B = I − P · diag(1 / diag(P)) with P = (XᵀX + λI)⁻¹, so a
/// person's scores are their row of X times B. The inverse is O(items³) in doubles, so this is
/// for catalogues of a few thousand movies: an evaluation baseline, not a served model.
public struct EASERanker: Ranker {
    public let name = "EASE"
    let itemCount: Int
    /// Row-major items × items, diagonal zero.
    let weights: [Float]

    public init(matrix: InteractionMatrix, regularisation: Double) {
        let n = matrix.itemCount
        itemCount = n
        var gram = [Double](repeating: 0, count: n * n)
        for user in 0..<matrix.userCount {
            let row = Array(matrix.items(of: user))
            for (first, firstWeight) in row {
                for (second, secondWeight) in row { gram[Int(first) * n + Int(second)] += Double(firstWeight * secondWeight) }
            }
        }
        for item in 0..<n { gram[item * n + item] += regularisation }
        Self.invertSymmetricPositiveDefinite(&gram, size: n)
        var weights = [Float](repeating: 0, count: n * n)
        for row in 0..<n {
            for column in 0..<n where row != column {
                weights[row * n + column] = Float(-gram[row * n + column] / gram[column * n + column])
            }
        }
        self.weights = weights
    }

    public func rank(user: Int32, history: [WeightedItem], excluded: Set<Int32>, count: Int) -> [Int32] {
        var scores = [Float](repeating: 0, count: itemCount)
        for entry in history {
            let row = Int(entry.item) * itemCount
            for column in 0..<itemCount { scores[column] += entry.weight * weights[row + column] }
        }
        return ranked(itemCount: itemCount, excluded: excluded, count: count) { scores[Int($0)] }
    }

    /// In-place Gauss–Jordan inversion without pivoting, which is stable for symmetric positive
    /// definite matrices (a Gram matrix plus λI is one). O(n³).
    public static func invertSymmetricPositiveDefinite(_ matrix: inout [Double], size n: Int) {
        matrix.withUnsafeMutableBufferPointer { a in
            for pivot in 0..<n {
                let pivotValue = a[pivot * n + pivot]
                let inverse = 1 / pivotValue
                a[pivot * n + pivot] = 1
                for column in 0..<n { a[pivot * n + column] *= inverse }
                for row in 0..<n where row != pivot {
                    let factor = a[row * n + pivot]
                    if factor == 0 { continue }
                    a[row * n + pivot] = 0
                    for column in 0..<n { a[row * n + column] -= factor * a[pivot * n + column] }
                }
            }
        }
    }
}
