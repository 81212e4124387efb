import AsyncHTTPClient
import Foundation
import HummingbirdTesting
import NIOCore
import Payments
import Testing

@Suite("The live seat map's event stream on a real socket", .timeLimit(.minutes(2)))
struct LiveSeatsStreamTests {
    struct Event: Equatable {
        var name: String
        var id: String?
        var data: String
    }

    /// Opens the stream and reads its first `count` events (keep-alive comments skipped), then
    /// drops the connection. Bounded to 10 s.
    static func events(
        port: Int, showtimeID: String, lastEventID: String? = nil, count: Int
    ) async throws -> (status: Int, events: [Event]) {
        try await events(port: port, path: "/showtimes/\(showtimeID)/live",
                         headers: lastEventID.map { ["Last-Event-ID": $0] } ?? [:], count: count)
    }

    /// Opens any event stream of the site and reads its first `count` events (or all, if it ends
    /// sooner), through `client` (the shared one opens 8 connections to a host at once).
    static func events(
        port: Int, path: String, headers: [String: String], count: Int, client: HTTPClient = .shared,
        timeout: TimeAmount = .seconds(10)
    ) async throws -> (status: Int, events: [Event]) {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let response = try await client.execute(request, timeout: timeout)
        guard response.status == .ok else { return (Int(response.status.code), []) }
        #expect(response.headers.first(name: "Content-Type") == "text/event-stream")
        var text = "", events: [Event] = []
        for try await chunk in response.body {
            text += String(buffer: chunk)
            while let end = text.range(of: "\n\n") {
                let block = text[..<end.lowerBound]
                text = String(text[end.upperBound...])
                var event = Event(name: "message", data: "")
                for line in block.split(separator: "\n") where !line.hasPrefix(":") {
                    let (field, value) = (line.prefix { $0 != ":" }, line.drop { $0 != ":" }.dropFirst().drop { $0 == " " })
                    switch field {
                    case "event": event.name = String(value)
                    case "id": event.id = String(value)
                    case "data": event.data = String(value)
                    default: break
                    }
                }
                if !block.hasPrefix(":") { events.append(event) }
            }
            if events.count >= count { break }
        }
        return (200, events)
    }

    @Test func aReconnectingPageIsSentOnlyWhatChangedSinceItsLastEvent() async throws {
        try await Harness.withAppAndSeatd(.sqlite, mode: .live) { client, components, _ in
            let port = try #require(client.port)
            let steps = BookingSteps(client: client, components: components)
            let showtime = try await steps.showtime()

            // A new page gets every seat, tagged with the seats' version.
            let (status, first) = try await Self.events(port: port, showtimeID: showtime.id, count: 1)
            #expect(status == 200)
            let all = try #require(first.first)
            #expect(all.name == "seats" && all.data.hasPrefix(#"{"availability":"fff"#))
            let seen = try #require(all.id)

            // Two seats are held while the page is away; back with its last id, it is sent just those two.
            let (token, _) = try await steps.customer("live@example.com")
            _ = try await steps.held(showtime, seats: ["A1", "A2"], token: token)
            let (map, _) = try await SeatMapTests.seatMap(client, showtime.id) { $0.counts["held"] == 2 }
            let index = { (label: String) in map.sections.flatMap(\.rows).flatMap(\.seats).first { $0.label == label }?.index ?? -1 }
            let (_, resumed) = try await Self.events(port: port, showtimeID: showtime.id, lastEventID: seen, count: 1)
            let change = try #require(resumed.first)
            #expect(change == Event(name: "change", id: change.id, data: #"{"seats":[[\#(index("A1")),"h"],[\#(index("A2")),"h"]]}"#))
            #expect(change.id != seen)

            // An id this instance never sent (or no longer has) gets every seat again.
            let (_, unknown) = try await Self.events(port: port, showtimeID: showtime.id, lastEventID: "1-1-1", count: 1)
            #expect(unknown.first?.name == "seats" && unknown.first?.data == #"{"availability":"\#(map.availability)"}"#)

            // A page already up to date is sent nothing until something changes (only keep-alives).
            let upToDate = try #require(change.id)
            let quiet = Task { try await Self.events(port: port, showtimeID: showtime.id, lastEventID: upToDate, count: 1) }
            try await Task.sleep(for: .milliseconds(300))
            _ = try await steps.held(showtime, seats: ["C1"], token: token)
            let next = try await quiet.value.events.first
            #expect(next?.name == "change" && next?.data == #"{"seats":[[\#(index("C1")),"h"]]}"#)
        }
    }

    @Test func twoHundredOpenPagesOfOneShowEachGetTheChangeOnce() async throws {
        let pages = 200
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = pages
        // Each page its own connection (the shared client opens 8 to a host at once).
        let browsers = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        do {
            try await Harness.withAppAndSeatd(.sqlite, mode: .live) { client, components, _ in
                let port = try #require(client.port)
                let steps = BookingSteps(client: client, components: components)
                let showtime = try await steps.showtime()
                let (token, _) = try await steps.customer("crowd@example.com")
                // Two hundred connections at once take a while when the whole test run shares two cores.
                let streams = (0..<pages).map { _ in
                    Task {
                        try await Self.events(port: port, path: "/showtimes/\(showtime.id)/live", headers: [:], count: 2, client: browsers,
                                              timeout: .seconds(90))
                    }
                }
                // Every page listens before the seat is held.
                let deadline = ContinuousClock.now + .seconds(60)
                while await components.catalog.liveSeatMapsOpen() < pages, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(50))
                }
                #expect(await components.catalog.liveSeatMapsOpen() == pages)
                try await Task.sleep(for: .milliseconds(200))
                _ = try await steps.held(showtime, seats: ["C1"], token: token)
                var changes: [String] = []
                for stream in streams { changes.append(try await stream.value.events.last?.data ?? "") }
                #expect(Set(changes).count == 1 && changes.first?.contains(#""h"]"#) == true, "\(Set(changes))")
            }
        } catch {
            try? await browsers.shutdown()
            throw error
        }
        try await browsers.shutdown()
    }

    @Test func aShowtimeThatIsNotThereIsNotStreamed() async throws {
        try await Harness.withAppAndSeatd(.sqlite, mode: .live) { client, _, _ in
            let port = try #require(client.port)
            #expect(try await Self.events(port: port, showtimeID: "0123456789abcdef0123456789abcdef", count: 1).status == 404)
            #expect(try await Self.events(port: port, showtimeID: "not-an-id", count: 1).status == 404)
        }
    }
}

@Suite("An order page following its order live", .timeLimit(.minutes(2)))
struct OrderEventsTests {
    @Test func theOwnersPageHearsItsPaymentGoThroughAndNobodyElseHearsAnything() async throws {
        try await Harness.withAppAndSeatd(.sqlite, mode: .live) { client, components, _ in
            let port = try #require(client.port)
            let steps = BookingSteps(client: client, components: components)
            let showtime = try await steps.showtime()
            let (token, _) = try await steps.customer("asha@example.com")
            let held = try await steps.held(showtime, seats: ["C1"], token: token)
            let paying: BookingSteps.Order = try await steps.pay(held, card: SandboxCard.requiresAuthentication.rawValue, token: token).json()
            let action = try #require(paying.payment?.nextActionUrl)
            #expect(paying.state == "paying")

            // The bank approves while the page listens: it hears it is waiting, then "confirmed", and the stream ends.
            let cookie = ["Cookie": "bo_access=\(token)"]
            let listening = Task {
                try await LiveSeatsStreamTests.events(port: port, path: "/orders/\(held.id)/events", headers: cookie, count: 5)
            }
            try await Task.sleep(for: .milliseconds(300))
            #expect(try await client.request(.post, action, json: #"{"approved":true}"#).status == .ok)
            let (status, events) = try await listening.value
            #expect(status == 200)
            #expect(events.map(\.data) == [#"{"key":"waiting"}"#, #"{"key":"confirmed"}"#])
            #expect(events.allSatisfy { $0.name == "order" })
            #expect(components.booking.changes.listening == 0)

            // Another customer's page is not told the order exists.
            let (other, _) = try await steps.customer("ravi@example.com")
            let refused = try await LiveSeatsStreamTests.events(port: port, path: "/orders/\(held.id)/events",
                                                                headers: ["Cookie": "bo_access=\(other)"], count: 1)
            #expect(refused.status == 404)
        }
    }
}
