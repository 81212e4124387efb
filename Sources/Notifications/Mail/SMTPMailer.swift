import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// Where and how to reach an SMTP server.
public struct SMTPSettings: Sendable {
    public enum Security: String, Sendable {
        /// Plain text: only for a relay on the same host or a test server.
        case none
        /// Connect in plain text, then upgrade with `STARTTLS` before anything else (port 587).
        case startTLS = "starttls"
        /// TLS from the first byte (port 465).
        case tls
    }

    public var host: String
    public var port: Int
    public var security: Security
    public var username: String?
    public var password: String?
    /// The name this client gives in `EHLO`.
    public var heloName = "boxoffice.local"
    /// For the whole conversation of one message.
    public var timeout: Duration = .seconds(30)
    /// Trust roots and hostname checking; the system's by default.
    public var tls = TLSConfiguration.makeClientConfiguration()

    public init(host: String, port: Int, security: Security, username: String? = nil, password: String? = nil) {
        self.host = host
        self.port = port
        self.security = security
        self.username = username
        self.password = password
    }
}

/// Mail through an SMTP server (RFC 5321), one connection per message: `EHLO`, `STARTTLS`
/// when asked for, `AUTH PLAIN` or `LOGIN`, the envelope (pipelined when the server offers
/// `PIPELINING`), the message dot-stuffed, `QUIT`. A 4xx reply, a timeout or a lost connection
/// is transient (the worker tries again); a 5xx reply is not.
public struct SMTPMailer: MailTransport {
    public let settings: SMTPSettings
    /// Made once: building a TLS context (loading the trust roots) costs more than sending a message.
    let sslContext: NIOSSLContext?

    /// - Throws: when the TLS settings cannot be used (an unreadable certificate authority file).
    public init(settings: SMTPSettings) throws {
        self.settings = settings
        sslContext = settings.security == .none ? nil : try NIOSSLContext(configuration: settings.tls)
    }

    public var description: String {
        "mail is sent through \(settings.host):\(settings.port) (\(settings.security.rawValue))"
    }

    public func send(_ message: MailMessage) async throws(DeliveryError) {
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await SMTPConversation.deliver(message, settings: settings, sslContext: sslContext) }
                group.addTask {
                    try await Task.sleep(for: settings.timeout)
                    throw DeliveryError("no answer from \(settings.host):\(settings.port) within \(settings.timeout)", isTransient: true)
                }
                try await group.next()
                group.cancelAll()
            }
        } catch let error as DeliveryError {
            throw error
        } catch let error as SMTPReply.Refusal {
            throw DeliveryError(error.description, isTransient: error.reply.code < 500)
        } catch {
            throw DeliveryError("talking to \(settings.host):\(settings.port) failed: \(error)", isTransient: true)
        }
    }
}

/// A server's reply: its code and the text of its lines.
struct SMTPReply: Sendable, Equatable {
    var code: Int
    var lines: [String]

    /// The reply a command needed was not the one that came.
    struct Refusal: Error, CustomStringConvertible {
        var command: String
        var reply: SMTPReply
        var description: String { "\(command): \(reply.code) \(reply.lines.joined(separator: " "))" }
    }
}

/// Cuts the server's bytes into replies: lines of `NNN-text` continue a reply, `NNN text` ends it.
struct SMTPReplyDecoder: ByteToMessageDecoder {
    typealias InboundOut = SMTPReply
    /// A reply longer than this is not one a mail server sends.
    static let replyBytesMax = 64 * 1024
    var pending: [String] = []

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else {
            if buffer.readableBytes > Self.replyBytesMax { throw DeliveryError("the server's reply is too long", isTransient: true) }
            return .needMoreData
        }
        let length = newline - buffer.readerIndex + 1
        var line = buffer.readString(length: length) ?? ""
        // "\r\n" is one `Character`: `isNewline` takes it off whole.
        while line.last?.isNewline == true { line.removeLast() }
        guard line.utf8.count >= 3, let code = Int(line.prefix(3)) else {
            throw DeliveryError("the server answered something that is not SMTP: \(line.prefix(80))", isTransient: true)
        }
        let separator = line.dropFirst(3).first
        pending.append(String(line.dropFirst(4)))
        if separator == "-" { return .continue }
        context.fireChannelRead(wrapInboundOut(SMTPReply(code: code, lines: pending)))
        pending = []
        return .continue
    }
}

/// One message's conversation with the server.
enum SMTPConversation {
    static func deliver(_ message: MailMessage, settings: SMTPSettings, sslContext: NIOSSLContext?) async throws {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(10))
            .connect(host: settings.host, port: settings.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    if settings.security == .tls, let sslContext {
                        try channel.pipeline.syncOperations.addHandler(
                            try NIOSSLClientHandler(context: sslContext, serverHostname: serverName(settings.host)))
                    }
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(SMTPReplyDecoder()))
                    return try NIOAsyncChannel<SMTPReply, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        try await channel.executeThenClose { inbound, outbound in
            var replies = inbound.makeAsyncIterator()
            func reply(to command: String, expecting codes: ClosedRange<Int>) async throws -> SMTPReply {
                guard let reply = try await replies.next() else {
                    throw DeliveryError("the server closed the connection after \(command)", isTransient: true)
                }
                guard codes.contains(reply.code) else { throw SMTPReply.Refusal(command: command, reply: reply) }
                return reply
            }
            func send(_ line: String) async throws {
                try await outbound.write(ByteBuffer(string: line + "\r\n"))
            }

            _ = try await reply(to: "connecting", expecting: 220...220)
            try await send("EHLO \(settings.heloName)")
            var extensions = Extensions(try await reply(to: "EHLO", expecting: 250...250))
            if settings.security == .startTLS, let sslContext {
                guard extensions.offers("STARTTLS") else {
                    throw DeliveryError("\(settings.host) does not offer STARTTLS, and this client will not send in the clear", isTransient: true)
                }
                try await send("STARTTLS")
                _ = try await reply(to: "STARTTLS", expecting: 220...220)
                // Under the reply decoder, nearest the socket: from here on every byte is TLS.
                let pipeline = channel.channel.pipeline
                try await channel.channel.eventLoop.submit {
                    try pipeline.syncOperations.addHandler(
                        try NIOSSLClientHandler(context: sslContext, serverHostname: serverName(settings.host)), position: .first)
                }.get()
                try await send("EHLO \(settings.heloName)")
                extensions = Extensions(try await reply(to: "EHLO after STARTTLS", expecting: 250...250))
            }
            if let username = settings.username, let password = settings.password {
                if extensions.authMechanisms.contains("PLAIN") {
                    try await send("AUTH PLAIN " + Data("\0\(username)\0\(password)".utf8).base64EncodedString())
                    _ = try await reply(to: "AUTH PLAIN", expecting: 235...235)
                } else if extensions.authMechanisms.contains("LOGIN") {
                    try await send("AUTH LOGIN")
                    _ = try await reply(to: "AUTH LOGIN", expecting: 334...334)
                    try await send(Data(username.utf8).base64EncodedString())
                    _ = try await reply(to: "AUTH LOGIN user name", expecting: 334...334)
                    try await send(Data(password.utf8).base64EncodedString())
                    _ = try await reply(to: "AUTH LOGIN password", expecting: 235...235)
                } else {
                    throw DeliveryError("\(settings.host) offers neither AUTH PLAIN nor AUTH LOGIN", isTransient: true)
                }
            }
            let envelope = ["MAIL FROM:<\(Envelope.address(message.from.email))>", "RCPT TO:<\(Envelope.address(message.to.email))>", "DATA"]
            if extensions.offers("PIPELINING") {
                // One round trip for the envelope (RFC 2920); the replies come in order.
                try await outbound.write(ByteBuffer(string: envelope.map { $0 + "\r\n" }.joined()))
                _ = try await reply(to: "MAIL FROM", expecting: 250...250)
                _ = try await reply(to: "RCPT TO", expecting: 250...251)
                _ = try await reply(to: "DATA", expecting: 354...354)
            } else {
                try await send(envelope[0])
                _ = try await reply(to: "MAIL FROM", expecting: 250...250)
                try await send(envelope[1])
                _ = try await reply(to: "RCPT TO", expecting: 250...251)
                try await send(envelope[2])
                _ = try await reply(to: "DATA", expecting: 354...354)
            }
            try await outbound.write(ByteBuffer(bytes: Envelope.dotStuffed(message.rendered())))
            _ = try await reply(to: "the message", expecting: 250...250)
            try? await send("QUIT")
            _ = try? await replies.next()
        }
    }

    /// The name sent for SNI and checked against the certificate: none for an IP address (SNI
    /// takes names only; the certificate is then checked against the address itself).
    static func serverName(_ host: String) -> String? {
        (try? SocketAddress(ipAddress: host, port: 0)) == nil ? host : nil
    }

    /// What the server said it can do in its `EHLO` reply.
    struct Extensions {
        var keywords: Set<String> = []
        var authMechanisms: Set<String> = []

        init(_ reply: SMTPReply) {
            for line in reply.lines.dropFirst() {
                let words = line.uppercased().split(separator: " ").map(String.init)
                guard let keyword = words.first else { continue }
                keywords.insert(keyword)
                if keyword == "AUTH" { authMechanisms.formUnion(words.dropFirst()) }
            }
        }

        func offers(_ keyword: String) -> Bool { keywords.contains(keyword) }
    }
}

/// The envelope's rules, as pure functions.
enum Envelope {
    /// An address as it goes between `<` and `>`: no line breaks or angle brackets.
    static func address(_ text: String) -> String {
        text.filter { !$0.isNewline && $0 != "<" && $0 != ">" }
    }

    /// The message with every line that begins with a dot given a second one (RFC 5321
    /// §4.5.2), ending in CRLF and the terminating `.` line.
    static func dotStuffed(_ message: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(message.count + 64)
        var atLineStart = true
        for byte in message {
            if atLineStart, byte == UInt8(ascii: ".") { out.append(UInt8(ascii: ".")) }
            out.append(byte)
            atLineStart = byte == UInt8(ascii: "\n")
        }
        if !(out.suffix(2) == [13, 10]) { out += [13, 10] }
        out += Array(".\r\n".utf8)
        return out
    }
}
