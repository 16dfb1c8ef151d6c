// snippet:user-project-client
package com.example.shop;

import com.example.shop.cart.CartLoop;
import com.example.shop.cart.Item;
import com.example.shop.common.Money;
import dev.grpcloop.adapter.ClientRecvStream;
import dev.grpcloop.adapter.ClientSendStream;
import dev.grpcloop.adapter.ClientStream;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;

/** Calls each method of shop.cart.v1.Cart once. Usage: Client [PORT]. */
public final class Client {
  public static void main(String[] args) throws Exception {
    String target = "localhost:" + (args.length > 0 ? args[0] : "50051");
    ManagedChannel channel =
        Grpc.newChannelBuilder(target, InsecureChannelCredentials.create()).build();
    CartLoop.Stub cart = CartLoop.newStub(channel);
    Item tea = item("tea", 250, 3);
    Item cake = item("cake", 400, 1);
    try {
      System.out.println("price: " + cart.price(tea).getCents());

      try (ClientRecvStream<Item> items = cart.unpack(tea)) {  // server-streaming: recv
        for (Item item; (item = items.recv()) != null; ) {
          System.out.println("unpacked: " + item.getName());
        }
      }

      try (ClientSendStream<Item, Money> checkout = cart.checkout()) {  // send, closeAndRecv
        checkout.send(tea);
        checkout.send(cake);
        Money total = checkout.closeAndRecv();
        System.out.println("total: " + total.getCents() + " " + total.getCurrency().getCode());
      }

      try (ClientStream<Item, Money> running = cart.runningTotal()) {  // bidi: both at once
        running.startSender(() -> {
          running.send(tea);
          running.send(cake);
        });
        for (Money total; (total = running.recv()) != null; ) {
          System.out.println("running total: " + total.getCents());
        }
      }
    } finally {
      channel.shutdownNow();
    }
  }

  private static Item item(String name, long cents, int quantity) {
    Money price = Money.newBuilder().setCents(cents)
        .setCurrency(Money.Currency.newBuilder().setCode("EUR")).build();
    return Item.newBuilder().setName(name).setUnitPrice(price).setQuantity(quantity).build();
  }
}
// end-snippet
