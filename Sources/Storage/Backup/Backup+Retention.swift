import FoundationEssentials
import Support

extension Backup {
    /// Deletes regular backups not kept by the policy and returns the removed file names.
    ///
    /// Policy: keep the newest backup of each of the newest `keepDaily` UTC days that have one, and
    /// the newest backup of each of the newest `keepWeekly` ISO weeks (Monday–Sunday, UTC); each rule
    /// counts on its own, as restic's `--keep-daily`/`--keep-weekly` do. Safety copies
    /// (pre-migration, pre-restore) keep their newest `keepSafetyCopies` of each kind.
    @discardableResult
    public static func applyRetention(in directory: String, keepDaily: Int, keepWeekly: Int, keepSafetyCopies: Int = 3) throws -> [String] {
        let entries = list(in: directory)
        var keep = Set<String>()
        var removable: [BackupEntry] = []
        for kind in BackupKind.allCases {
            let ofKind = entries.filter { entry in
                (entry.manifest?.kind ?? kindFromName(entry.file)) == kind
            }
            if kind == .regular {
                keep.formUnion(newestPerBucket(ofKind, buckets: keepDaily) { $0 })
                keep.formUnion(newestPerBucket(ofKind, buckets: keepWeekly) { day in
                    day - ((day % 7 + 7 + 3) % 7) // back to Monday; 1970-01-01 was a Thursday
                })
            } else {
                keep.formUnion(ofKind.prefix(keepSafetyCopies).map(\.file))
            }
            removable += ofKind
        }
        var removed: [String] = []
        for entry in removable where !keep.contains(entry.file) {
            try FileSystem.remove(entry.path)
            try FileSystem.remove(manifestPath(for: entry.path))
            try FileSystem.remove(verificationPath(for: entry.path))
            removed.append(entry.file)
        }
        return removed
    }

    /// File names of the newest entry in each of the newest `buckets` buckets (entries newest first).
    private static func newestPerBucket(_ entries: [BackupEntry], buckets: Int, key: (Int) -> Int) -> [String] {
        var seen = Set<Int>()
        var kept: [String] = []
        for entry in entries {
            guard seen.count < buckets || seen.contains(dayNumber(entry).map(key) ?? Int.min) else { break }
            guard let day = dayNumber(entry) else { continue }
            if seen.insert(key(day)).inserted { kept.append(entry.file) }
        }
        return kept
    }

    private static func dayNumber(_ entry: BackupEntry) -> Int? {
        guard let created = entry.manifest.flatMap({ Timestamp.parse($0.createdAt) }) else { return nil }
        return Int((created.timeIntervalSince1970 / 86_400).rounded(.down))
    }

    private static func kindFromName(_ name: String) -> BackupKind {
        if name.hasPrefix(BackupKind.preMigration.filePrefix) { return .preMigration }
        if name.hasPrefix(BackupKind.preRestore.filePrefix) { return .preRestore }
        return .regular
    }
}
