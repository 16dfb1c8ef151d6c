/**
 * An opt-in mode for the adapter's blocking code: on a server, each call's handler thread runs on
 * the Netty event loop that serves the call ({@link dev.grpcloop.eventloop.EventLoopHandlers}); on
 * a client, the calling threads run on the one event loop that serves their channel ({@link
 * dev.grpcloop.eventloop.EventLoopCallers}). Each loop itself runs in a virtual thread on a carrier
 * that runs nothing but continuations; docs/eventloop.md tells the design and its limits. Depends
 * on grpc-netty-shaded (Netty 4.2's {@code ManualIoEventLoop}) and, by reflection, on JDK
 * internals (run with {@code --add-opens java.base/java.lang=ALL-UNNAMED}); the adapter itself
 * stays java.* and io.grpc.* only.
 */
package dev.grpcloop.eventloop;
