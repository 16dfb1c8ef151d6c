package dev.grpcloop.serving;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcloop.adapter.BlockingClientCalls;
import dev.grpcloop.adapter.BlockingServerCalls;
import dev.grpcloop.adapter.ClientStream;
import dev.grpcloop.adapter.ServerCallScope;
import dev.grpcloop.adapter.ServerStream;
import dev.grpcloop.chat.ChatServer;
import dev.grpcloop.chat.ChatService;
import dev.grpcloop.chat.proto.ChatServiceGrpc;
import dev.grpcloop.chat.proto.ChatServiceLoop;
import dev.grpcloop.chat.proto.ClientMessage;
import dev.grpcloop.chat.proto.Join;
import dev.grpcloop.chat.proto.ServerMessage;
import dev.grpcloop.echo.EchoServer;
import dev.grpcloop.echo.EchoService;
import dev.grpcloop.echo.proto.EchoServiceGrpc;
import dev.grpcloop.echo.proto.EchoServiceLoop;
import dev.grpcloop.echo.proto.Message;
import dev.grpcloop.numbers.NumbersServer;
import dev.grpcloop.numbers.NumbersService;
import dev.grpcloop.numbers.proto.Number;
import dev.grpcloop.numbers.proto.NumbersGrpc;
import dev.grpcloop.numbers.proto.NumbersLoop;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.protobuf.services.HealthStatusManager;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The example servers' {@code --event-loop}: each of echo, chat and numbers, started with it, runs
 * its handlers on the mode's event loops and says so in its start line; a JVM without the mode's
 * flag gets a message naming it, no stack trace, and a server in the default mode; {@code --help}
 * lists the flag.
 *
 * <p>In this JVM (the tests run with the flag) the servers start as {@link ExampleServer#run}
 * starts them, each service's handler wrapped to note the carrier it runs on; in JVMs of their
 * own, the servers' {@code main} as a user runs it.
 */
@Timeout(120)
class EventLoopOptionTest {
  private static final String ADD_OPENS = "--add-opens=java.base/java.lang=ALL-UNNAMED";
  private static final String ON_LOOPS = " (event-loop mode: handlers on the event loops)";

  /** The carriers the handlers ran on, as each handler found it on entry. */
  private final Queue<String> carriers = new ConcurrentLinkedQueue<>();
  private final PrintedLines err = new PrintedLines();
  private final List<AutoCloseable> toClose = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable closeable : toClose.reversed()) {
      closeable.close();
    }
  }

  @Test
  void echoWithTheFlagRunsItsHandlerOnALoop() throws Exception {
    EchoServiceLoop.Service noted = notedEcho();
    Started server = start("echo", options -> EchoServiceLoop.bindService(noted, options),
        "--port", "0", ExampleServer.EVENT_LOOP);

    assertThat(server.startLine()).endsWith(ON_LOOPS);
    assertThat(echo(channel(server.port()), "hello")).isEqualTo("hello");
    assertThat(carriers).singleElement().asString().startsWith("grpc-loop-carrier-");
    assertThat(err.lines()).isEmpty();
  }

  /** The same check without the flag: the handler is not on a loop, so the check can fail. */
  @Test
  void echoWithoutTheFlagRunsItsHandlerOffTheLoops() throws Exception {
    EchoServiceLoop.Service noted = notedEcho();
    Started server = start("echo", options -> EchoServiceLoop.bindService(noted, options),
        "--port", "0");

    assertThat(server.startLine())
        .isEqualTo("echo server listening on port " + server.port());
    assertThat(echo(channel(server.port()), "hello")).isEqualTo("hello");
    assertThat(carriers).singleElement().asString().doesNotStartWith("grpc-loop-carrier-");
  }

  /** The echo service, noting the carrier its handler runs on. */
  private EchoServiceLoop.Service notedEcho() {
    EchoService echo = new EchoService();
    return new EchoServiceLoop.Service() {
      @Override
      public void echoStream(ServerStream<Message, Message> stream) throws Exception {
        noteCarrier();
        echo.echoStream(stream);
      }
    };
  }

  @Test
  void numbersWithTheFlagRunsItsUnaryHandlerOnALoop() throws Exception {
    NumbersService numbers = new NumbersService();
    NumbersLoop.Service noted = new NumbersLoop.Service() {
      @Override
      public Number square(Number request, ServerCallScope call) throws Exception {
        noteCarrier();
        return numbers.square(request, call);
      }
    };
    Started server = start("numbers", options -> NumbersLoop.bindService(noted, options),
        "--port", "0", ExampleServer.EVENT_LOOP);

    assertThat(server.startLine()).endsWith(ON_LOOPS);
    assertThat(square(channel(server.port()), 12)).isEqualTo(144);
    assertThat(carriers).singleElement().asString().startsWith("grpc-loop-carrier-");
    assertThat(err.lines()).isEmpty();
  }

  @Test
  void chatWithTheFlagRunsAMembersHandlerOnALoop() throws Exception {
    ChatService room = new ChatService();
    ChatServiceLoop.Service noted = new ChatServiceLoop.Service() {
      @Override
      public void chat(ServerStream<ClientMessage, ServerMessage> stream) throws Exception {
        noteCarrier();
        room.chat(stream);
      }
    };
    Started server = start("chat", options -> ChatServiceLoop.bindService(noted, options),
        "--port", "0", ExampleServer.EVENT_LOOP);

    assertThat(server.startLine()).endsWith(ON_LOOPS);
    assertThat(joinAndLeave(channel(server.port()), "ada").getWelcome().getName())
        .isEqualTo("ada");
    assertThat(carriers).singleElement().asString().startsWith("grpc-loop-carrier-");
    assertThat(err.lines()).isEmpty();
  }

  /** Each server's own main, with the flag and the JVM flag the pom passes: one call each. */
  @ParameterizedTest
  @ValueSource(classes = {EchoServer.class, NumbersServer.class, ChatServer.class})
  void eachServersMainWithTheFlagSaysItRunsOnTheLoopsAndAnswers(Class<?> main) throws Exception {
    ExampleProcess server = process(ExampleProcess.startWithErrors(ExampleProcess.java(
        List.of(ADD_OPENS), main, "--port", "0", ExampleServer.EVENT_LOOP)));
    String name = main.getSimpleName().replace("Server", "").toLowerCase(Locale.ROOT);
    String listening = server.awaitLine(line -> line.contains(" server listening on port "));
    assertThat(listening).startsWith(name + " server listening on port ").endsWith(ON_LOOPS);
    ManagedChannel channel = channel(Integer.parseInt(listening.split(" ")[5]));
    switch (name) {
      case "echo" -> assertThat(echo(channel, "hi")).isEqualTo("hi");
      case "numbers" -> assertThat(square(channel, 7)).isEqualTo(49);
      case "chat" -> assertThat(joinAndLeave(channel, "bob").hasWelcome()).isTrue();
      default -> throw new AssertionError(name);
    }
    server.stop();
    assertThat(server.remainingLines()).contains(name + " server stopped");
  }

  @Test
  void aJvmWithoutTheFlagIsToldWhichFlagAndServesInTheDefaultMode() throws Exception {
    ExampleProcess server = process(ExampleProcess.startWithErrors(ExampleProcess.java(
        List.of(), EchoServer.class, "--port", "0", ExampleServer.EVENT_LOOP)));
    String listening = server.awaitLine(line -> line.contains(" server listening on port "));
    assertThat(listening).startsWith("echo server listening on port ")
        .endsWith(" (default mode: --event-loop needs a JVM flag, see above)");
    assertThat(echo(channel(Integer.parseInt(listening.split(" ")[5])), "still here"))
        .isEqualTo("still here");
    server.stop();
    List<String> lines = new ArrayList<>(server.seenLines());
    lines.addAll(server.remainingLines());
    assertThat(lines).as("everything the server printed").anySatisfy(line -> assertThat(line)
        .startsWith("echo server: --event-loop needs the JVM flag "
            + "--add-opens java.base/java.lang=ALL-UNNAMED, which this JVM was started without:")
        .contains("serving in the default mode instead"));
    assertThat(lines).anySatisfy(line -> assertThat(line)
        .contains("exec:exec@echo-server -Dargs=--event-loop, which passes it"));
    assertThat(lines).as("no stack trace, no exception")
        .noneMatch(line -> line.startsWith("\tat ") || line.contains("Exception"));
  }

  @Test
  void helpListsTheFlagAndExitsZero() throws Exception {
    ExampleProcess server = process(ExampleProcess.startWithErrors(
        ExampleProcess.java(List.of(), EchoServer.class, ExampleServer.HELP)));
    List<String> lines = server.remainingLines();
    assertThat(server.awaitExit()).isZero();
    assertThat(lines.get(0)).startsWith("usage: echo server ").contains("[--event-loop]");
    assertThat(lines).anySatisfy(line -> assertThat(line).startsWith("  --event-loop  run each"));
    assertThat(lines).anySatisfy(line -> assertThat(line)
        .contains("--add-opens java.base/java.lang=ALL-UNNAMED"));
  }

  private void noteCarrier() {
    String thread = Thread.currentThread().toString();
    carriers.add(thread.substring(thread.lastIndexOf('@') + 1));
  }

  /** A server started as {@link ExampleServer#run} starts one, and the line it would print. */
  private record Started(Server server, String startLine) {
    int port() {
      return server.getPort();
    }
  }

  /** Starts {@code service} as {@link ExampleServer#run} starts it for {@code args}. */
  private Started start(String name,
      Function<BlockingServerCalls.Options, ServerServiceDefinition> service, String... args)
      throws Exception {
    CommandLine commandLine =
        CommandLine.parse(args, ExampleServer.OPTIONS, ExampleServer.FLAGS);
    Server server = ExampleServer.start(name, commandLine, InsecureServerCredentials.create(),
        builder -> {}, new HealthStatusManager(), List.of(service), err.stream);
    toClose.add(() -> server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS));
    return new Started(server, ExampleServer.startLine(name, commandLine, server));
  }

  private ExampleProcess process(ExampleProcess process) {
    toClose.add(process);
    return process;
  }

  private ManagedChannel channel(int port) {
    ManagedChannel channel = Grpc.newChannelBuilderForAddress(
        "127.0.0.1", port, InsecureChannelCredentials.create()).build();
    toClose.add(() -> channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
    return channel;
  }

  private static String echo(ManagedChannel channel, String text) throws Exception {
    try (ClientStream<Message, Message> stream =
        BlockingClientCalls.bidiStreaming(channel, EchoServiceGrpc.getEchoStreamMethod())) {
      stream.send(Message.newBuilder().setText(text).build());
      String echoed = stream.recv().getText();
      stream.closeSend();
      assertThat(stream.recv()).isNull();
      return echoed;
    }
  }

  private static long square(ManagedChannel channel, long value) throws Exception {
    return BlockingClientCalls.unary(channel, NumbersGrpc.getSquareMethod(),
        Number.newBuilder().setValue(value).build()).getValue();
  }

  /** Joins the room as {@code name}, leaves, and returns the welcome. */
  private static ServerMessage joinAndLeave(ManagedChannel channel, String name)
      throws Exception {
    try (ClientStream<ClientMessage, ServerMessage> stream =
        BlockingClientCalls.bidiStreaming(channel, ChatServiceGrpc.getChatMethod())) {
      stream.send(ClientMessage.newBuilder().setJoin(Join.newBuilder().setName(name)).build());
      ServerMessage welcome = stream.recv();
      assertThat(welcome.hasWelcome()).as("the first message is a welcome: %s", welcome).isTrue();
      stream.closeSend();
      assertThat(stream.recv()).isNull();
      return welcome;
    }
  }
}
