package dev.grpcloop.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What of docs/proxy.md can be checked without a proxy installed: its Java snippet is the tested
 * handler, and each configuration block has the two addresses the proxy tests replace.
 */
@Timeout(30)
class ProxyPageTest {

  @Test
  void theSnippetIsTheTestedHandler() throws IOException {
    Matcher m = Pattern.compile(
            "^[ \\t]*// snippet:proxy-explicit-end\\n(.*?)^[ \\t]*// end-snippet",
            Pattern.DOTALL | Pattern.MULTILINE)
        .matcher(Files.readString(Path.of("src/test/java/dev/grpcloop/proxy/EchoBackend.java")));
    assertThat(m.find()).isTrue();
    assertThat(ProxyPage.snippet("proxy-explicit-end"))
        .isEqualTo(m.group(1).stripTrailing().stripIndent() + "\n");
  }

  @Test
  void eachConfigurationListensOnAndForwardsToOneAddress() {
    for (String name : new String[] {"nginx", "haproxy", "haproxy-tcp"}) {
      String config = ProxyPage.config(name);
      assertThat(ProxyPage.replaceOnce(config, ProxyPage.LISTEN, "x")).as(name).isNotNull();
      assertThat(ProxyPage.replaceOnce(config, ProxyPage.SERVER, "x")).as(name).isNotNull();
    }
  }
}
