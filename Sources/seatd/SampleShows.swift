import Foundation
import SeatInventory
import SeatProtocol
import SeatSamples
import SeatServer

/// The sample theatres and shows a first start loads, so a new user sees something real:
/// two cinema screens with a day of showings each, and a stadium event.
enum SampleShows {
    struct Summary {
        var layouts = 0
        var shows = 0
    }

    static func load(into service: SeatService) throws -> Summary {
        var summary = Summary()
        let venues: [(LayoutDocument, showings: Int, rules: CreateShowRequest)] = [
            (SampleVenues.cinema(), 6, rules(seatsPerHold: 10, lifetimeSeconds: 900, forbidsGaps: true)),
            (
                SampleVenues.cinema(id: "riverside-2", name: "Riverside Screen 2"), 4,
                rules(seatsPerHold: 10, lifetimeSeconds: 900, forbidsGaps: true)
            ),
            (SampleVenues.stadium(), 1, rules(seatsPerHold: 8, lifetimeSeconds: 600, forbidsGaps: false)),
        ]
        for (document, showings, rules) in venues {
            let json = Array(try JSONEncoder().encode(document))
            guard case .success(.layoutDefined(let layout, _)) = service.execute(.defineLayout(json: json)) else {
                throw SampleError(message: "sample layout \(document.id) was refused")
            }
            summary.layouts += 1
            for _ in 0..<showings {
                var request = rules
                request.layout = layout
                guard case .success(.showCreated) = service.execute(.createShow(request)) else {
                    throw SampleError(message: "sample show on \(document.id) was refused")
                }
                summary.shows += 1
            }
        }
        return summary
    }

    private static func rules(seatsPerHold: UInt16, lifetimeSeconds: UInt32, forbidsGaps: Bool) -> CreateShowRequest {
        CreateShowRequest(
            layout: 0, seatsPerHoldMax: seatsPerHold, holdLifetimeSeconds: lifetimeSeconds, forbidsSingleSeatGaps: forbidsGaps)
    }

    struct SampleError: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }
}
