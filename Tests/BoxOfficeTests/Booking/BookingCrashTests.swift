import AsyncHTTPClient
import BoxOfficeStorage
import Foundation
import NIOCore
import NIOHTTP1
import Payments
import SeatClient
import SeatProtocol
import SeatSamples
import SeatTestSupport
import SQLKit
import Synchronization
import Testing

/// `boxoffice` as a real process, killed with SIGKILL while customers book through it, then
/// audited: the saga's promise is that whatever the crash interrupted, every order ends whole.
@Suite("Crash safety: boxoffice killed with SIGKILL amid booking flows", .timeLimit(.minutes(10)))
struct BookingCrashTests {
    /// Started as deployed: bookings with seatd's agent key (`keyFile`), the catalog with its
    /// admin key (the same path with `-admin`); on PostgreSQL when `databaseURL` is given.
    static func startBoxOffice(dataDirectory: String, seatdPort: Int, keyFile: String, databaseURL: String?) async throws -> BoxOfficeProcess {
        try await BoxOfficeProcess.start(dataDirectory: dataDirectory, arguments: [
            "--seatd", "127.0.0.1:\(seatdPort)", "--seatd-key-file", keyFile, "--seatd-admin-key-file", keyFile + "-admin",
            "--hold-seconds", "10", "--payment-window-seconds", "10",
        ] + (databaseURL.map { ["--database-url", $0] } ?? []))
    }

    /// A JSON request; its status and body, or nil when nothing answered (the process is dead).
    static func call(_ method: HTTPMethod, _ url: String, token: String? = nil, json: String? = nil) async -> (Int, String)? {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: json))
        }
        guard let response = try? await HTTPClient.shared.execute(request, timeout: .seconds(20)),
              let body = try? await response.body.collect(upTo: 1 << 20)
        else { return nil }
        return (Int(response.status.code), String(buffer: body))
    }

    static func field(_ name: String, of json: String) -> String? {
        (try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])?[name] as? String
    }

    static let cards = [SandboxCard.success, .success, .success, .declined, .requiresAuthentication, .processing, .answerLost]

    /// Customers book until cancelled: best available seats, a random test card, now and then a
    /// 3-D Secure approval or a cancellation. Errors are expected: the server dies under them.
    static func customer(base: @escaping @Sendable () -> String, token: String, showtimeID: String, seed: UInt64) async {
        var random = SplitMix64(seed: seed)
        while !Task.isCancelled {
            let count = Int.random(in: 1...3, using: &random)
            guard let (status, body) = await call(.POST, base() + "/api/v1/showtimes/\(showtimeID)/orders", token: token,
                                                  json: #"{"bestAvailable":{"count":\#(count)}}"#),
                  status == 201, let orderID = field("id", of: body)
            else {
                try? await Task.sleep(for: .milliseconds(50))
                continue
            }
            let card = cards[Int.random(in: 0..<cards.count, using: &random)]
            guard let (paid, paidBody) = await call(.POST, base() + "/api/v1/orders/\(orderID)/payment", token: token,
                                                    json: #"{"paymentMethod":"\#(card.rawValue)"}"#) else { continue }
            if paid == 202, card == .requiresAuthentication,
               let action = (try? JSONSerialization.jsonObject(with: Data(paidBody.utf8)) as? [String: Any])
                .flatMap({ ($0["payment"] as? [String: Any])?["nextActionUrl"] as? String }) {
                _ = await call(.POST, base() + action, json: #"{"approved":\#(Bool.random(using: &random))}"#)
            }
            if paid == 200, Int.random(in: 0..<4, using: &random) == 0 {
                _ = await call(.POST, base() + "/api/v1/orders/\(orderID)/cancel", token: token)
            }
        }
    }

    /// On SQLite, `boxoffice` (and in some cycles seatd) is killed; on PostgreSQL, in some cycles
    /// PostgreSQL is killed too, in the middle of the flows, and brought back while `boxoffice`
    /// goes on without it until its own kill.
    @Test(arguments: TestEngine.allCases)
    func everyOrderEndsWholeWhateverTheCrashInterrupted(engine: TestEngine) async throws {
        switch engine {
        case .sqlite:
            try await Self.crashCycles(postgres: nil)
        case .postgres:
            try await PostgresCluster.with { cluster in try await Self.crashCycles(postgres: cluster) }
        }
    }

    static func crashCycles(postgres: PostgresCluster?) async throws {
        let seed = ProcessInfo.processInfo.environment["BOOKING_CRASH_SEED"].flatMap(UInt64.init) ?? UInt64.random(in: 1...UInt64.max)
        let cycles = ProcessInfo.processInfo.environment["BOOKING_CRASH_CYCLES"].flatMap(Int.init) ?? 4
        let engine = postgres == nil ? "SQLite" : "PostgreSQL"
        print("booking crash test (\(engine)): seed \(seed), \(cycles) cycles (BOOKING_CRASH_SEED, BOOKING_CRASH_CYCLES)")
        var random = SplitMix64(seed: seed)
        let databaseURL = postgres.map { $0.url + "&sslmode=disable" }
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let data = directory.path + "/boxoffice"
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        let keyFile = directory.path + "/seatd-key"
        try SeatdProcess.agentKey.write(toFile: keyFile, atomically: true, encoding: .utf8)
        try SeatdProcess.apiKey.write(toFile: keyFile + "-admin", atomically: true, encoding: .utf8)
        try "crash test secret\n".write(toFile: directory.path + "/password", atomically: true, encoding: .utf8)
        let createUser = try ChildProcess(
            [try SeatdProcess.builtExecutable("boxoffice"), "create-user", "--data-dir", data, "--email", "admin@example.com",
             "--name", "Admin", "--role", "admin", "--password-file", directory.path + "/password", "--bcrypt-cost", "10",
             "--log-level", "warning"] + (databaseURL.map { ["--database-url", $0] } ?? []), output: directory.path + "/create-user.log")
        #expect(try await createUser.exitStatus(within: .seconds(60)) == 0)

        var seatd = try await SeatdProcess(dataDirectory: directory.path + "/seatd", arguments: [])
        var server: BoxOfficeProcess
        do {
            server = try await Self.startBoxOffice(dataDirectory: data, seatdPort: seatd.port, keyFile: keyFile, databaseURL: databaseURL)
        } catch {
            _ = try? await seatd.process.stopped(signal: SIGKILL)
            throw error
        }
        // Whatever fails below, no process is left running after the test.
        do {
            let current = Mutex(server.base)
            let base: @Sendable () -> String = { current.withLock { $0 } }

            // A showtime on a 300-seat screen, and six customers.
            let admin = try #require(await Self.call(.POST, base() + "/api/v1/auth/login",
                                                     json: #"{"email":"admin@example.com","password":"crash test secret"}"#))
            let adminToken = try #require(Self.field("accessToken", of: admin.1))
            let movie = try #require(await Self.call(.POST, base() + "/api/v1/admin/movies", token: adminToken, json: CatalogTests.movie))
            _ = await Self.call(.POST, base() + "/api/v1/admin/theatres", token: adminToken, json: CatalogTests.theatre)
            let screen = try #require(await Self.call(.POST, base() + "/api/v1/theatres/pvr-pune/screens", token: adminToken,
                                                      json: CatalogTests.screen))
            let showtimeBody = #"{"movieId":"\#(Self.field("id", of: movie.1)!)","screenId":"\#(Self.field("id", of: screen.1)!)","startsAt":"\#(CatalogTests.tomorrowEvening().iso)","language":"English","format":"2D","prices":{"standard":25000,"premium":40000},"currency":"INR"}"#
            let showtime = try #require(await Self.call(.POST, base() + "/api/v1/theatres/pvr-pune/showtimes", token: adminToken,
                                                        json: showtimeBody))
            let showtimeID = try #require(Self.field("id", of: showtime.1), "\(showtime)")
            var tokens: [String] = []
            for index in 0..<6 {
                _ = await Self.call(.POST, base() + "/api/v1/accounts",
                                    json: #"{"email":"c\#(index)@example.com","password":"a long passphrase","name":"C"}"#)
                let login = try #require(await Self.call(.POST, base() + "/api/v1/auth/login",
                                                         json: #"{"email":"c\#(index)@example.com","password":"a long passphrase"}"#))
                tokens.append(try #require(Self.field("accessToken", of: login.1)))
            }

            var seatdRestarts = 0, postgresRestarts = 0
            for cycle in 0..<cycles {
                if cycle > 0 {
                    if Int.random(in: 0..<3, using: &random) == 0 {
                        // seatd dies too; it comes back with what it acknowledged.
                        _ = try await seatd.process.stopped(signal: SIGKILL)
                        seatd = try await SeatdProcess(dataDirectory: directory.path + "/seatd", arguments: [])
                        seatdRestarts += 1
                    }
                    server = try await Self.startBoxOffice(dataDirectory: data, seatdPort: seatd.port, keyFile: keyFile, databaseURL: databaseURL)
                    current.withLock { $0 = server.base }
                }
                let customers = tokens
                let flows = Task { [cycle] in
                    await withTaskGroup(of: Void.self) { group in
                        for (index, token) in customers.enumerated() {
                            let flowSeed = seed &+ UInt64(cycle * 100 + index)
                            group.addTask { await Self.customer(base: base, token: token, showtimeID: showtimeID, seed: flowSeed) }
                        }
                    }
                }
                try await Task.sleep(for: .milliseconds(Int.random(in: 400...2_000, using: &random)))
                if let postgres, Int.random(in: 0..<3, using: &random) == 0 {
                    // The database dies under the flows and comes back; boxoffice goes on meanwhile.
                    try await postgres.kill()
                    try await Task.sleep(for: .milliseconds(Int.random(in: 100...1_000, using: &random)))
                    try await postgres.start()
                    postgresRestarts += 1
                    try await Task.sleep(for: .milliseconds(Int.random(in: 200...1_500, using: &random)))
                }
                _ = try await server.process.stopped(signal: SIGKILL)
                flows.cancel()
                await flows.value
            }

            // What the last crash left half-done, read while nothing runs.
            let leftMidway = try await Harness.withDatabaseAt(databaseURL, sqlitePath: data + "/boxoffice.sqlite") { database in
                try await database.withReadSession { session in
                    try await session.raw("SELECT state FROM orders").all().map { try $0.decode(column: "state", as: String.self) }
                        .filter { !Self.settledStates.contains($0) }
                        .reduce(into: [String: Int]()) { $0[$1, default: 0] += 1 }
                }
            }
            // Brought back once more, the reconciler settles whatever the crashes left (holds last 10 s).
            server = try await Self.startBoxOffice(dataDirectory: data, seatdPort: seatd.port, keyFile: keyFile, databaseURL: databaseURL)
            let auditedSeatd = seatd
            let audit = try await Harness.withDatabaseAt(databaseURL, sqlitePath: data + "/boxoffice.sqlite") {
                try await Self.audit($0, seatd: auditedSeatd)
            }
            print("booking crash test (\(engine)): seed \(seed); \(cycles) crashes, \(seatdRestarts) seatd restarts, \(postgresRestarts) PostgreSQL restarts; orders left held or mid-saga by the last crash \(leftMidway.sorted { $0.key < $1.key }); orders by state \(audit.states.sorted { $0.key < $1.key }); \(audit.soldSeats) seats sold")
            _ = try await server.process.stopped()
            _ = try await seatd.process.stopped()
        } catch {
            for process in [server.process, seatd.process] where process.exitStatusIfEnded() == nil {
                _ = try? await process.stopped(signal: SIGKILL)
            }
            throw error
        }
    }

    struct Audit {
        var states: [String: Int]
        var soldSeats: Int
    }

    static let settledStates: Set<String> = ["confirmed", "cancelled", "expired", "released", "rejected", "failed"]

    /// Waits (at most two minutes) for every order to settle, then checks each against the
    /// provider's payments and seatd's seats.
    static func audit(_ database: Database, seatd: SeatdProcess) async throws -> Audit {
        var orders: [SQLRowValues] = []
        for _ in 0..<240 {
            orders = try await database.withReadSession { session in
                try await session.raw("SELECT id, state, seats, price, seat_booking_id, payment_reference, refund_minor FROM orders")
                    .all().map { try SQLRowValues($0) }
            }
            if orders.allSatisfy({ Self.settledStates.contains($0.state) }) { break }
            try await Task.sleep(for: .milliseconds(500))
        }
        let payments = try await database.withReadSession { session in
            try await session.raw("SELECT reference, order_id, status, amount_minor FROM sandbox_payments").all()
                .map { (reference: try $0.decode(column: "reference", as: String.self), order: try $0.decode(column: "order_id", as: String.self),
                        status: try $0.decode(column: "status", as: String.self), amount: try $0.decode(column: "amount_minor", as: Int64.self)) }
        }
        let refunded = try await database.withReadSession { session in
            try await session.raw("SELECT payment_reference, CAST(SUM(amount_minor) AS BIGINT) AS total FROM sandbox_refunds WHERE status = 'succeeded' GROUP BY payment_reference").all()
                .reduce(into: [String: Int64]()) { $0[try $1.decode(column: "payment_reference", as: String.self)] = try $1.decode(column: "total", as: Int64.self) }
        }
        let connection = try await seatd.connect()
        let show = try #require(try await connection.shows().first?.show)
        let availability = try await connection.availability(show: show)
        var soldInSeatd: Set<UInt32> = []
        for seat in 0..<availability.seatCount where availability.sold[Int(seat / 64)] & (1 << (seat % 64)) != 0 { soldInSeatd.insert(seat) }

        var states: [String: Int] = [:]
        var soldToOrders: [UInt32: String] = [:]
        for order in orders {
            states[order.state, default: 0] += 1
            #expect(Self.settledStates.contains(order.state), "order \(order.id) stayed \(order.state)")
            let its = payments.filter { $0.order == order.id }
            let captured = its.filter { $0.status == "captured" }
            switch order.state {
            case "confirmed":
                #expect(captured.count == 1 && captured.first?.reference == order.paymentReference, "order \(order.id): \(its)")
                #expect(captured.first?.amount == order.totalMinor && refunded[captured.first?.reference ?? ""] == nil)
                let booking = try await connection.reservation(try #require(order.seatBookingID))
                #expect(booking.status == .booked && Set(booking.seats) == Set(order.seats), "order \(order.id)")
                for seat in order.seats {
                    #expect(soldToOrders.updateValue(order.id, forKey: seat) == nil, "seat \(seat) sold twice")
                }
            case "cancelled":
                #expect(captured.count == 1 && refunded[captured.first?.reference ?? ""] == order.refundMinor, "order \(order.id): \(its)")
            default:
                // No money kept, no authorization left hanging on the customer's card.
                for payment in its {
                    let netCharge = payment.status == "captured" ? payment.amount - (refunded[payment.reference] ?? 0) : 0
                    #expect(netCharge == 0 && !["authorized", "processing", "requires_action"].contains(payment.status),
                            "order \(order.id) (\(order.state)): payment \(payment)")
                }
            }
        }
        #expect(Set(soldToOrders.keys) == soldInSeatd, "seatd's sold seats are the confirmed orders' seats")
        await connection.close()
        return Audit(states: states, soldSeats: soldInSeatd.count)
    }

    /// The columns of an order the audit reads.
    struct SQLRowValues {
        var id: String
        var state: String
        var seats: [UInt32]
        var totalMinor: Int64?
        var seatBookingID: UInt64?
        var paymentReference: String?
        var refundMinor: Int64?

        init(_ row: any SQLRow) throws {
            struct Seat: Decodable { var index: UInt32 }
            struct Price: Decodable { var totalMinor: Int64 }
            id = try row.decode(column: "id", as: String.self)
            state = try row.decode(column: "state", as: String.self)
            seats = try JSONDecoder().decode([Seat].self, from: Data(try row.decode(column: "seats", as: String.self).utf8)).map(\.index)
            totalMinor = try row.decode(column: "price", as: String?.self).map {
                try JSONDecoder().decode(Price.self, from: Data($0.utf8)).totalMinor
            }
            seatBookingID = try row.decode(column: "seat_booking_id", as: Int64?.self).map { UInt64(bitPattern: $0) }
            paymentReference = try row.decode(column: "payment_reference", as: String?.self)
            refundMinor = try row.decode(column: "refund_minor", as: Int64?.self)
        }
    }
}
