import Metrics

/// The metrics the SDK records on hot paths.
enum ClerkMetrics {
    /// Whether counters count anything: `false` while no metrics backend is bootstrapped (swift-metrics' no-op
    /// factory, the default). A counter made for the no-op factory counts nothing, yet making one costs an object,
    /// its dimensions array and two factory calls; `authenticateRequest` runs on every request, so it skips them.
    ///
    /// Read on every call, so bootstrapping `MetricsSystem` after the client is created still counts every later
    /// request.
    static var isRecording: Bool { !(MetricsSystem.factory is NOOPMetricsHandler) }
}
