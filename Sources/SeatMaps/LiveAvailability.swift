import SeatClient
import SeatProtocol
import ServiceLifecycle

/// Why a show's seats cannot be read.
public enum SeatMapError: Error, Equatable, Sendable {
    case unknownShow
    case seatServerUnavailable
    /// Every watched show is still being set up; try again shortly.
    case busy
}

/// Live views of shows' seats, kept current by one subscription connection to the seat server,
/// so reading a seat map costs no round trip to it.
///
/// A show is subscribed when it is first read and stays watched until the least recently read
/// of `showsWatchedMax` shows makes room for another, or the connection is lost (then every
/// view is dropped and the next read reconnects). A view that misses events (a gap in the
/// sequence) is rebuilt by the protocol's resync recipe while the last good view keeps being
/// served.
public actor LiveAvailability: Service {
    /// Shows watched at once by default: under the seat server's 1,024 subscriptions per connection.
    public static let showsWatchedMaxDefault = 1_000
    /// Snapshots tried for one show before a read is refused (each breaks only when the show
    /// changed faster than its events could be kept).
    static let snapshotAttemptsMax = 3

    /// A show's seats and the version to tag them with: it changes with every change to them.
    public struct Reading: Sendable {
        public let availability: SeatAvailability
        public let version: String
    }

    private struct Link {
        let connection: SeatConnection
        let generation: UInt64
    }

    private struct Watch {
        let generation: UInt64
        var view: SeatAvailability?
        /// Events gathered while a snapshot is fetched.
        var buffer: ResyncBuffer?
        /// Readers waiting for the first view.
        var waiters: [CheckedContinuation<SeatAvailability, any Error>] = []
        /// Set while the show is being unsubscribed to make room; a reader waits for it to end.
        var leaving: Task<Void, Never>?
        var lastRead: UInt64
    }

    private let connect: @Sendable () async throws(SeatClientError) -> SeatConnection
    private let showsWatchedMax: Int
    private let instance = UInt32.random(in: 0 ... .max)
    private var link: Link?
    private var connecting: Task<Link, any Error>?
    private var linksMade: UInt64 = 0
    private var watches: [UInt32: Watch] = [:]
    private var readCount: UInt64 = 0
    private var isShutDown = false
    /// Who wants to hear when a show's seats change (live pages), by show and listener id.
    private var listeners: [UInt32: [UInt64: AsyncStream<Void>.Continuation]] = [:]
    private var listenerCount = 0
    private var listenersMade: UInt64 = 0
    /// Listeners at once, over every show: each is an open page.
    public static let listenersMaxDefault = 10_000
    private let listenersMax: Int

    /// - Parameter connect: opens a dedicated connection (``SeatClient/connect()``).
    public init(
        showsWatchedMax: Int = showsWatchedMaxDefault, listenersMax: Int = listenersMaxDefault,
        connect: @escaping @Sendable () async throws(SeatClientError) -> SeatConnection
    ) {
        self.showsWatchedMax = max(1, showsWatchedMax)
        self.listenersMax = max(1, listenersMax)
        self.connect = connect
    }

    // MARK: listening for changes

    /// Signals `continuation` whenever the show's seats may have changed (an event arrived, its
    /// view was rebuilt or dropped): the listener then reads ``availability(show:)`` again. A
    /// stream that buffers only the newest signal coalesces a burst into one read.
    ///
    /// - Returns: the listener's id, for ``stopListening(show:id:)``.
    /// - Throws: `busy` when ``listenersMax`` listeners are open.
    public func listen(show: UInt32, _ continuation: AsyncStream<Void>.Continuation) throws(SeatMapError) -> UInt64 {
        guard listenerCount < listenersMax else { throw .busy }
        listenersMade += 1
        listeners[show, default: [:]][listenersMade] = continuation
        listenerCount += 1
        return listenersMade
    }

    public func stopListening(show: UInt32, id: UInt64) {
        guard listeners[show]?.removeValue(forKey: id) != nil else { return }
        listenerCount -= 1
        if listeners[show]?.isEmpty == true { listeners[show] = nil }
    }

    /// Open listeners (for tests and metrics).
    public var listening: Int { listenerCount }

    /// Whether another listener would be taken now (a page can be refused before its stream starts).
    public var hasRoomForListener: Bool { listenerCount < listenersMax }

    private func notify(_ show: UInt32) {
        guard let group = listeners[show] else { return }
        for continuation in group.values { continuation.yield() }
    }

    /// Shows watched now (for tests and metrics).
    public var watchedShows: Int { watches.count }

    /// The show's seats as of the last change this instance heard of.
    public func availability(show: UInt32) async throws(SeatMapError) -> Reading {
        // Bounded: each pass either answers, waits for a departure to finish, or starts a watch.
        for _ in 0..<3 {
            let link = try await currentLink()
            readCount += 1
            guard var watch = watches[show], watch.generation == link.generation else {
                let view = try await startWatching(show, on: link)
                return reading(view, link)
            }
            if let leaving = watch.leaving {
                await leaving.value
                continue
            }
            watch.lastRead = readCount
            watches[show] = watch
            if let view = watch.view { return reading(view, link) }
            do {
                let view = try await withCheckedThrowingContinuation { watches[show]?.waiters.append($0) }
                return reading(view, link)
            } catch let error as SeatMapError {
                throw error
            } catch {
                throw .seatServerUnavailable
            }
        }
        throw .busy
    }

    private func reading(_ view: SeatAvailability, _ link: Link) -> Reading {
        Reading(availability: view, version: "\(instance)-\(link.generation)-\(view.sequence)")
    }

    // MARK: watching a show

    private func startWatching(_ show: UInt32, on link: Link) async throws(SeatMapError) -> SeatAvailability {
        try makeRoom(generation: link.generation)
        watches[show] = Watch(generation: link.generation, buffer: ResyncBuffer(), lastRead: readCount)
        do {
            let next = try await link.connection.subscribe(show: show)
            watches[show]?.buffer?.subscribed(next: next)
            let view = try await completeSnapshot(of: show, on: link)
            for waiter in watches[show]?.waiters ?? [] { waiter.resume(returning: view) }
            watches[show]?.waiters = []
            return view
        } catch {
            let failure: SeatMapError = error.code == .unknownShow ? .unknownShow : .seatServerUnavailable
            if let watch = watches[show], watch.generation == link.generation, watch.view == nil {
                watches[show] = nil
                for waiter in watch.waiters { waiter.resume(throwing: failure) }
            }
            throw failure
        }
    }

    /// Fetches snapshots until one can be completed with the events that arrived meanwhile.
    private func completeSnapshot(of show: UInt32, on link: Link) async throws(SeatClientError) -> SeatAvailability {
        for _ in 0..<Self.snapshotAttemptsMax {
            // SEAT_MAP rather than AVAILABILITY: a stadium's map in a few bytes of runs when it
            // sells in blocks, never more than a quarter byte a seat.
            let reply = try await link.connection.seatMap(show: show)
            guard let map = reply.map, let snapshot = try? AvailabilityReply(show: show, seatMap: map) else {
                throw .unexpectedResponse("SEAT_MAP answered without a readable map")
            }
            guard let watch = watches[show], watch.generation == link.generation, let buffer = watch.buffer else {
                throw .connectionClosed
            }
            if let view = buffer.view(on: snapshot, sequenceBefore: buffer.sequenceBefore ?? 0) {
                watches[show]?.view = view
                watches[show]?.buffer = nil
                notify(show)
                return view
            }
            watches[show]?.buffer = buffer.restarted()
        }
        throw .connectionClosed
    }

    /// Makes room for one more show by unsubscribing the least recently read one.
    private func makeRoom(generation: UInt64) throws(SeatMapError) {
        guard watches.count >= showsWatchedMax else { return }
        guard let (show, _) = watches.filter({ $0.value.view != nil && $0.value.leaving == nil })
            .min(by: { $0.value.lastRead < $1.value.lastRead }),
            let connection = link?.connection
        else { throw .busy }
        watches[show]?.leaving = Task {
            try? await connection.unsubscribe(show: show)
            self.departed(show, generation: generation)
        }
    }

    private func departed(_ show: UInt32, generation: UInt64) {
        if watches[show]?.generation == generation, watches[show]?.leaving != nil {
            watches[show] = nil
            notify(show)
        }
    }

    // MARK: events

    private func receive(_ event: SeatEvent, generation: UInt64) {
        guard watches[event.show]?.generation == generation else { return }
        if watches[event.show]?.buffer != nil {
            watches[event.show]?.buffer?.add(event)
            return
        }
        let step = watches[event.show]?.view?.apply(event)
        if step == .applied { notify(event.show) }
        guard case .gap = step else { return }
        // Events were missed: rebuild from a snapshot, serving the last good view meanwhile.
        watches[event.show]?.buffer = ResyncBuffer(startingWith: event)
        Task { await self.resync(event.show, generation: generation) }
    }

    private func resync(_ show: UInt32, generation: UInt64) async {
        guard let link, link.generation == generation else { return }
        do {
            _ = try await completeSnapshot(of: show, on: link)
        } catch {
            // The next read subscribes afresh.
            if watches[show]?.generation == generation, watches[show]?.leaving == nil {
                watches[show] = nil
                try? await link.connection.unsubscribe(show: show)
            }
        }
    }

    // MARK: the connection

    private func currentLink() async throws(SeatMapError) -> Link {
        guard !isShutDown else { throw .seatServerUnavailable }
        if let link, link.connection.isActive { return link }
        let task = connecting ?? Task { try await self.establishLink() }
        connecting = task
        do {
            let link = try await task.value
            connecting = nil
            return link
        } catch {
            connecting = nil
            throw .seatServerUnavailable
        }
    }

    private func establishLink() async throws -> Link {
        let connection = try await connect()
        guard !isShutDown else {
            await connection.close()
            throw SeatMapError.seatServerUnavailable
        }
        linksMade += 1
        let fresh = Link(connection: connection, generation: linksMade)
        dropWatches(except: fresh.generation)
        link = fresh
        Task {
            for await event in connection.events { self.receive(event, generation: fresh.generation) }
            self.lost(generation: fresh.generation)
        }
        return fresh
    }

    private func lost(generation: UInt64) {
        if link?.generation == generation { link = nil }
        dropWatches(except: generation + 1)
    }

    /// Forgets every view made on another connection than `generation`'s.
    private func dropWatches(except generation: UInt64) {
        for (show, watch) in watches where watch.generation != generation {
            watches[show] = nil
            for waiter in watch.waiters { waiter.resume(throwing: SeatMapError.seatServerUnavailable) }
            notify(show)
        }
    }

    // MARK: lifecycle

    public func run() async throws {
        try? await gracefulShutdown()
        await shutDown()
    }

    /// Closes the subscription connection; reads are refused from then on.
    public func shutDown() async {
        isShutDown = true
        for continuation in listeners.values.flatMap(\.values) { continuation.finish() }
        listeners = [:]
        listenerCount = 0
        let connection = link?.connection
        link = nil
        dropWatches(except: 0)
        await connection?.close()
    }
}
