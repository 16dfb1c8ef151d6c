package dev.grpcloop.bench;

/**
 * The servers a scenario compares. Each runs in a JVM of its own, started by {@link BenchServer}
 * (ours) or from grpc-benchmarks' classpath (the reference {@code AsyncServer}).
 */
enum ServerKind {
  /** EchoService, the Go article's loop on the adapter, as ExampleServer.start serves it (directExecutor). */
  ADAPTER("adapter"),
  /** The same echo on StreamObserver, auto flow control, grpc's default executor. */
  RAW("raw"),
  /** The raw echo on directExecutor: grpc-java's ceiling on this machine. */
  RAW_DIRECT("raw_direct"),
  /**
   * EchoService on the adapter with its handler threads on the event loops
   * (dev.grpcloop.eventloop), as ExampleServer.startOnEventLoops serves it: the opt-in mode,
   * directExecutor, loops as many as processors.
   */
  ADAPTER_EVENTLOOP("adapter_eventloop"),
  /** The adapter with a platform thread per call, for contrast in idle_streams. */
  ADAPTER_PLATFORM("adapter_platform"),
  /** BenchmarkService.StreamingCall on the adapter, as ExampleServer.start serves it. */
  QPS_ADAPTER("adapter"),
  /** The same with its handler threads on the event loops (ExampleServer.startOnEventLoops). */
  QPS_ADAPTER_EVENTLOOP("adapter_eventloop"),
  /** grpc-java's reference AsyncServer (grpc-benchmarks bench.tools.version), default executor. */
  QPS_REFERENCE("raw"),
  /** grpc-java's reference AsyncServer (bench.tools.version) with --directexecutor. */
  QPS_REFERENCE_DIRECT("raw_direct");

  /** The name of this server's figure set in summary.json. */
  final String label;

  ServerKind(String label) {
    this.label = label;
  }

  /** Whether this server's handlers run on threads the adapter starts (one per call). */
  boolean runsHandlerThreads() {
    return this == ADAPTER || this == ADAPTER_PLATFORM || this == QPS_ADAPTER
        || eventLoopMode();
  }

  /** Whether this server runs its handlers on the event loops (dev.grpcloop.eventloop). */
  boolean eventLoopMode() {
    return this == ADAPTER_EVENTLOOP || this == QPS_ADAPTER_EVENTLOOP;
  }

  /** Whether this is grpc-java's own AsyncServer rather than {@link BenchServer}. */
  boolean isReference() {
    return this == QPS_REFERENCE || this == QPS_REFERENCE_DIRECT;
  }
}
