/// Who wanted what, as two compressed sparse rows: each user's items and each item's users, with
/// the strongest weight of their interactions (a booking after a page view counts as a booking;
/// ten page views are still curiosity). Built in O(n log n) for n interactions.
public struct InteractionMatrix: Sendable {
    public let userCount: Int
    public let itemCount: Int
    @usableFromInline let userStart: [Int]
    @usableFromInline let userItem: [Int32]
    @usableFromInline let userWeight: [Float]
    @usableFromInline let itemStart: [Int]
    @usableFromInline let itemUser: [Int32]
    @usableFromInline let itemWeight: [Float]

    /// Interactions naming a user or item outside the counts are ignored.
    public init(userCount: Int, itemCount: Int, interactions: [Interaction]) {
        self.userCount = userCount
        self.itemCount = itemCount
        let valid = interactions.filter {
            $0.user >= 0 && Int($0.user) < userCount && $0.item >= 0 && Int($0.item) < itemCount && $0.weight > 0
        }.sorted { ($0.user, $0.item) < ($1.user, $1.item) }
        var userStart = [Int](repeating: 0, count: userCount + 1)
        var userItem: [Int32] = [], userWeight: [Float] = []
        userItem.reserveCapacity(valid.count)
        userWeight.reserveCapacity(valid.count)
        for interaction in valid {
            if let last = userItem.last, userStart[Int(interaction.user) + 1] > 0, last == interaction.item {
                userWeight[userWeight.count - 1] = max(userWeight[userWeight.count - 1], interaction.weight)
                continue
            }
            userItem.append(interaction.item)
            userWeight.append(interaction.weight)
            userStart[Int(interaction.user) + 1] += 1
        }
        for user in 0..<userCount { userStart[user + 1] += userStart[user] }

        var itemStart = [Int](repeating: 0, count: itemCount + 1)
        for item in userItem { itemStart[Int(item) + 1] += 1 }
        for item in 0..<itemCount { itemStart[item + 1] += itemStart[item] }
        var cursor = itemStart
        var itemUser = [Int32](repeating: 0, count: userItem.count)
        var itemWeight = [Float](repeating: 0, count: userItem.count)
        for user in 0..<userCount {
            for entry in userStart[user]..<userStart[user + 1] {
                let item = Int(userItem[entry])
                itemUser[cursor[item]] = Int32(user)
                itemWeight[cursor[item]] = userWeight[entry]
                cursor[item] += 1
            }
        }
        self.userStart = userStart
        self.userItem = userItem
        self.userWeight = userWeight
        self.itemStart = itemStart
        self.itemUser = itemUser
        self.itemWeight = itemWeight
    }

    /// Distinct (user, item) pairs.
    public var pairCount: Int { userItem.count }

    /// The items `user` wanted, in item order, with their weights.
    @inlinable public func items(of user: Int) -> Zip2Sequence<ArraySlice<Int32>, ArraySlice<Float>> {
        let range = userStart[user]..<userStart[user + 1]
        return zip(userItem[range], userWeight[range])
    }

    @inlinable public func itemCount(of user: Int) -> Int { userStart[user + 1] - userStart[user] }

    /// The users who wanted `item`, in user order, with their weights.
    @inlinable public func users(of item: Int) -> Zip2Sequence<ArraySlice<Int32>, ArraySlice<Float>> {
        let range = itemStart[item]..<itemStart[item + 1]
        return zip(itemUser[range], itemWeight[range])
    }

    @inlinable public func userCount(of item: Int) -> Int { itemStart[item + 1] - itemStart[item] }

    /// Bytes held by the arrays.
    public var memoryBytes: Int {
        (userStart.count + itemStart.count) * MemoryLayout<Int>.stride
            + (userItem.count + itemUser.count) * (MemoryLayout<Int32>.stride + MemoryLayout<Float>.stride)
    }
}
