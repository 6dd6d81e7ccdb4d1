import CLinux
import Glibc

/// The process's heap policy. An appliance that is idle most of the time should not keep the
/// peak of its last job resident.
public enum ProcessMemory {
    /// At most two malloc arenas: fewer half-empty arenas held by threads that allocated once.
    /// Call once, early, before threads start.
    public static func limitArenas() {
        _ = mallopt(M_ARENA_MAX, 2)
    }

    /// Returns freed heap pages to the operating system (after a job, when the process goes idle).
    public static func releaseFreedPages() {
        _ = malloc_trim(0)
    }
}
