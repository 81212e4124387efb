import Foundation
import SeatClient
import SeatInventory
import SeatProtocol
import Testing

// The sample of docs/seatclient.md, verbatim between the markers: compiled and run here.
// sample: begin
/// Holds two seats by label for an order, confirms them, and returns the booking in its
/// textual form. Calling it again for the same order (after a crash, a lost answer) sells
/// nothing twice: the server answers each step's repeat with its first answer.
func bookTwoSeats(host: String, port: Int, apiKey: String, show: UInt32, order: UInt64) async throws -> String {
    let client = SeatClient(configuration: .init(host: host, port: port, apiKey: apiKey))
    do {
        // Labels become seat indices through the show's layout.
        let summary = try await client.shows().first { $0.show == show }
        guard let summary else { throw SampleError.noSuchShow(show) }
        let json = try await client.layout(summary.layout)
        let layout = try SeatLayout(document: JSONDecoder().decode(LayoutDocument.self, from: Data(json)))
        let seats = ["H11", "H12"].compactMap { layout.seat(typed: $0)?.rawValue }

        // An idempotency key per step of the order, the same on every attempt.
        let held = try await client.hold(
            seats, show: show, for: .seconds(600), idempotencyKey: WireIdempotencyKey(high: order, low: 1))
        let booking = try await client.confirm(held.hold, idempotencyKey: WireIdempotencyKey(high: order, low: 2))
        await client.close()
        return ReservationReference(rawValue: booking).map { "\($0)" } ?? "\(booking)"
    } catch {
        await client.close()
        throw error  // SeatClientError.refused names the seat: "H11 is sold"
    }
}

enum SampleError: Error { case noSuchShow(UInt32) }
// sample: end

@Suite(.timeLimit(.minutes(1))) struct ClientSampleTests {
    @Test func theDocumentedSampleBooksTwoSeats() async throws {
        try await withServer { server in
            let booking = try await bookTwoSeats(host: "127.0.0.1", port: server.port, apiKey: TestServer.agentKey, show: 0, order: 41)
            #expect(booking.hasPrefix("B-"))
            let again = try await bookTwoSeats(host: "127.0.0.1", port: server.port, apiKey: TestServer.agentKey, show: 0, order: 41)
            #expect(again == booking)
            #expect(try server.service.engine.availability(of: ShowID(rawValue: 0)).counts.sold == 2)
            do {
                _ = try await bookTwoSeats(host: "127.0.0.1", port: server.port, apiKey: TestServer.agentKey, show: 0, order: 42)
                Issue.record("sold H11 and H12 twice")
            } catch let error as SeatClientError {
                #expect(error.code == .seatUnavailable && error.description.contains("H11 is sold"))
            }
        }
    }

    /// The document shows exactly the code this file compiles.
    @Test func theDocumentQuotesThisFile() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let source = try String(contentsOf: URL(fileURLWithPath: #filePath), encoding: .utf8)
        let document = try String(contentsOf: root.appendingPathComponent("docs/seatclient.md"), encoding: .utf8)
        let sample = try #require(source.components(separatedBy: "// sample: begin\n").last?.components(separatedBy: "// sample: end").first)
        #expect(document.contains(sample), "docs/seatclient.md does not quote the sample as compiled")
    }
}
