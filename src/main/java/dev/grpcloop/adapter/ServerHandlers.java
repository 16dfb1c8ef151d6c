package dev.grpcloop.adapter;

/**
 * The shapes of blocking server handlers, one per RPC kind. Each runs on its own thread (a virtual
 * thread by default), inside the call's {@link io.grpc.Context}, and ends the call when it
 * finishes:
 *
 * <ul>
 *   <li>returning ends the call with {@code OK};
 *   <li>throwing a {@link io.grpc.StatusException} or {@link io.grpc.StatusRuntimeException} ends it
 *       with that status and its trailers;
 *   <li>throwing anything else ends it with {@code UNKNOWN}; the exception is logged on the server
 *       and its message is not sent to the client.
 * </ul>
 *
 * <p>Bind a handler to a method with {@link BlockingServerCalls}; a method reference fits the
 * shape:
 *
 * <pre>{@code
 * static Reply greet(Request request, ServerCallScope call) {
 *   return Reply.newBuilder().setText("hello " + request.getName()).build();
 * }
 * ...
 * builder.addMethod(GreeterGrpc.getGreetMethod(), BlockingServerCalls.unary(Greeter::greet));
 * }</pre>
 */
public final class ServerHandlers {
  private ServerHandlers() {}

  /**
   * One request in, one response out. Runs once the client has sent its request and finished.
   *
   * @param <ReqT> the request type
   * @param <RespT> the response type
   */
  @FunctionalInterface
  public interface Unary<ReqT, RespT> {
    /**
     * Handles one call.
     *
     * @param request the client's one request
     * @param call the call's headers, trailers and cancellation
     * @return the response; not null
     * @throws Exception to fail the call, as the class comment describes
     */
    RespT handle(ReqT request, ServerCallScope call) throws Exception;
  }

  /**
   * One request in, any number of responses sent with {@link ServerSendStream#send}.
   *
   * @param <ReqT> the request type
   * @param <RespT> the response type
   */
  @FunctionalInterface
  public interface ServerStreaming<ReqT, RespT> {
    /**
     * Handles one call.
     *
     * @param request the client's one request
     * @param responses where to send the responses
     * @throws Exception to fail the call, as the class comment describes
     */
    void handle(ReqT request, ServerSendStream<RespT> responses) throws Exception;
  }

  /**
   * Any number of requests taken with {@link ServerRecvStream#recv}, one response returned.
   *
   * @param <ReqT> the request type
   * @param <RespT> the response type
   */
  @FunctionalInterface
  public interface ClientStreaming<ReqT, RespT> {
    /**
     * Handles one call.
     *
     * @param requests where to receive the requests from
     * @return the response; not null
     * @throws Exception to fail the call, as the class comment describes
     */
    RespT handle(ServerRecvStream<ReqT> requests) throws Exception;
  }

  /**
   * Both sides stream: the seed's loop of {@link ServerStream#recv} and {@link ServerStream#send}.
   *
   * @param <ReqT> the request type
   * @param <RespT> the response type
   */
  @FunctionalInterface
  public interface BidiStreaming<ReqT, RespT> {
    /**
     * Handles one call.
     *
     * @param stream the call's two directions
     * @throws Exception to fail the call, as the class comment describes
     */
    void handle(ServerStream<ReqT, RespT> stream) throws Exception;
  }
}
