import FoundationEssentials
import Glibc

/// Figures about this process read from `/proc`.
public enum ProcessResources {
    /// Resident set size in bytes (0 when `/proc` is unavailable).
    public static func residentBytes() -> Int {
        guard let data = try? FileSystem.read("/proc/self/statm") else { return 0 }
        let fields = String(decoding: data, as: UTF8.self).split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// A kB field of `/proc/<pid>/status` (`VmRSS:`, `VmHWM:` for the peak) in bytes; 0 when unreadable.
    public static func statusBytes(pid: pid_t, field: String) -> Int {
        statusNumber(pid: pid, field: field) * 1024
    }

    /// The number of a field of `/proc/<pid>/status` (`Threads:`); 0 when unreadable.
    public static func statusNumber(pid: pid_t, field: String) -> Int {
        guard let data = try? FileSystem.read("/proc/\(pid)/status") else { return 0 }
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") where line.hasPrefix(field) {
            return Int(line.filter(\.isNumber)) ?? 0
        }
        return 0
    }
}
