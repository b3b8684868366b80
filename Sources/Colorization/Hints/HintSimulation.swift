import Tensor

/// Simulated user clicks for training, as Zhang et al. 2017: a random number of points per crop
/// (none with probability `noneProbability`, so the automatic colorization stays trained;
/// otherwise 1 + a geometric count with p = 1/8, at most `maximumCount`), each at a uniformly drawn
/// pixel, its colour the mean true ab of a patch of side 1…9 around it.
public struct HintSimulation: Sendable {
    public var noneProbability: Float = 0.3
    public var geometricP: Float = 1.0 / 8
    public var maximumCount = 50

    public init() {}

    /// Points for a crop given as Lab/100 values [H, W, 3] row-major.
    public func points(lab: ArraySlice<Float>, width: Int, height: Int, using random: inout TensorRandom) -> [HintPoint]
    {
        guard random.nextUniform() >= noneProbability else { return [] }
        var count = 1
        while count < maximumCount && random.nextUniform() >= geometricP { count += 1 }
        return (0..<count).map { _ in Self.randomPoint(lab: lab, width: width, height: height, using: &random) }
    }

    /// A point at a uniformly drawn pixel, its colour the mean ab of a patch of side 1…9 around it.
    public static func randomPoint(
        lab: ArraySlice<Float>, width: Int, height: Int, using random: inout TensorRandom
    ) -> HintPoint {
        let x = Int(random.next() % UInt64(width)), y = Int(random.next() % UInt64(height))
        let side = 1 + Int(random.next() % 9)
        return point(lab: lab, width: width, height: height, x: x, y: y, side: side)
    }

    /// The point at (x, y) whose colour is the mean ab of its patch (clipped to the image).
    public static func point(lab: ArraySlice<Float>, width: Int, height: Int, x: Int, y: Int, side: Int) -> HintPoint {
        var point = HintPoint(x: x, y: y, side: side, a: 0, b: 0)
        let (x0, x1, y0, y1) = HintField.patch(point, width: width, height: height)
        let start = lab.startIndex
        for py in y0..<y1 {
            for px in x0..<x1 {
                point.a += lab[start + 3 * (py * width + px) + 1]
                point.b += lab[start + 3 * (py * width + px) + 2]
            }
        }
        let count = Float((x1 - x0) * (y1 - y0))
        point.a /= count
        point.b /= count
        return point
    }
}
