internal import CZlib

/// gzip compression through zlib, for `/metrics` answers to scrapers that accept it.
enum Gzip {
    /// Why compression failed: zlib's return code and message.
    struct Failure: Error, CustomStringConvertible {
        let code: Int32
        let message: String
        var description: String { "zlib error \(code): \(message)" }
    }

    /// `input` as a complete gzip member (header, deflate stream, CRC-32 trailer).
    static func compress(_ input: [UInt8], level: Int32 = 6) throws(Failure) -> [UInt8] {
        var stream = z_stream()
        let initResult = soak_deflate_init_gzip(&stream, level)
        guard initResult == Z_OK else { throw Failure(code: initResult, message: "deflateInit2 failed") }
        defer { deflateEnd(&stream) }

        let bound = Int(deflateBound(&stream, uLong(input.count)))
        var output = [UInt8](repeating: 0, count: bound)
        var source = input
        let result: Int32 = source.withUnsafeMutableBufferPointer { inputBuffer in
            output.withUnsafeMutableBufferPointer { outputBuffer in
                stream.next_in = inputBuffer.baseAddress
                stream.avail_in = uInt(inputBuffer.count)
                stream.next_out = outputBuffer.baseAddress
                stream.avail_out = uInt(outputBuffer.count)
                return deflate(&stream, Z_FINISH)
            }
        }
        guard result == Z_STREAM_END else {
            let message = stream.msg.map { String(cString: $0) } ?? "deflate did not finish"
            throw Failure(code: result, message: message)
        }
        output.removeSubrange(Int(stream.total_out)...)
        return output
    }
}
