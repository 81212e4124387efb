import Foundation

/// Dates as the catalog writes them: `YYYY-MM-DD`, the day a moment falls on in a time zone.
public enum CalendarDate {
    public static func string(_ date: Date, in zone: TimeZone = .gmt) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
    }
}
