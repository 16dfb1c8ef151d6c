// snippet:user-project-server
package com.example.shop;

import com.example.shop.cart.CartLoop;
import com.example.shop.cart.Item;
import com.example.shop.common.Money;
import dev.grpcloop.adapter.ServerCallScope;
import dev.grpcloop.adapter.ServerRecvStream;
import dev.grpcloop.adapter.ServerSendStream;
import dev.grpcloop.adapter.ServerStream;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;

/** shop.cart.v1.Cart, each method the loop of its kind. Usage: Server [PORT] (0 picks one). */
public final class Server implements CartLoop.Service {

  @Override
  public Money price(Item item, ServerCallScope call) {
    return times(item.getUnitPrice(), item.getQuantity());
  }

  @Override
  public void unpack(Item item, ServerSendStream<Item> items) throws Exception {
    for (int i = 0; i < item.getQuantity(); i++) {
      items.send(item.toBuilder().setQuantity(1).build());
    }
  }

  @Override
  public Money checkout(ServerRecvStream<Item> items) throws Exception {
    Money total = Money.getDefaultInstance();
    for (Item item; (item = items.recv()) != null; ) {
      total = plus(total, price(item, null));
    }
    return total;
  }

  @Override
  public void runningTotal(ServerStream<Item, Money> stream) throws Exception {
    Money total = Money.getDefaultInstance();
    for (Item item; (item = stream.recv()) != null; ) {
      total = plus(total, price(item, null));
      stream.send(total);
    }
  }

  private static Money times(Money money, int factor) {
    return money.toBuilder().setCents(money.getCents() * factor).build();
  }

  private static Money plus(Money a, Money b) {
    return b.toBuilder().setCents(a.getCents() + b.getCents()).build();
  }

  public static void main(String[] args) throws Exception {
    int port = args.length > 0 ? Integer.parseInt(args[0]) : 50051;
    io.grpc.Server server = Grpc.newServerBuilderForPort(port, InsecureServerCredentials.create())
        .directExecutor() // safe: blocking handlers run on threads of their own
        .addService(CartLoop.bindService(new Server()))
        .build()
        .start();
    System.out.println("listening on port " + server.getPort());
    server.awaitTermination();
  }
}
// end-snippet
