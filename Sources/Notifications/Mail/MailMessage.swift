import Foundation

/// An email as it leaves the box office: a text part and an HTML part of the same words, in
/// one `multipart/alternative` message (RFC 5322 and MIME), with a `Message-ID` derived from
/// the outbox message, so sending it again after a crash is recognisably the same message.
public struct MailMessage: Sendable, Equatable {
    public var from: Address
    public var to: Address
    public var subject: String
    public var text: String
    public var html: String
    /// `<id@domain>`: the outbox message's id, so a repeat has the same one.
    public var messageID: String
    public var date: Date
    /// For messages a person may stop (offers): `List-Unsubscribe` with one click (RFC 8058).
    public var unsubscribeURL: String?

    public struct Address: Sendable, Equatable {
        public var name: String
        public var email: String
        public init(name: String, email: String) {
            self.name = name
            self.email = email
        }
    }

    public init(from: Address, to: Address, subject: String, text: String, html: String, messageID: String, date: Date,
                unsubscribeURL: String? = nil) {
        self.from = from
        self.to = to
        self.subject = subject
        self.text = text
        self.html = html
        self.messageID = messageID
        self.date = date
        self.unsubscribeURL = unsubscribeURL
    }

    /// The message in wire form: CRLF line ends, headers in ASCII (non-ASCII words as RFC 2047
    /// encoded-words), each part base64 in lines of 76 characters, so no line is too long and
    /// no line begins with a dot that a transport would have to stuff.
    public func rendered() -> [UInt8] {
        let boundary = "=_boxoffice_" + String(messageID.utf8.reduce(UInt64(1469598103934665603)) { ($0 ^ UInt64($1)) &* 1099511628211 }, radix: 36)
        var headers = [
            "From: \(Self.header(from))",
            "To: \(Self.header(to))",
            "Subject: \(Self.encodedWord(subject))",
            "Date: \(Self.rfc5322Date(date))",
            "Message-ID: \(messageID)",
            "MIME-Version: 1.0",
            "Content-Type: multipart/alternative; boundary=\"\(boundary)\"",
        ]
        if let unsubscribeURL {
            headers.append("List-Unsubscribe: <\(unsubscribeURL)>")
            headers.append("List-Unsubscribe-Post: List-Unsubscribe=One-Click")
        }
        var lines = headers
        lines.append("")
        for (type, body) in [("text/plain", text), ("text/html", html)] {
            lines.append("--\(boundary)")
            lines.append("Content-Type: \(type); charset=utf-8")
            lines.append("Content-Transfer-Encoding: base64")
            lines.append("")
            lines.append(contentsOf: Self.base64Lines(Array(body.utf8)))
        }
        lines.append("--\(boundary)--")
        lines.append("")
        return Array(lines.joined(separator: "\r\n").utf8)
    }

    static func header(_ address: Address) -> String {
        // `Character` keeps "\r\n" as one: `isNewline` catches it, and every other line break.
        let email = address.email.filter { !$0.isNewline && $0 != "<" && $0 != ">" }
        guard !address.name.isEmpty else { return "<\(email)>" }
        return "\(encodedWord(address.name, quotingSpecials: true)) <\(email)>"
    }

    /// Header text as itself when it is plain printable ASCII, else as RFC 2047 encoded-words
    /// (`=?utf-8?B?…?=`), split so none exceeds 75 characters. Line breaks cannot get in.
    static func encodedWord(_ text: String, quotingSpecials: Bool = false) -> String {
        let specials: Set<UInt8> = Set("()<>@,;:\\\".[]".utf8)
        // Printable ASCII only: a line break is not, so it is never passed through as itself.
        let isPlain = text.utf8.allSatisfy { (0x20...0x7E).contains($0) && !(quotingSpecials && specials.contains($0)) }
        if isPlain { return text }
        var words: [String] = []
        var chunk: [UInt8] = []
        for character in text.filter({ !$0.isNewline }) {
            let bytes = Array(String(character).utf8)
            // 45 bytes encode to 60 base64 characters: with the 12 of the wrapping, under 75.
            if chunk.count + bytes.count > 45 {
                words.append("=?utf-8?B?\(Data(chunk).base64EncodedString())?=")
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty { words.append("=?utf-8?B?\(Data(chunk).base64EncodedString())?=") }
        return words.joined(separator: "\r\n ")
    }

    static func base64Lines(_ bytes: [UInt8]) -> [String] {
        let encoded = Array(Data(bytes).base64EncodedString().utf8)
        return stride(from: 0, to: encoded.count, by: 76).map { start in
            String(decoding: encoded[start..<min(start + 76, encoded.count)], as: UTF8.self)
        }
    }

    private static let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// `Tue, 01 Dec 2026 18:05:09 +0000`, always in English and UTC (RFC 5322 §3.3), whatever
    /// the process's locale; computed by the C library, not a `DateFormatter` per message.
    static func rfc5322Date(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func twoDigits(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(weekdays[Int(parts.tm_wday)]), \(twoDigits(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
            + "\(twoDigits(parts.tm_hour)):\(twoDigits(parts.tm_min)):\(twoDigits(parts.tm_sec)) +0000"
    }
}
