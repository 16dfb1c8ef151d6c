package dev.grpcloop.adapter;

import dev.grpcloop.adapter.BlockingServerCalls.BidiStreamingHandler;
import dev.grpcloop.adapter.BlockingServerCalls.ClientStreamingHandler;
import dev.grpcloop.adapter.BlockingServerCalls.Options;
import dev.grpcloop.adapter.BlockingServerCalls.ServerStreamingHandler;
import dev.grpcloop.adapter.BlockingServerCalls.UnaryHandler;
import dev.grpcloop.echo.proto.Message;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Every server binding that the edge-case tests make, in one place. Each method returns a
 * one-method service for {@link TestServer#start}.
 */
final class Bind {
  private Bind() {}

  private static final AtomicInteger made = new AtomicInteger();

  /**
   * Virtual threads named bind-handler-N, from the server's base factory ({@link
   * TestServer#newHandlerThread}: on the event loop in that mode).
   */
  private static final ThreadFactory VIRTUAL = task -> {
    Thread thread = TestServer.newHandlerThread(task);
    thread.setName("bind-handler-" + made.getAndIncrement());
    return thread;
  };

  /** Options whose handler threads are {@link #VIRTUAL}'s. */
  static Options options() {
    return on(VIRTUAL);
  }

  static ServerServiceDefinition unary(MethodDescriptor<Message, Message> method,
      UnaryHandler<Message, Message> handler) {
    return unary(method, handler, VIRTUAL);
  }

  static ServerServiceDefinition unary(MethodDescriptor<Message, Message> method,
      UnaryHandler<Message, Message> handler, ThreadFactory threads) {
    return TestMethods.service(BlockingServerCalls.unary(method, handler, on(threads)));
  }

  static ServerServiceDefinition serverStreaming(MethodDescriptor<Message, Message> method,
      ServerStreamingHandler<Message, Message> handler, ThreadFactory threads) {
    return TestMethods.service(BlockingServerCalls.serverStreaming(method, handler, on(threads)));
  }

  static ServerServiceDefinition clientStreaming(MethodDescriptor<Message, Message> method,
      ClientStreamingHandler<Message, Message> handler) {
    return clientStreaming(method, handler, VIRTUAL);
  }

  static ServerServiceDefinition clientStreaming(MethodDescriptor<Message, Message> method,
      ClientStreamingHandler<Message, Message> handler, ThreadFactory threads) {
    return TestMethods.service(BlockingServerCalls.clientStreaming(method, handler, on(threads)));
  }

  static ServerServiceDefinition bidi(MethodDescriptor<Message, Message> method,
      BidiStreamingHandler<Message, Message> handler) {
    return bidi(method, handler, VIRTUAL);
  }

  static ServerServiceDefinition bidi(MethodDescriptor<Message, Message> method,
      BidiStreamingHandler<Message, Message> handler, ThreadFactory threads) {
    return TestMethods.service(BlockingServerCalls.bidiStreaming(method, handler, on(threads)));
  }

  private static Options on(ThreadFactory threads) {
    return Options.DEFAULT.withThreads(threads);
  }
}
