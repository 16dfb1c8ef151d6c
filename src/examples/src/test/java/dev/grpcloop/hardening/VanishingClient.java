package dev.grpcloop.hardening;

import io.grpc.CallOptions;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.util.concurrent.CountDownLatch;

/**
 * A client process for {@link ClientVanishesTest} to kill: it leaves one echo handler waiting in
 * recv() (call "child-recv") and one in send() (call "child-send"), prints {@code ready}, and
 * waits forever. Usage: {@code VanishingClient PORT}.
 */
public final class VanishingClient {
  private VanishingClient() {}

  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    ManagedChannel channel = Grpc.newChannelBuilderForAddress(
        "127.0.0.1", port, InsecureChannelCredentials.create()).build();
    EchoClients.leaveHandlerInRecv(channel, "child-recv", CallOptions.DEFAULT);
    EchoClients.leaveHandlerInSend(EchoClients.stingyChannel(port), "child-send",
        CallOptions.DEFAULT);
    System.out.println("ready");
    System.out.flush();
    new CountDownLatch(1).await(); // until killed
  }
}
