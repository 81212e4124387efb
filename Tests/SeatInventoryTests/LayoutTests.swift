import Foundation
import SeatInventory
import SeatSamples
import Testing

@Suite(.timeLimit(.minutes(1))) struct LayoutTests {
    @Test func cinemaHasRowsAislesAndFlags() throws {
        let layout = Fixtures.cinema
        #expect(layout.seatCount == 300)
        #expect(layout.rows.count == 12)
        #expect(layout.categories.map(\.id) == ["standard", "premium"])
        let a6 = try #require(layout.seat(labelled: "A6"))
        let a7 = try #require(layout.seat(labelled: "A7"))
        #expect(a7.value == a6.value + 1)
        #expect(layout.position(of: a7).x == layout.position(of: a6).x + 2, "an aisle separates A6 and A7")
        #expect(layout.isAccessible(layout.seat(labelled: "A1")!))
        #expect(layout.isCompanion(layout.seat(labelled: "A3")!))
        #expect(layout.isBlocked(layout.seat(labelled: "F13")!))
        #expect(layout.blockedSeats.count == 1)
        #expect(layout.label(of: SeatIndex(0)) == "A1")
        #expect(layout.category(of: layout.seat(labelled: "L25")!) == 1)
    }

    @Test func defaultRanksPreferTheCentreTwoThirdsBack() throws {
        let layout = Fixtures.cinema
        let best = (0..<layout.seatCount).map(SeatIndex.init).min { layout.rank(of: $0) < layout.rank(of: $1) }!
        #expect(layout.label(of: best) == "H13")
        #expect(layout.rank(of: layout.seat(labelled: "H13")!) < layout.rank(of: layout.seat(labelled: "H1")!))
        #expect(layout.rank(of: layout.seat(labelled: "H13")!) < layout.rank(of: layout.seat(labelled: "A13")!))
    }

    @Test func seatsAreIndexedLeftToRightWhateverTheExportOrder() throws {
        var document = SampleVenues.cinema()
        document.sections[0].rows[0].seats.reverse()
        let layout = try SeatLayout(document: document)
        #expect(layout.label(of: SeatIndex(0)) == "A1")
        #expect(layout.label(of: SeatIndex(24)) == "A25")
    }

    @Test func jsonRoundTripGivesTheSameLayout() throws {
        let document = SampleVenues.cinema()
        let decoded = try JSONDecoder().decode(LayoutDocument.self, from: JSONEncoder().encode(document))
        #expect(decoded == document)
        let json = #"""
            {"id":"tiny","name":"Tiny","categories":[{"id":"std","name":"Standard"}],
             "sections":[{"id":"main","name":"Main","rows":[{"label":"A","seats":[
               {"label":"A1","x":0,"category":"std","rank":2,"flags":["accessible"]},
               {"label":"A2","x":1,"category":"std"}]}]}]}
            """#
        let layout = try SeatLayout(document: JSONDecoder().decode(LayoutDocument.self, from: Data(json.utf8)))
        #expect(layout.seatCount == 2)
        #expect(layout.rank(of: SeatIndex(0)) == 2)
        #expect(layout.isAccessible(SeatIndex(0)))
    }

    @Test func anUnknownFlagIsADecodingErrorNamingTheSeat() {
        let json = #"""
            {"id":"tiny","name":"Tiny","categories":[{"id":"std","name":"Standard"}],
             "sections":[{"id":"main","name":"Main","rows":[{"label":"A","seats":[
               {"label":"A1","x":0,"category":"std","flags":["vip"]}]}]}]}
            """#
        #expect {
            _ = try JSONDecoder().decode(LayoutDocument.self, from: Data(json.utf8))
        } throws: { error in
            guard case DecodingError.dataCorrupted(let context) = error else { return false }
            return context.codingPath.map(\.stringValue).contains("flags")
        }
    }

    static let invalidDocuments: [(String, @Sendable (inout LayoutDocument) -> Void, String)] = [
        ("unknown category", { $0.sections[0].rows[2].seats[4].category = "vip" },
         #"sections[stalls].rows[C].seats[C5]: unknown category "vip""#),
        ("duplicate seat label", { $0.sections[0].rows[1].seats[0].label = "A1" },
         #"sections[stalls].rows[B].seats[A1]: "A1" is used twice"#),
        ("duplicate position", { $0.sections[0].rows[0].seats[1].x = 0 },
         "sections[stalls].rows[A].seats[A2]: two seats of the row stand at x = 0"),
        ("empty row", { $0.sections[0].rows[3].seats = [] }, "sections[stalls].rows[D].seats: must not be empty"),
        ("duplicate row", { $0.sections[0].rows[1].label = "A" }, #"sections[stalls].rows[A]: "A" is used twice"#),
        ("no categories", { $0.categories = [] }, "categories: must not be empty"),
        ("negative rank", { $0.sections[0].rows[0].seats[0].rank = -1 },
         "sections[stalls].rows[A].seats[A1]: rank -1 is not in 0...4294967295"),
        ("long label", { $0.sections[0].rows[0].seats[0].label = String(repeating: "x", count: 65) },
         "sections[stalls].rows[A].seats[\(String(repeating: "x", count: 65))]: is 65 bytes long; at most 64 are allowed"),
        ("empty id", { $0.id = "" }, "id: must not be empty"),
        ("position beyond 32 bits", { $0.sections[0].rows[0].seats[24].x = 1 << 40 },
         "sections[stalls].rows[A].seats[A25]: x = 1099511627776 is outside -2147483648...2147483647"),
        ("too many categories", { document in
            document.categories += (0..<63).map { LayoutDocument.Category(id: "tier\($0)", name: "Tier \($0)") }
        }, "categories: has 65 entries; at most 64 are allowed"),
    ]

    @Test(arguments: invalidDocuments.indices)
    func validationNamesTheBadElement(case index: Int) {
        let (name, corrupt, expected) = Self.invalidDocuments[index]
        var document = SampleVenues.cinema()
        corrupt(&document)
        #expect(throws: LayoutError.self, "\(name)") { try SeatLayout(document: document) }
        do {
            _ = try SeatLayout(document: document)
        } catch {
            #expect(error.description == expected, "\(name)")
        }
    }

    @Test func stadiumHasOneHundredThousandSeats() {
        #expect(Fixtures.stadium.seatCount == 100_000)
        #expect(Fixtures.stadium.sections.count == 4)
        #expect(Fixtures.stadium.seat(labelled: "W100-250") == SeatIndex(99_999))
    }

    @Test func typedLabelsIgnoreCaseAndNearMissesAreOffered() throws {
        let cinema = Fixtures.cinema
        #expect(cinema.seat(typed: "h13") == cinema.seat(labelled: "H13"))
        #expect(cinema.seat(typed: "H13") == cinema.seat(labelled: "H13"))
        #expect(cinema.seat(typed: "H31") == nil)
        // One edit from H31: first the labels of its length, then the shorter ones, H3 (which
        // begins as H31 does for longer) before H1.
        #expect(cinema.labels(near: "H31") == ["H11", "H21", "H3"])
        #expect(cinema.labels(near: "h31", limit: 4) == ["H11", "H21", "H3", "H1"])
        #expect(cinema.labels(near: "Zebra").isEmpty)
        #expect(Fixtures.stadium.labels(near: "w100-251").first == "W100-250")
    }

    /// Labels that differ only in case are each found exactly, and a third spelling of them is not guessed.
    @Test func aLabelAmbiguousInCaseIsNotGuessed() throws {
        let seats: [LayoutDocument.Seat] = [.init(label: "ab1", x: 0, category: "standard"), .init(label: "AB1", x: 1, category: "standard")]
        let document = LayoutDocument(
            id: "case", name: "Case", categories: [.init(id: "standard", name: "Standard")],
            sections: [.init(id: "s", name: "S", rows: [.init(label: "A", seats: seats)])])
        let layout = try SeatLayout(document: document)
        #expect(layout.seat(typed: "ab1") == SeatIndex(0) && layout.seat(typed: "AB1") == SeatIndex(1))
        #expect(layout.seat(typed: "Ab1") == nil)
    }
}
