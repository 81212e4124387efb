import Foundation

/// Times as the theatre's clock shows them (a showtime is at 19:30 in Mumbai wherever the
/// reader is), in words a person reads at a glance: on pages, tickets and mails alike. The
/// formats are values made once per clock, safe to share between tasks.
public struct LocalTime: Sendable {
    public let zone: TimeZone
    private let timeStyle: Date.VerbatimFormatStyle
    private let dayStyle: Date.VerbatimFormatStyle
    private let dayKeyStyle: Date.VerbatimFormatStyle
    private let fullStyle: Date.VerbatimFormatStyle

    public init(zoneIdentifier: String) {
        let zone = TimeZone(identifier: zoneIdentifier) ?? .gmt
        self.zone = zone
        let locale = Locale(identifier: "en_GB")
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        func style(_ format: Date.FormatString) -> Date.VerbatimFormatStyle {
            Date.VerbatimFormatStyle(format: format, locale: locale, timeZone: zone, calendar: calendar)
        }
        let clock = "\(hour: .twoDigits(clock: .twentyFourHour, hourCycle: .zeroBased)):\(minute: .twoDigits)" as Date.FormatString
        timeStyle = style(clock)
        dayStyle = style("\(weekday: .abbreviated) \(day: .defaultDigits) \(month: .abbreviated)")
        dayKeyStyle = style("\(year: .defaultDigits)-\(month: .twoDigits)-\(day: .twoDigits)")
        fullStyle = style(
            "\(weekday: .wide) \(day: .defaultDigits) \(month: .wide) \(year: .defaultDigits), \(hour: .twoDigits(clock: .twentyFourHour, hourCycle: .zeroBased)):\(minute: .twoDigits)")
    }

    /// `19:30`
    public func time(_ date: Date) -> String { timeStyle.format(date) }
    /// `Fri 4 Dec`
    public func day(_ date: Date) -> String { dayStyle.format(date) }
    /// `2026-12-04`: groups showtimes by the theatre's calendar day.
    public func dayKey(_ date: Date) -> String { dayKeyStyle.format(date) }
    /// `Friday 4 December 2026, 19:30`
    public func full(_ date: Date) -> String { fullStyle.format(date) }
}
