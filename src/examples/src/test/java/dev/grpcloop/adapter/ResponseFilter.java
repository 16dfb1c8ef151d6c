package dev.grpcloop.adapter;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall.SimpleForwardingClientCall;
import io.grpc.ForwardingClientCallListener.SimpleForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntPredicate;

/** Client interceptors that see each response grpc delivers, before the adapter's call does. */
final class ResponseFilter {
  private ResponseFilter() {}

  /**
   * Passes on the responses for which {@code passOn} holds, told each one's index in its call (0
   * for the first); drops the others, and asks for one in place of each if {@code askForAnother}.
   */
  static ClientInterceptor passing(IntPredicate passOn, boolean askForAnother) {
    return new ClientInterceptor() {
      @Override
      public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
          MethodDescriptor<ReqT, RespT> method, CallOptions options, Channel next) {
        return new SimpleForwardingClientCall<>(next.newCall(method, options)) {
          @Override
          public void start(Listener<RespT> listener, Metadata headers) {
            AtomicInteger seen = new AtomicInteger();
            super.start(new SimpleForwardingClientCallListener<>(listener) {
              @Override
              public void onMessage(RespT message) {
                if (passOn.test(seen.getAndIncrement())) {
                  super.onMessage(message);
                } else if (askForAnother) {
                  request(1);
                }
              }
            }, headers);
          }
        };
      }
    };
  }

  /** Passes every response on, and counts it in {@code delivered}: received or not. */
  static ClientInterceptor counting(AtomicInteger delivered) {
    return passing(index -> {
      delivered.incrementAndGet();
      return true;
    }, false);
  }
}
