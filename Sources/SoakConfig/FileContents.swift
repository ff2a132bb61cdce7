#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a file could not be read, in the operating system's words.
public struct FileFailure: Error {
    public let reason: String
}

/// Reads whole files with the operating system's own error text (`No such file or directory`).
public enum FileContents {
    /// The file's bytes as UTF-8 text, or the reason it could not be read (a file larger than
    /// ``Limits/fileBytes`` is refused, so a config cannot make soak read a disk into memory).
    public static func read(_ path: String) -> Result<String, FileFailure> {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return .failure(FileFailure(reason: String(cString: strerror(errno)))) }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16_384)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                return .failure(FileFailure(reason: String(cString: strerror(errno))))
            }
            if count == 0 { break }
            guard bytes.count + count <= Limits.fileBytes else {
                return .failure(FileFailure(reason: "larger than the limit of \(Limits.fileBytes >> 20) MiB"))
            }
            bytes.append(contentsOf: chunk[0..<count])
        }
        guard let text = String(validating: bytes, as: UTF8.self) else { return .failure(FileFailure(reason: "not UTF-8 text")) }
        return .success(text)
    }

    /// Whether `path` names a file this process may read, or the reason it may not.
    static func checkReadable(_ path: String) -> String? {
        var status = stat()
        guard stat(path, &status) == 0 else { return String(cString: strerror(errno)) }
        guard (status.st_mode & S_IFMT) != S_IFDIR else { return "is a directory" }
        guard access(path, R_OK) == 0 else { return String(cString: strerror(errno)) }
        return nil
    }
}
