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
   * (dev.grpcloop.eventloop): the opt-in mode, directExecutor, loops as many as processors.
   */
  ADAPTER_EVENTLOOP("adapter_eventloop"),
  /** The adapter with a platform thread per call, for contrast in idle_streams. */
  ADAPTER_PLATFORM("adapter_platform"),
  /** BenchmarkService.StreamingCall on the adapter, as ExampleServer.start serves it. */
  QPS_ADAPTER("adapter"),
  /** grpc-java's reference AsyncServer (1.79.0), with its default executor. */
  QPS_REFERENCE("raw"),
  /** grpc-java's reference AsyncServer (1.79.0) with --directexecutor. */
  QPS_REFERENCE_DIRECT("raw_direct");

  /** The name of this server's figure set in summary.json. */
  final String label;

  ServerKind(String label) {
    this.label = label;
  }

  /** Whether this server's handlers run on threads the adapter starts (one per call). */
  boolean runsHandlerThreads() {
    return this == ADAPTER || this == ADAPTER_PLATFORM || this == QPS_ADAPTER
        || this == ADAPTER_EVENTLOOP;
  }

  /** Whether this is grpc-java's own AsyncServer rather than {@link BenchServer}. */
  boolean isReference() {
    return this == QPS_REFERENCE || this == QPS_REFERENCE_DIRECT;
  }
}
