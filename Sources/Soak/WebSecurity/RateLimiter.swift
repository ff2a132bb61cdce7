internal import SoakConfig
import Synchronization

/// `rate_limit` as a token bucket: full (`burst` tokens) at the start, one token back every
/// `interval`, one taken per request; a request finding none is refused.
final class RateLimiter: Sendable {
    private let interval: Duration
    private let burst: Double
    private let state: Mutex<(tokens: Double, at: ContinuousClock.Instant)>

    init(_ config: RateLimitConfig, now: ContinuousClock.Instant = .now) {
        interval = config.interval
        burst = Double(config.burst)
        state = Mutex((Double(config.burst), now))
    }

    /// Takes a token if there is one.
    func allow(now: ContinuousClock.Instant = .now) -> Bool {
        state.withLock { bucket in
            bucket.tokens = min(burst, bucket.tokens + (now - bucket.at) / interval)
            bucket.at = now
            guard bucket.tokens >= 1 else { return false }
            bucket.tokens -= 1
            return true
        }
    }
}
