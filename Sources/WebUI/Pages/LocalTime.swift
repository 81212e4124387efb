import Foundation

/// Times as the theatre's clock shows them (a showtime is at 19:30 in Mumbai wherever the
/// reader is), in words a person reads at a glance.
struct LocalTime: Sendable {
    let zone: TimeZone

    init(zoneIdentifier: String) {
        zone = TimeZone(identifier: zoneIdentifier) ?? .gmt
    }

    private func format(_ date: Date, _ pattern: String) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_GB")
        formatter.timeZone = zone
        formatter.dateFormat = pattern
        return formatter.string(from: date)
    }

    /// `19:30`
    func time(_ date: Date) -> String { format(date, "HH:mm") }
    /// `Fri 4 Dec`
    func day(_ date: Date) -> String { format(date, "EEE d MMM") }
    /// `2026-12-04`: groups showtimes by the theatre's calendar day.
    func dayKey(_ date: Date) -> String { format(date, "yyyy-MM-dd") }
    /// `Friday 4 December 2026, 19:30`
    func full(_ date: Date) -> String { format(date, "EEEE d MMMM yyyy, HH:mm") }
}
