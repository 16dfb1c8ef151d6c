package dev.grpcloop.serving;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * An example's command line: options written {@code --name value} or {@code --name=value}, from a
 * fixed set, flags (options without a value, such as {@code --event-loop}) from another, and the
 * operands that follow or sit between them ({@code --} ends the options).
 *
 * @param options each option given, by name with its dashes ({@code "--port"}), to its last value
 * @param operands the arguments that are not options, in order
 * @param flags the flags given, by name with their dashes
 */
public record CommandLine(Map<String, String> options, List<String> operands, Set<String> flags) {

  /** Copies the collections, so a parsed command line never changes. */
  public CommandLine {
    options = Map.copyOf(options);
    operands = List.copyOf(operands);
    flags = Set.copyOf(flags);
  }

  /**
   * Parses {@code args}, accepting only the options named in {@code known}, each with a value.
   *
   * @throws IllegalArgumentException for an unknown option or an option without a value, with a
   *     message fit to show the user
   */
  public static CommandLine parse(String[] args, Set<String> known) {
    return parse(args, known, Set.of());
  }

  /**
   * Parses {@code args}, accepting only the options named in {@code known}, each with a value,
   * and the flags named in {@code knownFlags}, each without one.
   *
   * @throws IllegalArgumentException for an unknown option, an option without a value or a flag
   *     with one, with a message fit to show the user
   */
  public static CommandLine parse(String[] args, Set<String> known, Set<String> knownFlags) {
    Map<String, String> options = new HashMap<>();
    List<String> operands = new ArrayList<>();
    Set<String> flags = new HashSet<>();
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
      if (knownFlags.contains(name)) {
        if (equals >= 0) {
          throw new IllegalArgumentException(name + " takes no value");
        }
        flags.add(name);
      } else if (!known.contains(name)) {
        Set<String> all = new TreeSet<>(known);
        all.addAll(knownFlags);
        throw new IllegalArgumentException("unknown option " + name + "; known: " + all);
      } else if (equals >= 0) {
        options.put(name, arg.substring(equals + 1));
      } else if (i + 1 < args.length) {
        options.put(name, args[++i]);
      } else {
        throw new IllegalArgumentException(name + " needs a value");
      }
    }
    return new CommandLine(options, operands, flags);
  }

  /** The value of option {@code name}, or {@code fallback} if it was not given. */
  public String option(String name, String fallback) {
    return options.getOrDefault(name, fallback);
  }

  /** Whether flag {@code name} was given. */
  public boolean has(String name) {
    return flags.contains(name);
  }

  /** The value of {@code --port}, or {@link ExampleServer#DEFAULT_PORT}. */
  public int port() {
    String port = options.get("--port");
    return port == null ? ExampleServer.DEFAULT_PORT : ExampleServer.parsePort(port);
  }
}
