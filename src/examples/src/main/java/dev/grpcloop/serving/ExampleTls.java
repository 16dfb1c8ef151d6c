package dev.grpcloop.serving;

import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ServerCredentials;
import io.grpc.TlsChannelCredentials;
import io.grpc.TlsServerCredentials;
import java.io.File;
import java.io.IOException;
import java.util.Set;

/**
 * The examples' TLS options, so that a chat room can run across machines privately. Plaintext
 * unless asked:
 *
 * <ul>
 *   <li>a server takes {@code --tls-cert CERT.pem --tls-key KEY.pem}: its certificate chain and
 *       the certificate's private key (unencrypted PKCS#8), PEM files;
 *   <li>a client takes {@code --tls-ca CA.pem}: the certificates it trusts, PEM; for a server with
 *       a self-signed certificate, that certificate itself. The certificate must name the host
 *       the client connects to ({@code --host}) among its subject alternative names.
 * </ul>
 */
public final class ExampleTls {
  private ExampleTls() {}

  /** A server's certificate chain, PEM. */
  public static final String CERT = "--tls-cert";

  /** A server's private key, PEM. */
  public static final String KEY = "--tls-key";

  /** The certificates a client trusts, PEM. */
  public static final String CA = "--tls-ca";

  /** The options of a server. */
  public static final Set<String> SERVER_OPTIONS = Set.of(CERT, KEY);

  /** The options of a client. */
  public static final Set<String> CLIENT_OPTIONS = Set.of(CA);

  /** Whether the command line asks a server for TLS. */
  public static boolean serverTls(CommandLine commandLine) {
    return commandLine.options().containsKey(CERT) || commandLine.options().containsKey(KEY);
  }

  /**
   * TLS with the certificate and key the command line names, or plaintext if it names none.
   *
   * @throws IllegalArgumentException if only one is named, or a file cannot be read, with a
   *     message fit to show the user
   */
  public static ServerCredentials serverCredentials(CommandLine commandLine) {
    if (!serverTls(commandLine)) {
      return InsecureServerCredentials.create();
    }
    String cert = commandLine.option(CERT, null);
    String key = commandLine.option(KEY, null);
    if (cert == null || key == null) {
      throw new IllegalArgumentException(
          CERT + " and " + KEY + " go together: a certificate and its private key");
    }
    try {
      return TlsServerCredentials.create(new File(cert), new File(key));
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read the TLS files: " + e.getMessage());
    }
  }

  /**
   * TLS trusting the certificates the command line names, or plaintext if it names none.
   *
   * @throws IllegalArgumentException if the file cannot be read, with a message fit to show the
   *     user
   */
  public static ChannelCredentials channelCredentials(CommandLine commandLine) {
    String ca = commandLine.option(CA, null);
    if (ca == null) {
      return InsecureChannelCredentials.create();
    }
    try {
      return TlsChannelCredentials.newBuilder().trustManager(new File(ca)).build();
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + CA + " " + ca + ": " + e.getMessage());
    }
  }
}
