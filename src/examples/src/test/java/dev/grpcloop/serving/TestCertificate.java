package dev.grpcloop.serving;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A self-signed certificate for localhost and 127.0.0.1 (its subject alternative names), made with the JDK alone: {@code keytool}
 * (from this JVM's own JDK) generates the key pair and certificate in a PKCS#12 key store, and
 * this class writes both out as the PEM files grpc takes. A client trusts such a server by naming
 * the certificate itself as its CA.
 *
 * @param cert the certificate, PEM: the server's chain, and the client's trusted CA
 * @param key the private key, unencrypted PKCS#8 PEM
 */
public record TestCertificate(Path cert, Path key) {
  private static final String PASSWORD = "changeit";

  /** Makes a certificate in {@code dir}, its files named after {@code name}. */
  public static TestCertificate create(Path dir, String name)
      throws IOException, InterruptedException, GeneralSecurityException {
    Path store = dir.resolve(name + ".p12");
    Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
    Process process = new ProcessBuilder(keytool.toString(), "-genkeypair",
        "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1",
        "-dname", "CN=" + name, "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-validity", "2",
        "-keystore", store.toString(), "-storetype", "PKCS12",
        "-storepass", PASSWORD, "-keypass", PASSWORD)
        .redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
      throw new IOException("keytool failed: " + output);
    }
    KeyStore keyStore = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(store)) {
      keyStore.load(in, PASSWORD.toCharArray());
    }
    Key key = keyStore.getKey(name, PASSWORD.toCharArray());
    TestCertificate files =
        new TestCertificate(dir.resolve(name + "-cert.pem"), dir.resolve(name + "-key.pem"));
    Files.write(files.cert, pem("CERTIFICATE", keyStore.getCertificate(name).getEncoded()));
    Files.write(files.key, pem("PRIVATE KEY", key.getEncoded())); // PKCS#8, as key.getFormat() says
    return files;
  }

  private static List<String> pem(String type, byte[] der) {
    return List.of("-----BEGIN " + type + "-----",
        Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der),
        "-----END " + type + "-----");
  }
}
