import FoundationEssentials
import Support

extension Database {
    /// Writes the health heartbeat row (one row, updated in place): a real write that fails the
    /// way signals and analyses would, on a full disk, a read-only file or a foreign lock.
    /// Call inside `DatabasePool.write`.
    public func beat(at date: Date) throws {
        try execute("""
            INSERT INTO health_heartbeat (id, beat_at) VALUES (1, ?)
            ON CONFLICT (id) DO UPDATE SET beat_at = excluded.beat_at, beats = beats + 1
            """, [Timestamp.format(date)])
    }
}
