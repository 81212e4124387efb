/// Every indexed showtime in columns, grouped by movie and in start order within each, with
/// the values people filter on replaced by small codes: a search scans a movie's showtimes in
/// the asked time window with integer comparisons only.
struct ShowtimeTable: Sendable {
    /// Folded values of one field, each with its code (its position).
    struct Codes: Sendable {
        private(set) var values: [String] = []
        private var codes: [String: UInt32] = [:]

        mutating func code(_ value: String) -> UInt32 {
            if let code = codes[value] { return code }
            let code = UInt32(values.count)
            values.append(value)
            codes[value] = code
            return code
        }

        /// A table of which codes `wanted` names (values never indexed match nothing); nil when
        /// `wanted` is empty (no filter).
        func allowed(_ wanted: Set<String>) -> [Bool]? {
            guard !wanted.isEmpty else { return nil }
            var allowed = [Bool](repeating: false, count: values.count)
            for value in wanted { if let code = codes[value] { allowed[Int(code)] = true } }
            return allowed
        }
    }

    // Per showtime.
    var starts: [Int64] = []
    var cities: [UInt32] = []
    var languages: [UInt32] = []
    var formats: [UInt32] = []
    var theatres: [UInt32] = []
    /// Where it is shown: theatre and position (the distance filter is worked out per place).
    var places: [UInt32] = []
    var minutes: [Int16] = []
    var prices: [Int64] = []
    /// Its position in its document's `showtimes`.
    var positions: [Int32] = []

    // Per document.
    var ranges: [Range<Int>] = []
    /// The earliest start, or `Int64.max` for none.
    var firstStarts: [Int64] = []
    var distinctCities: [[UInt32]] = []
    var distinctLanguages: [[UInt32]] = []
    var distinctFormats: [[UInt32]] = []

    var cityCodes = Codes()
    var languageCodes = Codes()
    var formatCodes = Codes()
    var theatreCodes = Codes()
    var placeLocations: [(latitude: Double, longitude: Double)] = []
    private var placeCodes: [PlaceKey: UInt32] = [:]

    private struct PlaceKey: Hashable {
        var theatre: UInt32
        var latitude: Double
        var longitude: Double
    }

    init(documents: [SearchDocument]) {
        let total = documents.reduce(0) { $0 + $1.showtimes.count }
        starts.reserveCapacity(total)
        cities.reserveCapacity(total)
        languages.reserveCapacity(total)
        formats.reserveCapacity(total)
        theatres.reserveCapacity(total)
        places.reserveCapacity(total)
        minutes.reserveCapacity(total)
        prices.reserveCapacity(total)
        positions.reserveCapacity(total)
        // Folding is the costly part and repeats: fold each distinct raw value once.
        var folded: [String: String] = [:]
        func fold(_ raw: String) -> String {
            if let known = folded[raw] { return known }
            let value = TextFolding.fold(raw)
            folded[raw] = value
            return value
        }
        for document in documents {
            let first = starts.count
            let order = document.showtimes.indices.sorted { document.showtimes[$0].startsAtMs < document.showtimes[$1].startsAtMs }
            for position in order {
                let showtime = document.showtimes[position]
                starts.append(showtime.startsAtMs)
                cities.append(cityCodes.code(fold(showtime.city)))
                languages.append(languageCodes.code(fold(showtime.language)))
                formats.append(formatCodes.code(fold(showtime.format)))
                let theatre = theatreCodes.code(showtime.theatreID)
                theatres.append(theatre)
                places.append(place(theatre: theatre, latitude: showtime.latitude, longitude: showtime.longitude))
                minutes.append(Int16(clamping: showtime.localMinuteOfDay))
                prices.append(showtime.lowestPriceMinor)
                positions.append(Int32(position))
            }
            let range = first..<starts.count
            ranges.append(range)
            firstStarts.append(range.isEmpty ? .max : starts[first])
            distinctCities.append(Array(Set(cities[range])))
            distinctLanguages.append(Array(Set(languages[range])))
            distinctFormats.append(Array(Set(formats[range])))
        }
    }

    private mutating func place(theatre: UInt32, latitude: Double, longitude: Double) -> UInt32 {
        let key = PlaceKey(theatre: theatre, latitude: latitude, longitude: longitude)
        if let code = placeCodes[key] { return code }
        let code = UInt32(placeLocations.count)
        placeLocations.append((latitude, longitude))
        placeCodes[key] = code
        return code
    }

    /// The first showtime in `range` starting at or after `time` (they are in start order).
    func firstStarting(atOrAfter time: Int64, in range: Range<Int>) -> Int {
        var low = range.lowerBound
        var high = range.upperBound
        while low < high {
            let middle = (low + high) / 2
            if starts[middle] < time { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
