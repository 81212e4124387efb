import ArgumentParser
import Foundation
import SeatClient
import SeatInventory
import SeatProtocol

struct Shows: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List shows: each one's screen (its layout's name), seats, free seats and state.",
        discussion: "Films and start times belong to the box office's catalog, not to seatd.")
    @OptionGroup var server: ServerOptions

    func run() async throws {
        try await withConnection(server) { connection in
            let shows = try await connection.shows()
            var screens: [UInt32: String] = [:]
            for layout in Set(shows.map(\.layout)) {
                let json = try await connection.layout(layout)
                screens[layout] = (try? JSONDecoder().decode(LayoutName.self, from: Data(json)).name) ?? "layout \(layout)"
            }
            print("show".padding(6) + "screen".padding(22) + "seats".padding(8) + "free".padding(8) + "state")
            for show in shows {
                let free = show.isCancelled ? "" : "\(try await connection.availability(show: show.show).counts.free)"
                print(
                    "\(show.show)".padding(6) + (screens[show.layout] ?? "").padding(22) + "\(show.seatCount)".padding(8)
                        + free.padding(8) + (show.isCancelled ? "cancelled" : "on sale"))
            }
        }
    }

    /// A layout document's name alone, without decoding its seats.
    private struct LayoutName: Decodable { let name: String }
}

struct Availability: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Counts by category and the seat map.")
    @OptionGroup var server: ServerOptions
    @Option(help: "Show id.") var show: UInt32

    func run() async throws {
        try await withConnection(server) { connection in
            let layout = try await layout(ofShow: show, on: connection)
            let availability = try await connection.availability(show: show)
            print(SeatMapDrawing(layout: layout, availability: availability).text)
        }
    }
}

struct Hold: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Hold seats by label, e.g. H11 H12.")
    @OptionGroup var server: ServerOptions
    @Option(help: "Show id.") var show: UInt32
    @Option(help: "Seconds the hold lasts.") var seconds = 600
    @Argument(help: "Seat labels.") var seats: [String]

    func run() async throws {
        try await withConnection(server) { connection in
            let layout = try await layout(ofShow: show, on: connection)
            let held = try await connection.hold(try seatIndices(seats, in: layout), show: show, for: .seconds(seconds))
            print(describe(held, in: layout))
        }
    }
}

struct HoldBest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "hold-best", abstract: "Hold the best seats together.")
    @OptionGroup var server: ServerOptions
    @Option(help: "Show id.") var show: UInt32
    @Option(help: "How many seats.") var count: UInt16
    @Option(help: "Only seats of this category, by its id such as premium (`seatctl availability` lists a show's).")
    var category: String?
    @Option(help: "Only seats of this section, by its id such as stalls.") var section: String?
    @Flag(help: "Wheelchair spaces.") var accessible = false
    @Option(help: "Seconds the hold lasts.") var seconds: UInt32 = 600

    func run() async throws {
        try await withConnection(server) { connection in
            let layout = try await layout(ofShow: show, on: connection)
            let held = try await connection.holdBestAvailable(
                BestAvailableHoldRequest(
                    show: show, holdMilliseconds: seconds * 1000, count: count, accessible: accessible,
                    category: category, section: section))
            print(describe(held, in: layout))
        }
    }
}

struct Confirm: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Confirm a hold: its seats are sold.")
    @OptionGroup var server: ServerOptions
    @Argument(help: "Hold id, as `hold` printed it (H-…).", transform: ReservationReference.init(parsing:))
    var hold: ReservationReference

    func run() async throws {
        let hold = try hold.asHold(or: "`seatctl cancel` cancels bookings")
        let booking = try await withConnection(server) { try await $0.confirm(hold.rawValue) }
        print("booking \(reference(booking))")
    }
}

struct Release: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Release a hold early.")
    @OptionGroup var server: ServerOptions
    @Argument(help: "Hold id (H-…).", transform: ReservationReference.init(parsing:)) var hold: ReservationReference

    func run() async throws {
        let hold = try hold.asHold(or: "`seatctl cancel` cancels bookings")
        try await withConnection(server) { try await $0.release(hold.rawValue) }
        print("released")
    }
}

struct CancelBooking: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cancel", abstract: "Cancel a booking.")
    @OptionGroup var server: ServerOptions
    @Argument(help: "Booking id, as `confirm` printed it (B-…).", transform: ReservationReference.init(parsing:))
    var booking: ReservationReference

    func run() async throws {
        guard case .booking(let booking) = booking else {
            throw SeatctlError("\(booking) is a hold, not a booking; `seatctl release` releases holds")
        }
        try await withConnection(server) { try await $0.cancelBooking(booking.rawValue) }
        print("cancelled")
    }
}

struct Reservation: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "What a hold or booking id names: its show, seats and state.")
    @OptionGroup var server: ServerOptions
    @Argument(help: "Hold or booking id (H-… or B-…).", transform: ReservationReference.init(parsing:))
    var id: ReservationReference

    func run() async throws {
        try await withConnection(server) { connection in
            let reservation = try await connection.reservation(id.rawValue)
            let layout = try await layout(ofShow: reservation.show, on: connection)
            let state =
                switch reservation.status {
                case .held: "held until \(Date(unixMilliseconds: reservation.deadlineMilliseconds))"
                case .booked: "sold"
                }
            print("\(id) on show \(reservation.show): \(labels(reservation.seats, in: layout)), \(state)")
        }
    }
}

extension ReservationReference {
    /// The hold this id names, or a refusal that says it is a booking and what takes bookings.
    func asHold(or bookingsGoTo: String) throws -> HoldID {
        guard case .hold(let hold) = self else { throw SeatctlError("\(self) is a booking, not a hold; \(bookingsGoTo)") }
        return hold
    }
}

struct ImportLayout: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "import-layout", abstract: "Define a layout from a JSON file.")
    @OptionGroup var server: ServerOptions
    @Argument(help: "Layout document (JSON).") var file: String

    func run() async throws {
        let json = try [UInt8](Data(contentsOf: URL(fileURLWithPath: file)))
        let (layout, seats) = try await withConnection(server) { try await $0.defineLayout(json: json) }
        print("layout \(layout): \(seats) seats")
    }
}

struct CreateShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "create-show", abstract: "Create a show on a layout.")
    @OptionGroup var server: ServerOptions
    @Option(help: "Layout id.") var layout: UInt32
    @Option(help: "Most seats in one hold.") var seatsPerHold: UInt16 = 10
    @Option(help: "Longest hold, extensions included, in seconds.") var holdLifetime: UInt32 = 900
    @Flag(help: "Allow holds that strand a single seat.") var allowSingleSeatGaps = false

    func run() async throws {
        let show = try await withConnection(server) { connection in
            try await connection.createShow(
                CreateShowRequest(
                    layout: layout, seatsPerHoldMax: seatsPerHold, holdLifetimeSeconds: holdLifetime,
                    forbidsSingleSeatGaps: !allowSingleSeatGaps))
        }
        print("show \(show)")
    }
}

struct CancelShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cancel-show", abstract: "Stop all sales of a show.")
    @OptionGroup var server: ServerOptions
    @Argument(help: "Show id.") var show: UInt32

    func run() async throws {
        try await withConnection(server) { try await $0.cancelShow(show) }
        print("show \(show) cancelled")
    }
}

struct Snapshot: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Have the server snapshot its state now (admin); prints the snapshot's figures.")
    @OptionGroup var server: ServerOptions

    func run() async throws {
        let reply = try await withConnection(server) { try await $0.snapshot() }
        func milliseconds(_ microseconds: UInt64) -> String { String(format: "%.1f ms", Double(microseconds) / 1000) }
        print("snapshots/\(reply.file) in seatd's data directory")
        let range =
            reply.endLSN > reply.startLSN
            ? "journal records 1 to \(reply.startLSN), and some of \(reply.startLSN + 1) to \(reply.endLSN) made while it was taken"
            : "journal records 1 to \(reply.startLSN)"
        print("  holds \(range)")
        print("  \(reply.bytes) bytes, \(reply.compressedBytes) compressed; \(reply.deletedSegments) journal segments deleted")
        print(
            "  capture \(milliseconds(reply.captureMicroseconds)), encode \(milliseconds(reply.encodeMicroseconds)), "
                + "compress \(milliseconds(reply.compressMicroseconds)), store \(milliseconds(reply.storeMicroseconds))")
    }
}

struct Watch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print a show's seat events as they happen.")
    @OptionGroup var server: ServerOptions
    @Option(help: "Show id.") var show: UInt32
    @Option(help: "Stop after this many events (0: until interrupted).") var count = 0

    func run() async throws {
        try await withConnection(server) { connection in
            let layout = try await layout(ofShow: show, on: connection)
            var expected = try await connection.subscribe(show: show)
            print("watching show \(show) from event \(expected)")
            var seen = 0
            for await event in connection.events {
                if event.sequence != expected { print("-- missed events \(expected)..<\(event.sequence); re-read availability") }
                expected = event.sequence + 1
                print("#\(event.sequence) \(event.kind) \(labels(event.seats, in: layout)) (\(reference(event.hold)))")
                seen += 1
                if count > 0, seen >= count { return }
            }
            // The stream ends only when the connection does: seatd stopped, restarted or dropped us.
            throw ServerWentAway(events: seen)
        }
    }
}

struct Stats: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "The server's counters.")
    @OptionGroup var server: ServerOptions

    func run() async throws {
        try await withConnection(server) { connection in
            for statistic in try await connection.stats() { print(statistic.name.padding(24) + "\(statistic.value)") }
        }
    }
}

extension String {
    func padding(_ width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }
}

extension Date {
    init(unixMilliseconds: UInt64) {
        self.init(timeIntervalSince1970: Double(unixMilliseconds) / 1000)
    }
}

/// `watch` lost its connection: said, and the command exits non-zero, so a script notices.
struct ServerWentAway: Error, CustomStringConvertible {
    let events: Int
    var description: String { "seatd closed the connection after \(events) events (stopped, restarted or unreachable)" }
}
