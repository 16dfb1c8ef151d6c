package dev.grpcloop.adapter;

/**
 * A bidirectional-streaming call in blocking style: {@link #send} requests, {@link #closeSend}
 * when done, and {@link #recv} responses until end-of-stream, in any order, as grpc-go's {@code
 * BidiStreamingClient} has {@code Send}, {@code Recv} and {@code CloseSend}. It is both a {@link
 * ClientSendStream} and a {@link ClientRecvStream}. Made by {@link
 * BlockingClientCalls#bidiStreaming}.
 *
 * <p>The Go article's client, sending from one thread and receiving in another:
 *
 * <pre>{@code
 * try (ClientStream<Message, Message> stream =
 *     BlockingClientCalls.bidiStreaming(channel, EchoServiceGrpc.getEchoStreamMethod())) {
 *   stream.startSender(() -> {          // closeSend() when this returns, like Go's defer
 *     for (int i = 0; i < 3; i++) {
 *       if (!stream.send(Message.newBuilder().setText("hello " + i).build())) {
 *         return;                        // the call is over: recv() tells why
 *       }
 *     }
 *   });
 *   for (;;) {
 *     Message resp = stream.recv();
 *     if (resp == null) {
 *       break;                           // the server finished sending
 *     }
 *     System.out.println("received: " + resp.getText());
 *   }
 * }
 * }</pre>
 *
 * <p>It is {@link AutoCloseable}: closing a stream whose call is still running cancels it, so the
 * server always hears the end, and never takes an abandoned stream for a complete one: only
 * {@link #closeSend} tells the server that the requests are complete. With try-with-resources, the
 * Go article's "forgot CloseSend, the server's goroutine leaks" pitfall cannot happen.
 *
 * <p>Thread safety, as in grpc-go: one thread may send (and closeSend) while another receives, but
 * two threads must not both send, or both receive, at the same time; a second concurrent sender or
 * receiver gets an {@link IllegalStateException}. {@link #cancel} and {@link #close} may be called
 * from any thread at any time, a third one as well: then the receiver, waiting or not, throws
 * {@code CANCELLED} and the sender's send returns false, whatever the interleaving (close also
 * interrupts a {@link #startSender} loop, whose send may then throw {@link InterruptedException}).
 *
 * @param <ReqT> the request type
 * @param <RespT> the response type
 */
public interface ClientStream<ReqT, RespT>
    extends ClientSendStream<ReqT, RespT>, ClientRecvStream<RespT> {

  /**
   * Tells the server that no more requests will come (a half-close: the server's {@code recv}
   * returns end-of-stream). Never blocks. Calling it again does nothing.
   */
  void closeSend();

  /**
   * Runs {@code loop} on a new virtual thread that owns the sending side: when the loop returns,
   * {@link #closeSend} is called (Go's {@code defer stream.CloseSend()}); if it throws, the call is
   * cancelled with the exception as the cause, so the receiving thread's {@link #recv} throws
   * {@code CANCELLED} carrying it. {@link #close} interrupts a loop still running.
   *
   * @param loop the sending loop; it may call {@link #send} and should return when send returns
   *     false
   * @return the sender thread
   * @throws IllegalStateException if a sender was already started
   */
  Thread startSender(SendLoop loop);

  /** The body of a sender thread, see {@link #startSender}. */
  @FunctionalInterface
  interface SendLoop {
    /**
     * Sends requests until done.
     *
     * @throws Exception to cancel the call
     */
    void run() throws Exception;
  }

  /**
   * Ends the stream for good, as {@link ClientCallScope#close}: cancels the call if it is still
   * running (the server sees {@code CANCELLED}, never end-of-stream: it never half-closes), drops
   * responses not yet received, and interrupts a {@link #startSender} loop still running. After
   * it, on any thread, waiting or not, recv throws {@code CANCELLED} (or the error the call had
   * already failed with) and send returns false. Never blocks. Calling it again does nothing.
   */
  @Override
  void close();
}
