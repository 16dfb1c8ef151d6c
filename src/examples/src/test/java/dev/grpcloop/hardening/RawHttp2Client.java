package dev.grpcloop.hardening;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * Just enough of an HTTP/2 client, on a plain socket, to start gRPC calls and then break them in
 * ways a real client library never would: stop in the middle of a frame, reset the connection.
 */
final class RawHttp2Client implements AutoCloseable {
  private static final byte[] PREFACE =
      "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
  private static final int DATA = 0x0;
  private static final int HEADERS = 0x1;
  private static final int RST_STREAM = 0x3;
  private static final int SETTINGS = 0x4;
  private static final int ACK = 0x1;
  private static final int END_STREAM = 0x1;
  private static final int END_HEADERS = 0x4;
  private static final int SETTINGS_INITIAL_WINDOW_SIZE = 0x4;
  private static final int MAX_FRAME = 16_384;

  private final Socket socket;
  private final OutputStream out;

  /**
   * Connects and sends the connection preface, announcing {@code initialWindowSize} as the window
   * the server may fill on each stream before this client reads (0: the server can send nothing).
   */
  RawHttp2Client(int port, int initialWindowSize) throws IOException {
    this(port);
    out.write(PREFACE);
    ByteBuffer setting = ByteBuffer.allocate(6);
    setting.putShort((short) SETTINGS_INITIAL_WINDOW_SIZE).putInt(initialWindowSize);
    frame(SETTINGS, 0, 0, setting.array(), setting.capacity());
    out.flush();
  }

  private RawHttp2Client(int port) throws IOException {
    socket = new Socket("127.0.0.1", port);
    out = socket.getOutputStream();
  }

  /** Connects and sends nothing: for writing something that is not HTTP/2 at all. */
  static RawHttp2Client withoutPreface(int port) throws IOException {
    return new RawHttp2Client(port);
  }

  /** Opens stream {@code streamId}: a gRPC request for {@code path}, such as /pkg.Svc/Method. */
  void startCall(int streamId, String path) throws IOException {
    ByteArrayOutputStream block = new ByteArrayOutputStream();
    literal(block, ":method", "POST");
    literal(block, ":scheme", "http");
    literal(block, ":path", path);
    literal(block, ":authority", "127.0.0.1");
    literal(block, "content-type", "application/grpc");
    literal(block, "te", "trailers");
    byte[] bytes = block.toByteArray();
    frame(HEADERS, END_HEADERS, streamId, bytes, bytes.length);
    out.flush();
  }

  /** Sends one whole gRPC message (length-prefixed, uncompressed) on the stream. */
  void sendMessage(int streamId, byte[] message) throws IOException {
    byte[] framed = grpcFrame(message);
    for (int offset = 0; offset < framed.length; offset += MAX_FRAME) {
      int length = Math.min(MAX_FRAME, framed.length - offset);
      byte[] chunk = new byte[length];
      System.arraycopy(framed, offset, chunk, 0, length);
      frame(DATA, 0, streamId, chunk, length);
    }
    out.flush();
  }

  /**
   * Starts a DATA frame that announces a whole gRPC message of {@code message.length} bytes but
   * sends only its first {@code sent} bytes: the connection now stands in the middle of a frame.
   */
  void sendPartialMessage(int streamId, byte[] message, int sent) throws IOException {
    byte[] framed = grpcFrame(message);
    if (framed.length > MAX_FRAME || sent >= framed.length) {
      throw new IllegalArgumentException("a partial message must fit one frame");
    }
    byte[] prefix = new byte[sent];
    System.arraycopy(framed, 0, prefix, 0, sent);
    header(framed.length, DATA, 0, streamId);
    out.write(prefix);
    out.flush();
  }

  /** Half-closes the stream: an empty DATA frame with END_STREAM. */
  void halfClose(int streamId) throws IOException {
    frame(DATA, END_STREAM, streamId, new byte[0], 0);
    out.flush();
  }

  /** Writes raw bytes, whatever they are. */
  void writeRaw(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
  }

  /**
   * Reads the server's frames until its SETTINGS, acknowledges them (from then on the server holds
   * this client to them: Netty applies its own settings once the peer has acknowledged), and
   * returns them, by identifier (0x3: SETTINGS_MAX_CONCURRENT_STREAMS).
   */
  Map<Integer, Long> acknowledgeServerSettings() throws IOException {
    for (;;) {
      Frame frame = readFrame();
      if (frame.type == SETTINGS && (frame.flags & ACK) == 0) {
        frame(SETTINGS, ACK, 0, new byte[0], 0);
        out.flush();
        Map<Integer, Long> settings = new HashMap<>();
        ByteBuffer payload = ByteBuffer.wrap(frame.payload);
        while (payload.remaining() >= 6) {
          settings.put(payload.getShort() & 0xffff, payload.getInt() & 0xffffffffL);
        }
        return settings;
      }
    }
  }

  /** Reads the server's frames until one resets {@code streamId}; returns its error code. */
  int awaitReset(int streamId) throws IOException {
    for (;;) {
      Frame frame = readFrame();
      if (frame.type == RST_STREAM && frame.streamId == streamId) {
        return ByteBuffer.wrap(frame.payload).getInt();
      }
    }
  }

  private record Frame(int type, int flags, int streamId, byte[] payload) {}

  private Frame readFrame() throws IOException {
    DataInputStream in = new DataInputStream(socket.getInputStream());
    byte[] header = new byte[9];
    try {
      in.readFully(header);
    } catch (EOFException e) {
      throw new EOFException("the server closed the connection");
    }
    ByteBuffer h = ByteBuffer.wrap(header);
    int length = ((h.get() & 0xff) << 16) | ((h.get() & 0xff) << 8) | (h.get() & 0xff);
    int type = h.get() & 0xff;
    int flags = h.get() & 0xff;
    int streamId = h.getInt() & 0x7fffffff;
    byte[] payload = new byte[length];
    in.readFully(payload);
    return new Frame(type, flags, streamId, payload);
  }

  /** Reads until the server closes the connection; returns how many bytes it sent. */
  long readUntilClosed() throws IOException {
    InputStream in = socket.getInputStream();
    return in.transferTo(OutputStream.nullOutputStream());
  }

  /** Closes the connection abruptly: a TCP reset, no GOAWAY, no END_STREAM. */
  void reset() throws IOException {
    socket.setSoLinger(true, 0);
    socket.close();
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }

  private static byte[] grpcFrame(byte[] message) {
    return ByteBuffer.allocate(5 + message.length).put((byte) 0).putInt(message.length)
        .put(message).array();
  }

  private void frame(int type, int flags, int streamId, byte[] payload, int length)
      throws IOException {
    header(length, type, flags, streamId);
    out.write(payload, 0, length);
  }

  private void header(int length, int type, int flags, int streamId) throws IOException {
    out.write(new byte[] {
        (byte) (length >>> 16), (byte) (length >>> 8), (byte) length,
        (byte) type, (byte) flags,
        (byte) (streamId >>> 24), (byte) (streamId >>> 16), (byte) (streamId >>> 8),
        (byte) streamId});
  }

  /** HPACK "literal header field without indexing, new name", no Huffman coding. */
  private static void literal(ByteArrayOutputStream block, String name, String value) {
    block.write(0);
    string(block, name);
    string(block, value);
  }

  private static void string(ByteArrayOutputStream block, String s) {
    byte[] bytes = s.getBytes(StandardCharsets.US_ASCII);
    if (bytes.length >= 127) {
      throw new IllegalArgumentException("header too long for this simple encoder: " + s);
    }
    block.write(bytes.length);
    block.write(bytes, 0, bytes.length);
  }
}
