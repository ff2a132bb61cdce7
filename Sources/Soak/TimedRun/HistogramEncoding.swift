internal import CZlib
internal import Foundation
internal import Histogram

/// HdrHistogram's standard compressed encoding (V2), as the other HdrHistogram libraries and their log
/// files write it, in base64 for the summary file: a 40-byte big-endian header (cookie `0x1c849303`,
/// payload length, normalizing index offset, significant digits, lowest discernible and highest
/// trackable value, integer-to-double ratio) and the counts array in ZigZag LEB128 with runs of zeros
/// as negative lengths, deflated (zlib) behind the compressed cookie `0x1c849304` and its length.
/// Decoding refills a histogram bucket by bucket, so merged recordings have exactly the counts of one
/// histogram that held every sample.
enum HistogramEncoding {
    /// Why an encoded histogram cannot be read.
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static let cookie: UInt32 = 0x1c84_9303
    static let compressedCookie: UInt32 = 0x1c84_9304
    static let headerBytes = 40
    /// What one decoded histogram may take, far above the 1 µs to 1 h range at 3 digits (about 200 KiB).
    static let maximumBytes = 4 << 20

    /// The counts-array layout of a histogram, from its lowest discernible value and its digits.
    struct Layout {
        let unitMagnitude: Int
        let subBucketHalfCountMagnitude: Int
        let subBucketHalfCount: Int
        let subBucketMask: UInt64

        init(lowest: UInt64, digits: Int) {
            unitMagnitude = 63 - max(lowest, 1).leadingZeroBitCount
            var single: UInt64 = 2
            for _ in 0..<digits { single *= 10 }
            let subBucketCountMagnitude = 64 - (single - 1).leadingZeroBitCount
            subBucketHalfCountMagnitude = max(subBucketCountMagnitude, 1) - 1
            subBucketHalfCount = 1 << subBucketHalfCountMagnitude
            subBucketMask = UInt64(2 * subBucketHalfCount - 1) << unitMagnitude
        }

        func index(of value: UInt64) -> Int {
            let bucket = (64 - unitMagnitude - subBucketHalfCountMagnitude - 1) - (value | subBucketMask).leadingZeroBitCount
            let subBucket = Int(value >> UInt64(bucket + unitMagnitude))
            return ((bucket + 1) << subBucketHalfCountMagnitude) + (subBucket - subBucketHalfCount)
        }

        func value(at index: Int) -> UInt64 {
            var bucket = (index >> subBucketHalfCountMagnitude) - 1
            var subBucket = (index & (subBucketHalfCount - 1)) + subBucketHalfCount
            if bucket < 0 {
                subBucket -= subBucketHalfCount
                bucket = 0
            }
            return UInt64(subBucket) << UInt64(bucket + unitMagnitude)
        }
    }

    /// `histogram` compressed and in base64.
    static func encode<Count>(_ histogram: Histogram<Count>) throws(Failure) -> String {
        let layout = Layout(lowest: histogram.lowestDiscernibleValue, digits: Int(histogram.numberOfSignificantValueDigits.rawValue))
        var counts: [(index: Int, count: UInt64)] = []
        for bucket in histogram.recordedValues() {
            counts.append((layout.index(of: bucket.value), UInt64(bucket.count)))
        }
        var payload: [UInt8] = []
        var next = 0
        for (index, count) in counts.sorted(by: { $0.index < $1.index }) {
            let zeros = index - next
            if zeros > 1 { appendZigZag(-Int64(zeros), to: &payload) } else if zeros == 1 { appendZigZag(0, to: &payload) }
            appendZigZag(Int64(clamping: count), to: &payload)
            next = index + 1
        }
        var plain: [UInt8] = []
        append(cookie, to: &plain)
        append(UInt32(payload.count), to: &plain)
        append(UInt32(0), to: &plain)
        append(UInt32(histogram.numberOfSignificantValueDigits.rawValue), to: &plain)
        append(histogram.lowestDiscernibleValue, to: &plain)
        append(histogram.highestTrackableValue, to: &plain)
        append((1.0).bitPattern, to: &plain)
        plain += payload
        let deflated = try compressed(plain)
        var encoded: [UInt8] = []
        append(compressedCookie, to: &encoded)
        append(UInt32(deflated.count), to: &encoded)
        return Data(encoded + deflated).base64EncodedString()
    }

    /// The histogram `text` encodes, as `Histogram<Count>`; a failure says what is wrong.
    static func decode<Count>(_ text: String, as: Count.Type = Count.self) throws(Failure) -> Histogram<Count> {
        guard let data = Data(base64Encoded: text) else { throw Failure(description: "not base64") }
        let bytes = [UInt8](data)
        guard bytes.count >= 8, readUInt32(bytes, at: 0) == compressedCookie else {
            throw Failure(description: "not a compressed HdrHistogram (V2): the cookie is not 0x1c849304")
        }
        let length = Int(readUInt32(bytes, at: 4))
        guard length == bytes.count - 8 else { throw Failure(description: "the compressed length says \(length) bytes, \(bytes.count - 8) follow") }
        let plain = try inflated(Array(bytes[8...]))
        guard plain.count >= headerBytes, readUInt32(plain, at: 0) == cookie else {
            throw Failure(description: "the inflated histogram does not start with the V2 cookie 0x1c849303")
        }
        let payloadLength = Int(readUInt32(plain, at: 4))
        let digits = Int(readUInt32(plain, at: 12))
        let lowest = readUInt64(plain, at: 16)
        let highest = readUInt64(plain, at: 24)
        guard readUInt32(plain, at: 8) == 0 else { throw Failure(description: "a normalizing index offset is not supported") }
        guard payloadLength == plain.count - headerBytes else {
            throw Failure(description: "the payload length says \(payloadLength) bytes, \(plain.count - headerBytes) follow")
        }
        guard (1...3).contains(digits), let significant = SignificantDigits(rawValue: Int8(digits)), lowest >= 1, highest >= 2 * lowest,
            highest <= RequestRecording.highest * 1000
        else { throw Failure(description: "unsupported parameters: \(digits) digits, lowest \(lowest), highest \(highest)") }
        var histogram = Histogram<Count>(lowestDiscernibleValue: lowest, highestTrackableValue: highest, numberOfSignificantValueDigits: significant)
        let layout = Layout(lowest: lowest, digits: digits)
        let limit = layout.index(of: highest) + 1
        var offset = headerBytes
        var index = 0
        while offset < plain.count {
            let value = try readZigZag(plain, at: &offset)
            if value < 0 {
                guard value > -Int64(limit) else { throw Failure(description: "a run of zeros past the histogram's end") }
                index += Int(-value)
                continue
            }
            guard index < limit else { throw Failure(description: "a count past the histogram's highest trackable value") }
            if value > 0 {
                guard let count = Count(exactly: value), histogram.record(layout.value(at: index), count: count) else {
                    throw Failure(description: "count \(value) does not fit")
                }
            }
            index += 1
        }
        return histogram
    }

    private static func append(_ value: some FixedWidthInteger, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.bigEndian) { bytes += $0 }
    }

    private static func readUInt32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        bytes[offset..<offset + 4].reduce(0) { $0 << 8 | UInt32($1) }
    }

    private static func readUInt64(_ bytes: [UInt8], at offset: Int) -> UInt64 {
        bytes[offset..<offset + 8].reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// ZigZag, then LEB128 in at most 9 bytes: 7 bits a byte for 8 bytes, the 9th carries 8 bits.
    private static func appendZigZag(_ value: Int64, to bytes: inout [UInt8]) {
        var rest = UInt64(bitPattern: (value << 1) ^ (value >> 63))
        for _ in 0..<8 {
            if rest < 0x80 {
                bytes.append(UInt8(rest))
                return
            }
            bytes.append(UInt8(rest & 0x7f) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(truncatingIfNeeded: rest))
    }

    private static func readZigZag(_ bytes: [UInt8], at offset: inout Int) throws(Failure) -> Int64 {
        var raw: UInt64 = 0
        var shift: UInt64 = 0
        for position in 0..<9 {
            guard offset < bytes.count else { throw Failure(description: "the counts end in the middle of a number") }
            let byte = bytes[offset]
            offset += 1
            if position == 8 {
                raw |= UInt64(byte) << shift
                break
            }
            raw |= UInt64(byte & 0x7f) << shift
            if byte < 0x80 { break }
            shift += 7
        }
        return Int64(bitPattern: raw >> 1) ^ -Int64(bitPattern: raw & 1)
    }

    /// zlib's format (a header, the deflate stream, an Adler-32 trailer), as HdrHistogram writes it.
    private static func compressed(_ input: [UInt8]) throws(Failure) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: Int(compressBound(uLong(input.count))))
        var length = uLongf(output.count)
        let result = compress2(&output, &length, input, uLong(input.count), Z_DEFAULT_COMPRESSION)
        guard result == Z_OK else { throw Failure(description: "zlib could not compress the histogram (\(result))") }
        return Array(output.prefix(Int(length)))
    }

    private static func inflated(_ input: [UInt8]) throws(Failure) -> [UInt8] {
        var stream = z_stream()
        guard soak_inflate_init_auto(&stream) == Z_OK else { throw Failure(description: "zlib could not start inflating") }
        defer { inflateEnd(&stream) }
        var source = input
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        var result = Z_OK
        source.withUnsafeMutableBufferPointer { inputBuffer in
            stream.next_in = inputBuffer.baseAddress
            stream.avail_in = uInt(inputBuffer.count)
            while result == Z_OK, output.count <= maximumBytes {
                chunk.withUnsafeMutableBufferPointer { chunkBuffer in
                    stream.next_out = chunkBuffer.baseAddress
                    stream.avail_out = uInt(chunkBuffer.count)
                    result = inflate(&stream, Z_NO_FLUSH)
                    output += chunkBuffer.prefix(chunkBuffer.count - Int(stream.avail_out))
                }
            }
        }
        guard result == Z_STREAM_END else {
            throw Failure(description: output.count > maximumBytes ? "it inflates to more than \(maximumBytes) bytes" : "not a valid zlib stream (\(result))")
        }
        return output
    }
}
