package dev.grpcloop.serving;

/**
 * A service that wants to know when its example server is stopping, for calls that would never
 * end by themselves: a chat room ends its members' calls here, saying why, instead of leaving
 * them to be cancelled when the grace period runs out.
 */
public interface ServerStopListener {
  /**
   * Called once, on the stopping thread, after the server has stopped taking new calls and before
   * the grace period starts. Must not block for long.
   */
  void serverStopping();
}
