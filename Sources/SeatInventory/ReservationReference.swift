/// A hold or booking id in its one textual form, the form every message, output and input uses:
/// `H-` for a hold or `B-` for a booking, the id's other 63 bits in upper-case hexadecimal, and
/// a check digit. (The dash keeps an id apart from a seat label such as H18.) A hold and its booking differ only in the letter: `H-14000018` was confirmed as
/// `B-14000018`. Parsing ignores case.
///
/// The check digit (Luhn mod 16 over the hex digits) catches every mistyped digit and every swap
/// of neighbouring digits but 0 with F, so a typo is refused as a typo instead of reaching the
/// server as a different id, where it would read as an id that ended long ago.
public enum ReservationReference: Hashable, Sendable, CustomStringConvertible {
    case hold(HoldID)
    case booking(BookingID)

    /// The id a client received on the wire, or nil when it cannot be an id any engine gives out.
    public init?(rawValue: UInt64) {
        if let booking = BookingID(rawValue: rawValue) {
            self = .booking(booking)
        } else if let hold = HoldID(rawValue: rawValue) {
            self = .hold(hold)
        } else {
            return nil
        }
    }

    public var rawValue: UInt64 {
        switch self {
        case .hold(let hold): hold.rawValue
        case .booking(let booking): booking.rawValue
        }
    }

    public var description: String {
        let prefix = if case .hold = self { "H-" } else { "B-" }
        let digits = String(rawValue & ~ReservationID.bookingBit, radix: 16, uppercase: true)
        return prefix + digits + Self.checkDigit(of: digits)
    }

    /// Why a text is not an id.
    public enum ParseError: Error, Hashable, Sendable, CustomStringConvertible {
        /// Not `H-` or `B-` followed by hex digits.
        case malformed(String)
        /// The check digit does not match: a character was mistyped.
        case checkFailed(String)
        /// Well formed, but no engine gives out such an id.
        case outOfRange(String)

        public var description: String {
            switch self {
            case .malformed(let text):
                "\"\(text)\" is not a hold or booking id (they look like H-14000018 or B-14000018)"
            case .checkFailed(let text): "\(text) is mistyped: its check digit does not match"
            case .outOfRange(let text): "\(text) is not an id seatd gives out"
            }
        }
    }

    public init(parsing text: String) throws(ParseError) {
        let upper = text.uppercased()
        let digits = upper.dropFirst(2)
        guard let letter = upper.first, letter == "H" || letter == "B", upper.dropFirst().first == "-",
            digits.count >= 2, digits.count <= 17,
            digits.allSatisfy({ $0.isASCII && $0.isHexDigit })
        else { throw .malformed(text) }
        guard Self.checkDigit(of: digits.dropLast()) == String(digits.last!) else { throw .checkFailed(text) }
        guard let bits = UInt64(digits.dropLast(), radix: 16), bits & ReservationID.bookingBit == 0,
            let reference = ReservationReference(rawValue: letter == "B" ? bits | ReservationID.bookingBit : bits)
        else { throw .outOfRange(text) }
        self = reference
    }

    /// Luhn mod 16: from the rightmost digit leftwards, every other value doubled, its base-16
    /// digits summed; the check digit brings the total to a multiple of 16.
    static func checkDigit(of digits: some StringProtocol) -> String {
        var sum = 0
        var doubles = true
        for character in digits.reversed() {
            var addend = character.hexDigitValue! * (doubles ? 2 : 1)
            addend = addend / 16 + addend % 16
            sum += addend
            doubles.toggle()
        }
        return String((16 - sum % 16) % 16, radix: 16, uppercase: true)
    }
}
