package dev.grpcloop.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class CommandLineTest {
  private static final Set<String> KNOWN = Set.of("--port", "--name");

  @Test
  void readsOptionsInBothFormsAndKeepsOperandsInOrder() {
    CommandLine line = CommandLine.parse(
        new String[] {"a", "--port", "7", "b", "--name=x y", "--", "--port", "c"}, KNOWN);
    assertThat(line.port()).isEqualTo(7);
    assertThat(line.option("--name", "?")).isEqualTo("x y");
    assertThat(line.operands()).containsExactly("a", "b", "--port", "c");
  }

  @Test
  void readsFlagsWithoutTakingTheNextArgumentAsTheirValue() {
    CommandLine line = CommandLine.parse(
        new String[] {"--event-loop", "a", "--port", "7"}, KNOWN, Set.of("--event-loop"));
    assertThat(line.has("--event-loop")).isTrue();
    assertThat(line.has("--help")).isFalse();
    assertThat(line.operands()).containsExactly("a");
    assertThat(line.port()).isEqualTo(7);
    assertThatThrownBy(() -> CommandLine.parse(
        new String[] {"--event-loop=yes"}, KNOWN, Set.of("--event-loop")))
        .hasMessage("--event-loop takes no value");
    assertThatThrownBy(() -> CommandLine.parse(
        new String[] {"--event-lop"}, KNOWN, Set.of("--event-loop")))
        .hasMessage("unknown option --event-lop; known: [--event-loop, --name, --port]");
  }

  @Test
  void fallsBackToDefaults() {
    CommandLine line = CommandLine.parse(new String[0], KNOWN);
    assertThat(line.port()).isEqualTo(ExampleServer.DEFAULT_PORT);
    assertThat(line.option("--name", "none")).isEqualTo("none");
  }

  @Test
  void refusesWhatItDoesNotKnowWithAMessageForTheUser() {
    assertThatThrownBy(() -> CommandLine.parse(new String[] {"--nmae", "x"}, KNOWN))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("unknown option --nmae");
    assertThatThrownBy(() -> CommandLine.parse(new String[] {"--name"}, KNOWN))
        .hasMessage("--name needs a value");
    assertThatThrownBy(() -> CommandLine.parse(new String[] {"--port", "http"}, KNOWN).port())
        .hasMessage("--port takes a number from 0 to 65535, not http");
  }
}
