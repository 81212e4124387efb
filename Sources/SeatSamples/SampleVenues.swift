import SeatInventory

/// Sample layouts of real shapes, for first start-up, demos, tests and benchmarks.
public enum SampleVenues {
    /// A 300-seat cinema screen: rows A–L of 25 seats in three blocks split by two aisles.
    ///
    /// Rows A–H are "standard", I–L "premium". Row A has wheelchair spaces A1 and A2 with a
    /// companion seat A3 beside them; F13 (centre) is a blocked house seat.
    public static func cinema(id: String = "riverside-1", name: String = "Riverside Screen 1") -> LayoutDocument {
        let blockWidths = [6, 13, 6]
        let rowLabels = "ABCDEFGHIJKL".map(String.init)
        let rows = rowLabels.enumerated().map { rowIndex, label in
            var seats: [LayoutDocument.Seat] = []
            var x = 0
            for width in blockWidths {
                for _ in 0..<width {
                    let number = seats.count + 1
                    let seatLabel = "\(label)\(number)"
                    var flags: [LayoutDocument.SeatFlag] = []
                    if label == "A" && number <= 2 { flags.append(.accessible) }
                    if label == "A" && number == 3 { flags.append(.companion) }
                    if seatLabel == "F13" { flags.append(.blocked) }
                    seats.append(
                        LayoutDocument.Seat(
                            label: seatLabel, x: x, category: rowIndex < 8 ? "standard" : "premium",
                            flags: flags.isEmpty ? nil : flags))
                    x += 1
                }
                x += 1  // the aisle
            }
            return LayoutDocument.Row(label: label, y: rowIndex, seats: seats)
        }
        return LayoutDocument(
            id: id, name: name,
            categories: [.init(id: "standard", name: "Standard"), .init(id: "premium", name: "Premium")],
            sections: [.init(id: "stalls", name: "Stalls", rows: rows)])
    }

    /// A 100,000-seat stadium: four stands of 100 rows by 250 seats, an aisle every 25 seats.
    ///
    /// Rows 1–40 of each stand are "lower", 41–100 "upper". Seat labels read stand, row and seat,
    /// e.g. "N12-34".
    public static func stadium() -> LayoutDocument {
        let stands = [("N", "North"), ("E", "East"), ("S", "South"), ("W", "West")]
        let sections = stands.map { stand, standName in
            let rows = (1...100).map { rowNumber in
                let seats = (1...250).map { seatNumber in
                    LayoutDocument.Seat(
                        label: "\(stand)\(rowNumber)-\(seatNumber)",
                        x: seatNumber - 1 + (seatNumber - 1) / 25,
                        category: rowNumber <= 40 ? "lower" : "upper")
                }
                return LayoutDocument.Row(label: "\(rowNumber)", y: rowNumber, seats: seats)
            }
            return LayoutDocument.Section(id: stand, name: "\(standName) Stand", rows: rows)
        }
        return LayoutDocument(
            id: "city-stadium", name: "City Stadium",
            categories: [.init(id: "lower", name: "Lower Tier"), .init(id: "upper", name: "Upper Tier")],
            sections: sections)
    }
}
