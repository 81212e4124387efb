#if canImport(Glibc)
import Glibc
#endif
import SeatInventory

/// A snapshot: the whole ``DurableState`` at a point of the journal, in one LZ4 frame (so
/// `lz4 -d` reads it), named `snapshot-<start LSN, 20 digits>.lz4`. A skippable LZ4 frame
/// (magic 0x184D2A50, which `lz4` passes over) follows with the CRC-32C of the frame's bytes:
/// some damage to compressed bytes still decompresses to the same content (a match offset moved
/// within a run of zeros), and a snapshot file must not be accepted damaged either way.
///
/// The state was captured while changes continued: it reflects every record through the start
/// LSN and perhaps some through the end LSN. Recovery loads it and replays the journal after the
/// start LSN, tolerating records through the end LSN that the state already reflects.
///
/// Inside the frame, little-endian: the magic `SEATSNAP`, format version u32, start LSN u64,
/// end LSN u64; the layouts (u32 count; id u32, JSON u32 length + bytes each); the shows (u32
/// count; layout u32, the rules as in a show-created record, cancelled u8, last change number
/// u64 each); the reservation
/// tables (shards u32, slots per shard u32; per slot generation u32 (from format 2, bit 31 set
/// when the slot's next claim skips generations), phase u8, deadline ms u64,
/// and for a held or booked slot show u32, lifetime cap ms u64, seats u32 count + u32 each);
/// from format 2, each shard's claim cursor (u32 per shard), the remembered idempotent
/// requests (u32 count; each as in its journal record, `IdempotencyCoding.swift`) and the API
/// keys (u32 count; each as in its created record, then revoked ms u64, 0 while it works); then
/// CRC-32C of everything before it, u32.
public enum SnapshotFile {
    static let magic = Array("SEATSNAP".utf8)
    /// 2 added the generation skip mark and the idempotent requests; format 1 files, which carry
    /// neither, are still read.
    static let formatVersion: UInt32 = 2
    static let readableVersions: ClosedRange<UInt32> = 1...2
    /// Bit 31 of a slot's generation field: ``InventoryImage/Slot/skipsGenerations``.
    static let skipsGenerationsMark: UInt32 = 1 << 31
    /// The magic of the skippable frame that carries the file checksum.
    static let skippableMagic: UInt32 = 0x184D_2A50
    static let prefix = "snapshot-"
    static let suffix = ".lz4"
    /// Largest decompressed snapshot recovery accepts.
    public static let bytesMax = 16 << 30

    public struct Header: Hashable, Sendable {
        public let startLSN: UInt64
        public let endLSN: UInt64

        public init(startLSN: UInt64, endLSN: UInt64) {
            self.startLSN = startLSN
            self.endLSN = endLSN
        }
    }

    /// The snapshot's uncompressed bytes.
    public static func encode(_ state: DurableState, header: Header) -> [UInt8] {
        var writer = PayloadWriter(capacity: 1 << 20)
        for byte in magic { writer.write(byte) }
        writer.write(formatVersion)
        writer.write(header.startLSN)
        writer.write(header.endLSN)
        writer.write(UInt32(state.layouts.count))
        for layout in state.layouts {
            writer.write(layout.id)
            writer.write(bytes: layout.json)
        }
        writer.write(UInt32(state.image.shows.count))
        for (index, show) in state.image.shows.enumerated() {
            writer.write(state.showLayouts[index])
            writer.write(rules: show.rules)
            writer.write(show.isCancelled)
            writer.write(show.changeSequence)
        }
        writer.write(UInt32(state.image.shards.count))
        writer.write(UInt32(state.image.shards.first?.count ?? 0))
        for slots in state.image.shards {
            for slot in slots {
                writer.write(slot.generation | (slot.skipsGenerations ? skipsGenerationsMark : 0))
                writer.write(slot.phase.rawValue)
                writer.write(slot.deadline.milliseconds)
                guard slot.isLive else { continue }
                writer.write(slot.show.rawValue)
                writer.write(slot.lifetimeCap.milliseconds)
                writer.write(seats: slot.seats)
            }
        }
        for cursor in state.image.claimCursors { writer.write(UInt32(cursor)) }
        writer.write(UInt32(state.image.idempotency.count))
        for entry in state.image.idempotency { writer.write(idempotencyEntry: entry) }
        writer.write(UInt32(state.apiKeys.count))
        for key in state.apiKeys {
            writer.write(apiKey: key)
            writer.write(key.revokedAt ?? 0)
        }
        let checksum = writer.bytes.withUnsafeBytes { CRC32C.checksum($0) }
        writer.write(checksum)
        return writer.bytes
    }

    public static func decode(_ bytes: [UInt8]) throws -> (DurableState, Header) {
        guard bytes.count >= 4 else { throw PayloadDecodingError(description: "shorter than its checksum") }
        let stored = bytes.withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: bytes.count - 4, as: UInt32.self)) }
        let computed = bytes.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[..<(bytes.count - 4)])) }
        guard stored == computed else { throw PayloadDecodingError(description: "checksum mismatch") }
        var reader = PayloadReader(Array(bytes[..<(bytes.count - 4)]))
        for byte in magic where try reader.read(UInt8.self, "magic") != byte {
            throw PayloadDecodingError(description: "not a snapshot (wrong magic)")
        }
        let version = try reader.read(UInt32.self, "format version")
        guard readableVersions.contains(version) else {
            throw PayloadDecodingError(description: "format version \(version), this server reads \(readableVersions)")
        }
        let header = Header(startLSN: try reader.read(UInt64.self, "start LSN"), endLSN: try reader.read(UInt64.self, "end LSN"))
        var layouts: [DurableState.Layout] = []
        for _ in 0..<(try reader.read(UInt32.self, "layout count")) {
            let id = try reader.read(UInt32.self, "layout id")
            layouts.append(try DurableState.Layout(id: id, json: try reader.readBytes("layout document", limit: bytesMax)))
        }
        var shows: [InventoryImage.Show] = []
        var showLayouts: [UInt32] = []
        for _ in 0..<(try reader.read(UInt32.self, "show count")) {
            let layout = try reader.read(UInt32.self, "show layout")
            guard Int(layout) < layouts.count else { throw PayloadDecodingError(description: "a show names unknown layout \(layout)") }
            let rules = try reader.readRules()
            shows.append(
                InventoryImage.Show(
                    layout: layouts[Int(layout)].layout, rules: rules, isCancelled: try reader.readBool("cancelled"),
                    changeSequence: try reader.read(UInt64.self, "change number")))
            showLayouts.append(layout)
        }
        let shardCount = Int(try reader.read(UInt32.self, "shards"))
        let slotsPerShard = Int(try reader.read(UInt32.self, "slots per shard"))
        guard shardCount <= InventoryLimits.shardsMax, slotsPerShard <= InventoryLimits.reservationsPerShardMax else {
            throw PayloadDecodingError(description: "\(shardCount) shards of \(slotsPerShard) slots is beyond any engine")
        }
        var shards: [[InventoryImage.Slot]] = []
        for _ in 0..<shardCount {
            var slots: [InventoryImage.Slot] = []
            slots.reserveCapacity(slotsPerShard)
            for _ in 0..<slotsPerShard {
                var slot = InventoryImage.Slot.vacant
                let generation = try reader.read(UInt32.self, "generation")
                slot.skipsGenerations = version >= 2 && generation & skipsGenerationsMark != 0
                slot.generation = version >= 2 ? generation & ~skipsGenerationsMark : generation
                let phase = try reader.read(UInt8.self, "phase")
                guard let known = InventoryImage.Slot.Phase(rawValue: phase) else {
                    throw PayloadDecodingError(description: "slot phase \(phase)")
                }
                slot.phase = known
                slot.deadline = Timestamp(milliseconds: try reader.read(UInt64.self, "deadline"))
                if slot.isLive {
                    slot.show = ShowID(rawValue: try reader.read(UInt32.self, "slot show"))
                    slot.lifetimeCap = Timestamp(milliseconds: try reader.read(UInt64.self, "lifetime cap"))
                    slot.seats = try reader.readSeats("slot seats", limit: InventoryLimits.seatsPerHoldMax)
                }
                slots.append(slot)
            }
            shards.append(slots)
        }
        var idempotency: [IdempotencyEntry] = []
        var apiKeys: [StoredAPIKey] = []
        var claimCursors = Array(repeating: 0, count: shardCount)
        if version >= 2 {
            for shard in 0..<shardCount {
                let cursor = Int(try reader.read(UInt32.self, "claim cursor"))
                guard cursor < max(slotsPerShard, 1) else { throw PayloadDecodingError(description: "claim cursor \(cursor) is past the table") }
                claimCursors[shard] = cursor
            }
            let count = Int(try reader.read(UInt32.self, "idempotent requests"))
            guard count <= 2 * InventoryLimits.idempotencyKeysMax else { throw PayloadDecodingError(description: "\(count) idempotent requests is beyond any engine") }
            idempotency.reserveCapacity(count)
            for _ in 0..<count { idempotency.append(try reader.readIdempotencyEntry()) }
            let keyCount = Int(try reader.read(UInt32.self, "API keys"))
            guard keyCount <= StoredAPIKey.countMax else { throw PayloadDecodingError(description: "\(keyCount) API keys is beyond the limit") }
            for _ in 0..<keyCount {
                var key = try reader.readAPIKey()
                let revoked = try reader.read(UInt64.self, "key revoked")
                key.revokedAt = revoked == 0 ? nil : revoked
                apiKeys.append(key)
            }
        }
        try reader.expectEnd("the snapshot")
        let image = InventoryImage(shows: shows, shards: shards, idempotency: idempotency, claimCursors: claimCursors)
        return (DurableState(layouts: layouts, showLayouts: showLayouts, image: image, apiKeys: apiKeys), header)
    }

    /// A snapshot file's bytes from its encoding (``encode(_:header:)``): one LZ4 frame, then a
    /// skippable frame carrying the CRC-32C of the first; with `encryption`, all of that
    /// encrypted under the current key.
    ///
    /// An encrypted snapshot is the magic `SEATSNPE`, format version u32, key id u32 and a
    /// 12-byte nonce (28 bytes, authenticated as associated data), then the AES-256-GCM
    /// ciphertext of the plain file and its tag. Each snapshot draws a random 96-bit nonce:
    /// under one key, a repeat is expected only after about 2⁴⁸ snapshots.
    public static func seal(_ uncompressed: [UInt8], encryption: EncryptionKeys? = nil) throws -> [UInt8] {
        // The encoding ends with its own CRC-32C, checked after decompression: the frame's
        // content checksum would check the same bytes again.
        var sealed = try LZ4Frame.compress(uncompressed, contentChecksum: false)
        let checksum = sealed.withUnsafeBytes { CRC32C.checksum($0) }
        for field in [skippableMagic, 4, checksum] { withUnsafeBytes(of: field.littleEndian) { sealed.append(contentsOf: $0) } }
        guard let encryption else { return sealed }
        let (id, key) = encryption.current
        let nonce = try AESGCM.randomBytes(AESGCM.nonceBytes)
        var header = encryptedMagic
        withUnsafeBytes(of: encryptedFormatVersion.littleEndian) { header.append(contentsOf: $0) }
        withUnsafeBytes(of: id.littleEndian) { header.append(contentsOf: $0) }
        header += nonce
        var file = header
        try sealed.withUnsafeBytes { (bytes) throws in try AESGCM.seal(bytes, key: key, nonce: nonce, associated: header, into: &file) }
        return file
    }

    static let encryptedMagic = Array("SEATSNPE".utf8)
    static let encryptedFormatVersion: UInt32 = 1
    static let encryptedHeaderBytes = 28

    /// The plain file inside an encrypted one; throws naming `path` when its key is missing.
    static func decrypt(_ file: [UInt8], keys: EncryptionKeys?, path: String) throws -> [UInt8] {
        guard file.count >= encryptedHeaderBytes + AESGCM.tagBytes else { throw PayloadDecodingError(description: "too short for an encrypted snapshot") }
        let header = Array(file[0..<encryptedHeaderBytes])
        let version = header.withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: 8, as: UInt32.self)) }
        guard version == encryptedFormatVersion else {
            throw PayloadDecodingError(description: "encrypted snapshot format \(version), this server reads \(encryptedFormatVersion)")
        }
        let keyID = header.withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: 12, as: UInt32.self)) }
        guard let keys else { throw EncryptionError.keysRequired(path: path, keyID: keyID) }
        let key = try keys.key(keyID, for: path)
        return try file.withUnsafeBytes { bytes in
            try AESGCM.open(
                UnsafeRawBufferPointer(rebasing: bytes[encryptedHeaderBytes...]), key: key, nonce: Array(header[16..<28]),
                associated: header)
        }
    }

    /// Writes a sealed snapshot durably: to a temporary file, synced, renamed into place, and the
    /// directory synced; returns its path.
    public static func store(_ sealed: [UInt8], header: Header, in directory: String, faults: StorageFaults? = nil) throws -> String {
        let path = directory + "/" + NumberedFiles.name(prefix, header.startLSN, suffix)
        let temporary = path + ".tmp"
        unlink(temporary)
        let descriptor = try JournalFiles.openForAppend(temporary, create: true)
        do {
            try JournalFiles.writeAll(descriptor, sealed, path: temporary, faults: faults)
            try JournalFiles.sync(descriptor, path: temporary, faults: faults)
        } catch {
            close(descriptor)
            unlink(temporary)
            throw error
        }
        close(descriptor)
        do {
            try JournalFiles.rename(temporary, to: path, faults: faults)
        } catch {
            unlink(temporary)
            throw error
        }
        try JournalFiles.syncDirectory(directory, faults: faults)
        return path
    }

    public static func read(_ path: String, keys: EncryptionKeys? = nil) throws -> (DurableState, Header) {
        try decode(file: try JournalFiles.readAll(path), keys: keys, path: path)
    }

    /// Decrypts an encrypted snapshot file, checks the file's trailing checksum, then
    /// decompresses and decodes it.
    public static func decode(file encrypted: [UInt8], keys: EncryptionKeys? = nil, path: String = "a snapshot") throws -> (DurableState, Header) {
        let file = encrypted.starts(with: encryptedMagic) ? try decrypt(encrypted, keys: keys, path: path) : encrypted
        let trailer = 12
        guard file.count > trailer else { throw PayloadDecodingError(description: "too short for a snapshot file") }
        let fields = file.withUnsafeBytes { bytes in
            (0..<3).map { UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: file.count - trailer + 4 * $0, as: UInt32.self)) }
        }
        let frame = Array(file[..<(file.count - trailer)])
        guard fields[0] == skippableMagic, fields[1] == 4, fields[2] == frame.withUnsafeBytes({ CRC32C.checksum($0) }) else {
            throw PayloadDecodingError(description: "file checksum mismatch")
        }
        return try decode(try LZ4Frame.decompress(frame, limit: bytesMax))
    }

    /// The snapshots in `directory`, oldest first.
    public static func list(in directory: String) throws(JournalError) -> [(startLSN: UInt64, path: String)] {
        try NumberedFiles.list(in: directory, prefix: prefix, suffix: suffix).map { ($0.number, $0.path) }
    }
}
