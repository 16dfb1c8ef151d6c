/**
 * An opt-in server mode for the adapter's blocking handlers: each call's handler thread runs on
 * the Netty event loop that serves the call, with the loop itself in a virtual thread on a carrier
 * that runs nothing but continuations. Start at {@link dev.grpcloop.eventloop.EventLoopHandlers};
 * docs/eventloop.md tells the design and its limits. Depends on grpc-netty-shaded (Netty 4.2's
 * {@code ManualIoEventLoop}) and, by reflection, on JDK internals (run with {@code --add-opens
 * java.base/java.lang=ALL-UNNAMED}); the adapter itself stays java.* and io.grpc.* only.
 */
package dev.grpcloop.eventloop;
