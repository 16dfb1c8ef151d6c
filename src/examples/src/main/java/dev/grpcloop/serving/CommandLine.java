package dev.grpcloop.serving;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An example's command line: options written {@code --name value} or {@code --name=value}, from a
 * fixed set, and the operands that follow or sit between them ({@code --} ends the options).
 *
 * @param options each option given, by name with its dashes ({@code "--port"}), to its last value
 * @param operands the arguments that are not options, in order
 */
public record CommandLine(Map<String, String> options, List<String> operands) {

  /** Copies both collections, so a parsed command line never changes. */
  public CommandLine {
    options = Map.copyOf(options);
    operands = List.copyOf(operands);
  }

  /**
   * Parses {@code args}, accepting only the options named in {@code known}.
   *
   * @throws IllegalArgumentException for an unknown option or an option without a value, with a
   *     message fit to show the user
   */
  public static CommandLine parse(String[] args, Set<String> known) {
    Map<String, String> options = new HashMap<>();
    List<String> operands = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (arg.equals("--")) {
        operands.addAll(List.of(args).subList(i + 1, args.length));
        break;
      }
      if (!arg.startsWith("--")) {
        operands.add(arg);
        continue;
      }
      int equals = arg.indexOf('=');
      String name = equals < 0 ? arg : arg.substring(0, equals);
      if (!known.contains(name)) {
        throw new IllegalArgumentException("unknown option " + name + "; known: " + known);
      }
      if (equals >= 0) {
        options.put(name, arg.substring(equals + 1));
      } else if (i + 1 < args.length) {
        options.put(name, args[++i]);
      } else {
        throw new IllegalArgumentException(name + " needs a value");
      }
    }
    return new CommandLine(options, operands);
  }

  /** The value of option {@code name}, or {@code fallback} if it was not given. */
  public String option(String name, String fallback) {
    return options.getOrDefault(name, fallback);
  }

  /** The value of {@code --port}, or {@link ExampleServer#DEFAULT_PORT}. */
  public int port() {
    String port = options.get("--port");
    return port == null ? ExampleServer.DEFAULT_PORT : ExampleServer.parsePort(port);
  }
}
