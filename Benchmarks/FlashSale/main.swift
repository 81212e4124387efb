import Accounts
import AsyncHTTPClient
import BoxOfficeApp
import BoxOfficeStorage
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import SQLKit
import SeatClient
import SeatSamples
import Synchronization

// The flash sale over HTTP (Benchmarks/flash-sale runs it):
//   FlashSale prepare DATA_DIR|DATABASE_URL CUSTOMERS    customers with accounts, made in the database
//   FlashSale layout cinema|stadium                      a layout document, for the screen's import
//   FlashSale sale BASE_URL SHOWTIME_ID CUSTOMERS CONCURRENCY SEATS [NAME=PID …]
//                                                        log every customer in, then race until sold out;
//                                                        the CPU each named process (with its children)
//                                                        and the client used per booking during the race
//   FlashSale audit DATA_DIR|DATABASE_URL SEATD_PORT SEATD_KEY SHOWTIME_ID
//                                                        sold seats = confirmed bookings' seats, none twice,
//                                                        nobody charged without a seat
//   FlashSale cpu NAME=PID …                             the CPU seconds each named process (with its
//                                                        children) has used so far, for a script's peer runs
// Prints one JSON object per command that measures.

let arguments = CommandLine.arguments
let password = "flash sale passphrase"
let logger: Logger = {
    var logger = Logger(label: "flash-sale")
    logger.logLevel = .error
    return logger
}()

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data((message + "\n").utf8))
    exit(1)
}

/// The command line's argument `index` as a number, or the usage error.
func number<Value: LosslessStringConvertible>(_ index: Int, _ name: String) -> Value {
    guard let value = Value(arguments[index]) else { fail("\(name) must be a number") }
    return value
}

/// The box office's database, by data directory (SQLite) or URL (PostgreSQL).
func withDatabase<Result: Sendable>(_ location: String, _ body: @Sendable (Database) async throws -> Result) async throws -> Result {
    let database = location.hasPrefix("postgres")
        ? Database.postgres(try PostgresLocation(url: location), connectionsMax: 4, logger: logger)
        : try await Database.sqlite(path: location + "/boxoffice.sqlite", logger: logger)
    return try await withThrowingTaskGroup(of: Result?.self) { group in
        group.addTask {
            try await database.run()
            return nil
        }
        defer { group.cancelAll() }
        try await database.migrate(boxOfficeMigrations, logger: logger)
        return try await body(database)
    }!
}

// MARK: prepare

/// Customers made directly, with the lowest bcrypt cost: a sale measures booking, not password
/// hashing (logins still go through the API, and verify these hashes).
func prepare(_ location: String, customers: Int) async throws {
    var configuration = BoxOfficeConfiguration(dataDirectory: location.hasPrefix("postgres") ? "/nonexistent" : location)
    if location.hasPrefix("postgres") { configuration.databaseURL = location }
    configuration.accounts.bcryptCost = 4
    let accountsConfiguration = configuration.accounts
    let keys = try loadOrCreateAccessTokenKeys(configuration, logger: logger)
    try await withDatabase(location) { database in
        let accounts = try await AccountService.make(database: database, keys: keys, configuration: accountsConfiguration)
        for index in 0..<customers {
            _ = try await accounts.signUp(.init(email: "customer\(index)@flash.example", password: password, name: "Customer \(index)"),
                                          emailVerified: true)
        }
    }
}

// MARK: the sale

struct Timings: Sendable {
    var hold: [Double] = []
    var pay: [Double] = []
    var bookings = 0
    var seats = 0
    var refusals = 0
    var failures = 0
    /// Confirmed bookings in each 10-s interval from the first hold: whether the rate held up
    /// over the sale or a stretch of it dragged the whole sale's rate down.
    var bookingsPerTenSeconds: [Int] = []
}

/// A process whose CPU time a sale reports, read from `/proc`: its own threads', and its
/// children's, running or ended and waited for (PostgreSQL serves each connection from a child
/// of its postmaster, and one that ends adds its time to the postmaster's).
struct WatchedProcess: Sendable {
    static let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))
    let name: String
    let pid: Int32

    /// `NAME=PID`.
    init?(_ argument: String) {
        let parts = argument.split(separator: "=", maxSplits: 1)
        guard parts.count == 2, let pid = Int32(parts[1]) else { return nil }
        name = String(parts[0])
        self.pid = pid
    }

    /// CPU seconds so far.
    func cpuSeconds() -> Double {
        guard let own = Self.times(of: pid) else { fail("no process \(pid) (\(name)) to measure") }
        let children = (try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8)) ?? ""
        let live = children.split(separator: " ").compactMap { Int32($0) }.compactMap(Self.times(of:))
        return Double(own.running + own.ended + live.reduce(0) { $0 + $1.running }) / Self.ticksPerSecond
    }

    /// Clock ticks a process ran (user and system) and its ended children ran; nil when it is gone.
    private static func times(of pid: Int32) -> (running: Int, ended: Int)? {
        // The fields after the command's name, which is in parentheses and may hold spaces:
        // utime, stime, cutime and cstime are the 14th to 17th of the whole line.
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ").compactMap { Int($0) }
        // The state (3rd field) is a letter, so the numbers start at the 4th.
        guard fields.count > 13 else { return nil }
        return (fields[10] + fields[11], fields[12] + fields[13])
    }
}

/// `NAME=PID` arguments as the processes they name, or the usage error.
func watchedProcesses(_ arguments: ArraySlice<String>) -> [WatchedProcess] {
    arguments.map { argument in
        guard let process = WatchedProcess(argument) else { fail("\(argument): NAME=PID expected") }
        return process
    }
}

/// The client's own CPU seconds so far.
func clientCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
    return seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

/// The customers' HTTP client. `HTTPClient.shared` keeps at most 8 connections to a host and
/// queues the rest of the requests, which would cap the sale at 8 customers in flight whatever
/// CONCURRENCY says: this one opens a connection for every customer in flight.
func makeClient(concurrency: Int) -> HTTPClient {
    var configuration = HTTPClient.Configuration()
    configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: concurrency)
    return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
}

func call(_ client: HTTPClient, _ method: HTTPMethod, _ url: String, token: String? = nil, json: String? = nil)
    async -> (status: Int, body: ByteBuffer)? {
    var request = HTTPClientRequest(url: url)
    request.method = method
    if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
    if let json {
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: json))
    }
    guard let response = try? await client.execute(request, timeout: .seconds(60)),
          let body = try? await response.body.collect(upTo: 64 << 20)
    else { return nil }
    return (Int(response.status.code), body)
}

/// The few fields the client reads from the answers, decoded into these alone: the client shares
/// the machine with the servers it measures, and `JSONSerialization` (every field of every
/// answer made into Foundation objects) took a tenth of its CPU.
struct LoggedIn: Decodable { var accessToken: String }
struct Placed: Decodable { var id: String }
struct Paid: Decodable {
    /// A seat counted, its fields unread.
    struct Seat: Decodable { init(from decoder: any Decoder) {} }
    var seats: [Seat]
}
struct SeatMapCounts: Decodable { var counts: [String: Int] }

func decoded<Answer: Decodable>(_ type: Answer.Type, _ body: ByteBuffer) -> Answer? {
    try? JSONDecoder().decode(type, from: Data(body.readableBytesView))
}

func percentile(_ values: [Double], _ share: Double) -> Double {
    guard !values.isEmpty else { return 0 }
    let sorted = values.sorted()
    return sorted[min(sorted.count - 1, Int((Double(sorted.count) * share).rounded(.down)))]
}

final class Counter: Sendable {
    private let value = Mutex(0)
    func next() -> Int { value.withLock { value in defer { value += 1 }; return value } }
}

/// Who may look at the seat map to see whether the sale is over: one customer every 100 ms.
/// The stadium's map is megabytes of JSON, and all customers in flight reading it at once at
/// the end of a sale kept the client and the server busy with nothing but that.
final class MapLooks: Sendable {
    private let last = Mutex<ContinuousClock.Instant?>(nil)

    func mayLook() -> Bool {
        last.withLock { last in
            let now = ContinuousClock.now
            if let previous = last, now - previous < .milliseconds(100) { return false }
            last = now
            return true
        }
    }
}

/// Runs `work(index)` for indices 0..<count, at most `concurrency` at a time.
func forEach(_ count: Int, concurrency: Int, _ work: @escaping @Sendable (Int) async -> Void) async {
    let counter = Counter()
    await withTaskGroup(of: Void.self) { group in
        for _ in 0..<min(concurrency, count) {
            group.addTask {
                while true {
                    let index = counter.next()
                    guard index < count else { return }
                    await work(index)
                }
            }
        }
    }
}

func sale(base: String, showtimeID: String, customers: Int, concurrency: Int, capacity: Int, watched: [WatchedProcess]) async {
    let client = makeClient(concurrency: concurrency)
    let loginStart = ContinuousClock.now
    let tokens = Mutex([String?](repeating: nil, count: customers))
    await forEach(customers, concurrency: concurrency) { index in
        guard let (status, body) = await call(client, .POST, base + "/api/v1/auth/login",
                                              json: #"{"email":"customer\#(index)@flash.example","password":"\#(password)"}"#),
              status == 200, let token = decoded(LoggedIn.self, body)?.accessToken
        else { return }
        tokens.withLock { $0[index] = token }
    }
    let loginSeconds = (ContinuousClock.now - loginStart).seconds
    let loggedIn = tokens.withLock { $0.compactMap { $0 } }
    guard loggedIn.count == customers else { fail("only \(loggedIn.count) of \(customers) customers logged in") }

    // Every customer wants 1 to 4 seats, and comes back for more until the seats are gone.
    let soldOut = Mutex(false)
    let timings = Mutex(Timings())
    let cpuAtStart = [clientCPUSeconds()] + watched.map { $0.cpuSeconds() }
    let start = ContinuousClock.now
    let lastSale = Mutex(start)
    let mapLooks = MapLooks()
    await forEach(customers, concurrency: concurrency) { index in
        let token = loggedIn[index]
        var wanted = index % 4 + 1
        while !soldOut.withLock({ $0 }) {
            let holdStart = ContinuousClock.now
            guard let (status, body) = await call(client, .POST, base + "/api/v1/showtimes/\(showtimeID)/orders", token: token,
                                                  json: #"{"bestAvailable":{"count":\#(wanted)}}"#) else {
                timings.withLock { $0.failures += 1 }
                return
            }
            let holdSeconds = (ContinuousClock.now - holdStart).seconds
            guard status == 201, let orderID = decoded(Placed.self, body)?.id else {
                timings.withLock { $0.refusals += 1 }
                // Fewer seats left than wanted: ask for fewer. Not even one, and none held (to come
                // back when a hold runs out): sold out, but for seats kept for wheelchairs, which a
                // best-available request leaves unless it asks for them.
                if wanted > 1 {
                    wanted -= 1
                    continue
                }
                if mapLooks.mayLook(), let (mapStatus, map) = await call(client, .GET, base + "/api/v1/showtimes/\(showtimeID)/seats"),
                   mapStatus == 200,
                   let counts = decoded(SeatMapCounts.self, map)?.counts, counts["held"] == 0 {
                    soldOut.withLock { $0 = true }
                }
                try? await Task.sleep(for: .milliseconds(20))
                continue
            }
            let payStart = ContinuousClock.now
            guard let (paid, paidBody) = await call(client, .POST, base + "/api/v1/orders/\(orderID)/payment", token: token,
                                                    json: #"{"paymentMethod":"4242424242424242"}"#) else {
                timings.withLock { $0.failures += 1 }
                return
            }
            let paySeconds = (ContinuousClock.now - payStart).seconds
            let seats = decoded(Paid.self, paidBody)?.seats.count ?? 0
            timings.withLock { timings in
                timings.hold.append(holdSeconds)
                timings.pay.append(paySeconds)
                if paid == 200 {
                    timings.bookings += 1
                    let interval = Int((ContinuousClock.now - start).seconds / 10)
                    if interval < 360 {
                        if timings.bookingsPerTenSeconds.count <= interval {
                            timings.bookingsPerTenSeconds += repeatElement(0, count: interval + 1 - timings.bookingsPerTenSeconds.count)
                        }
                        timings.bookingsPerTenSeconds[interval] += 1
                    }
                    timings.seats += seats
                } else {
                    timings.failures += 1
                }
            }
            if paid == 200 { lastSale.withLock { $0 = max($0, ContinuousClock.now) } }
        }
    }
    let cpuAtEnd = [clientCPUSeconds()] + watched.map { $0.cpuSeconds() }
    try? await client.shutdown()
    let result = timings.withLock { $0 }
    // Over the whole race, to the last customer's last request; per confirmed booking.
    var cpuMsPerBooking: [String: Double] = [:]
    for (name, (before, after)) in zip(["client"] + watched.map(\.name), zip(cpuAtStart, cpuAtEnd)) {
        cpuMsPerBooking[name] = (after - before) * 1000 / Double(max(result.bookings, 1))
    }
    let sellOut = (lastSale.withLock { $0 } - start).seconds
    let report: [String: Any] = [
        "customers": customers, "concurrency": concurrency, "capacity": capacity, "loginSeconds": loginSeconds,
        "sellOutSeconds": sellOut, "bookings": result.bookings, "seats": result.seats,
        "bookingsPerSecond": Double(result.bookings) / max(sellOut, 0.001), "bookingsPerTenSeconds": result.bookingsPerTenSeconds, "refusals": result.refusals, "failures": result.failures,
        "holdP50Ms": percentile(result.hold, 0.5) * 1000, "holdP99Ms": percentile(result.hold, 0.99) * 1000,
        "payP50Ms": percentile(result.pay, 0.5) * 1000, "payP99Ms": percentile(result.pay, 0.99) * 1000,
        "cpuMsPerBooking": cpuMsPerBooking, "cores": ProcessInfo.processInfo.activeProcessorCount,
    ]
    print(String(decoding: try! JSONSerialization.data(withJSONObject: report, options: [.sortedKeys]), as: UTF8.self))
}

// MARK: the audit

func audit(_ location: String, seatdPort: Int, key: String, showtimeID: String) async throws {
    let (show, orders, payments) = try await withDatabase(location) { database in
        try await database.withReadSession { session in
            guard let showRow = try await session.select().column("seat_show_id").from("showtimes").where("id", .equal, showtimeID).first()
            else { fail("no showtime \(showtimeID)") }
            let show = UInt32(try showRow.decode(column: "seat_show_id", as: Int64.self))
            let orders = try await session.select().columns("id", "state", "seats", "payment_reference").from("orders")
                .where("showtime_id", .equal, showtimeID).all().map { row in
                (id: try row.decode(column: "id", as: String.self), state: try row.decode(column: "state", as: String.self),
                 seats: try row.decode(column: "seats", as: String.self), payment: try row.decode(column: "payment_reference", as: String?.self))
            }
            let payments = try await session.raw("SELECT reference, order_id, status FROM sandbox_payments").all().map { row in
                (reference: try row.decode(column: "reference", as: String.self), order: try row.decode(column: "order_id", as: String.self),
                 status: try row.decode(column: "status", as: String.self))
            }
            let ids = Set(orders.map(\.id))
            return (show, orders, payments.filter { ids.contains($0.order) })
        }
    }
    struct Seat: Decodable { var index: UInt32 }
    var violations: [String] = []
    var soldToOrders: Set<UInt32> = []
    let confirmed = Set(orders.filter { $0.state == "confirmed" }.map(\.id))
    let capturedByOrder = Dictionary(grouping: payments.filter { $0.status == "captured" }, by: \.order)
    for order in orders where order.state == "confirmed" {
        for seat in try JSONDecoder().decode([Seat].self, from: Data(order.seats.utf8)) {
            if !soldToOrders.insert(seat.index).inserted { violations.append("seat \(seat.index) in two confirmed orders") }
        }
        let captured = capturedByOrder[order.id] ?? []
        if captured.count != 1 || captured.first?.reference != order.payment { violations.append("order \(order.id): \(captured.count) captures") }
    }
    for payment in payments where payment.status == "captured" && !confirmed.contains(payment.order) {
        violations.append("payment \(payment.reference) captured for order \(payment.order), which is not confirmed")
    }
    let connection = try await SeatConnection.connect(host: "127.0.0.1", port: seatdPort, apiKey: key, clientName: "flash-audit")
    let availability = try await connection.availability(show: show)
    await connection.close()
    var soldInSeatd: Set<UInt32> = []
    for seat in 0..<availability.seatCount where availability.sold[Int(seat / 64)] & (1 << (seat % 64)) != 0 { soldInSeatd.insert(seat) }
    if soldInSeatd != soldToOrders {
        violations.append("seatd sold \(soldInSeatd.count) seats, confirmed orders hold \(soldToOrders.count)")
    }
    let report: [String: Any] = [
        "confirmedOrders": confirmed.count, "soldSeats": soldInSeatd.count, "capturedPayments": payments.filter { $0.status == "captured" }.count,
        "violations": violations.count, "firstViolations": Array(violations.prefix(5)),
    ]
    print(String(decoding: try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys]), as: UTF8.self))
    if !violations.isEmpty { exit(2) }
}

extension Duration {
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

switch arguments.dropFirst().first {
case "prepare" where arguments.count == 4:
    try await prepare(arguments[2], customers: number(3, "CUSTOMERS"))
case "layout" where arguments.count == 3:
    let layout = arguments[2] == "stadium" ? SampleVenues.stadium() : SampleVenues.cinema()
    print(String(decoding: try JSONEncoder().encode(layout), as: UTF8.self))
case "sale" where arguments.count >= 7:
    let watched = watchedProcesses(arguments.dropFirst(7))
    await sale(base: arguments[2], showtimeID: arguments[3], customers: number(4, "CUSTOMERS"),
               concurrency: number(5, "CONCURRENCY"), capacity: number(6, "SEATS"), watched: watched)
case "audit" where arguments.count == 6:
    try await audit(arguments[2], seatdPort: number(3, "SEATD_PORT"), key: arguments[4], showtimeID: arguments[5])
case "cpu" where arguments.count >= 3:
    let seconds = Dictionary(uniqueKeysWithValues: watchedProcesses(arguments.dropFirst(2)).map { ($0.name, $0.cpuSeconds()) })
    print(String(decoding: try JSONSerialization.data(withJSONObject: seconds, options: [.sortedKeys]), as: UTF8.self))
default:
    fail("usage: FlashSale prepare|layout|sale|audit|cpu … (see Benchmarks/FlashSale/main.swift)")
}
