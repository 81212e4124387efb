import Foundation

/// What is in demand lately, per region and overall: each interaction counts its weight halved
/// for every `halfLife` that has passed since it happened, so last week's hit outranks last
/// year's. O(interactions) to build; regions × items floats held.
public struct RecentPopularity: Sendable {
    public let halfLifeSeconds: Double
    let regionCount: Int
    let itemCount: Int
    /// Row r is region r; the last row is every region together.
    let demand: [Float]

    public init(interactions: [Interaction], itemCount: Int, regionCount: Int, now: Int64,
                halfLifeSeconds: Double = 7 * 86_400) {
        self.halfLifeSeconds = halfLifeSeconds
        self.regionCount = regionCount
        self.itemCount = itemCount
        var demand = [Float](repeating: 0, count: (regionCount + 1) * itemCount)
        for interaction in interactions where interaction.item >= 0 && Int(interaction.item) < itemCount {
            let age = Double(max(0, now - interaction.time))
            let decayed = interaction.weight * Float(exp2(-age / halfLifeSeconds))
            if interaction.region >= 0, Int(interaction.region) < regionCount {
                demand[Int(interaction.region) * itemCount + Int(interaction.item)] += decayed
            }
            demand[regionCount * itemCount + Int(interaction.item)] += decayed
        }
        self.demand = demand
    }

    /// The decayed demand for each movie in `region`, or everywhere when the region is nil or unknown.
    public func demand(in region: Int32?) -> ArraySlice<Float> {
        let row = region.flatMap { $0 >= 0 && Int($0) < regionCount ? Int($0) : nil } ?? regionCount
        return demand[row * itemCount..<(row + 1) * itemCount]
    }

    public var memoryBytes: Int { demand.count * MemoryLayout<Float>.stride }
}
