import Instrumentation
import Tracing

/// Runs `body` in a span named `name` when a tracer is bootstrapped, and without one when the tracer is the no-op
/// tracer (the default): no span, no task-local binding of the service context, nothing allocated. Token
/// verification runs on every request, and the no-op span alone cost about 0.35 µs of a 20 µs verification.
///
/// The tracer is looked up on every call, so bootstrapping `InstrumentationSystem` after the client is created
/// still traces every later call.
func withClerkSpan<T>(
    _ name: String, ofKind kind: SpanKind, _ body: (_ span: (any Span)?) async throws -> T
) async rethrows -> T {
    // The usual case first, with a concrete-type check: nothing bootstrapped (or a no-op tracer). `tracer` itself
    // searches the instrument for a `Tracer` conformance, a dynamic protocol lookup that cost about 0.3 µs a call.
    let instrument = InstrumentationSystem.instrument
    if instrument is NoOpInstrument || instrument is NoOpTracer || InstrumentationSystem.tracer is NoOpTracer {
        return try await body(nil)
    }
    return try await withSpan(name, ofKind: kind) { span in try await body(span) }
}
