#if canImport(Glibc)
import Glibc
#endif

/// The process's limit on open file descriptors. Linux starts most processes with a soft limit of
/// 1024 even where the hard limit is far higher; every scrape, target connection and database
/// connection takes one, so soak raises the soft limit to the hard one at start, as Go programs do.
enum FileDescriptorLimit {
    /// The soft limit before and after raising it to the hard limit; nil if it cannot be read.
    static func raiseToHardLimit() -> (before: UInt64, after: UInt64)? {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return nil }
        let before = UInt64(limit.rlim_cur)
        guard limit.rlim_cur < limit.rlim_max else { return (before, before) }
        limit.rlim_cur = limit.rlim_max
        guard setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return (before, before) }
        return (before, UInt64(limit.rlim_cur))
    }
}
