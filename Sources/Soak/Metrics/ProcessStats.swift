#if canImport(Glibc)
import Glibc
#endif

/// The standard `process_*` numbers, read from /proc as the Go and Python Prometheus clients read them.
struct ProcessStats: Equatable {
    var cpuSeconds: Double
    var residentMemoryBytes: Double
    var virtualMemoryBytes: Double
    var startTimeSeconds: Double
    var openFileDescriptors: Double
    var maxFileDescriptors: Double

    /// Reads the current process's numbers; nil where /proc cannot be read.
    static func current() -> ProcessStats? {
        guard case .success(let stat) = readProcFile("/proc/self/stat"),
            case .success(let systemStat) = readProcFile("/proc/stat"),
            case .success(let limits) = readProcFile("/proc/self/limits")
        else { return nil }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let pageSize = Double(sysconf(Int32(_SC_PAGESIZE)))
        guard var stats = parse(stat: stat, systemStat: systemStat, limits: limits, ticksPerSecond: ticks, pageSize: pageSize)
        else { return nil }
        stats.openFileDescriptors = Double(countOpenFileDescriptors())
        return stats
    }

    /// Parses /proc/self/stat, /proc/stat (for `btime`) and /proc/self/limits; open descriptors are left 0.
    static func parse(stat: String, systemStat: String, limits: String, ticksPerSecond: Double, pageSize: Double) -> ProcessStats? {
        // The command name in parentheses may hold spaces; the fields after it are space-separated,
        // starting with field 3 (state). utime is field 14, stime 15, starttime 22, vsize 23, rss 24.
        guard let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ", omittingEmptySubsequences: true)
        func field(_ number: Int) -> Double? {
            let index = number - 3
            return index < fields.count ? Double(fields[index].trimmingCharacters(in: "\n")) : nil
        }
        guard let utime = field(14), let stime = field(15), let start = field(22), let vsize = field(23), let rss = field(24)
        else { return nil }
        guard let bootLine = systemStat.split(separator: "\n").first(where: { $0.hasPrefix("btime ") }),
            let bootTime = Double(bootLine.dropFirst("btime ".count))
        else { return nil }
        var maxFiles = 0.0
        if let line = limits.split(separator: "\n").first(where: { $0.hasPrefix("Max open files") }) {
            let columns = line.dropFirst("Max open files".count).split(separator: " ", omittingEmptySubsequences: true)
            maxFiles = columns.first.flatMap { Double($0) } ?? (columns.first == "unlimited" ? Double.infinity : 0)
        }
        return ProcessStats(
            cpuSeconds: (utime + stime) / ticksPerSecond,
            residentMemoryBytes: rss * pageSize,
            virtualMemoryBytes: vsize,
            startTimeSeconds: bootTime + start / ticksPerSecond,
            openFileDescriptors: 0,
            maxFileDescriptors: maxFiles
        )
    }

    private static func countOpenFileDescriptors() -> Int {
        guard let directory = opendir("/proc/self/fd") else { return 0 }
        defer { closedir(directory) }
        var count = 0
        while let entry = readdir(directory) {
            let isDot = withUnsafeBytes(of: entry.pointee.d_name) { $0.first == UInt8(ascii: ".") }
            if !isDot { count += 1 }
        }
        // Leave out the descriptor opendir itself holds.
        return max(count - 1, 0)
    }

    private static func readProcFile(_ path: String) -> Result<String, Errno> {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return .failure(Errno(errno)) }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4_096)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else { return .failure(Errno(errno)) }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return .success(String(decoding: bytes, as: UTF8.self))
    }

    struct Errno: Error {
        let code: Int32
        init(_ code: Int32) { self.code = code }
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: Character) -> Substring {
        var text = self
        while text.last == set { text.removeLast() }
        return text
    }
}
