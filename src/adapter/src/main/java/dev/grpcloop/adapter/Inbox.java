package dev.grpcloop.adapter;

/**
 * The messages a call holds for {@code recv}, oldest first, with the sum of their sizes, and the
 * credit the call gives grpc for more: inbound flow control. Not thread-safe: its call's lock
 * guards it. {@code open} in a method's arguments says that grpc may still deliver messages.
 *
 * <p>At most one message is asked for at a time ({@link #claimCredit}), and only while the inbox
 * holds fewer than {@link #MAX_MESSAGES} and fewer bytes than its bound: so it
 * holds at most that bound plus one message. A message counts the serialized size its marshaller
 * tells once it is delivered ({@link Marshalling.Sizes}). A call of one request asks for two at its
 * start and never more: the one, and enough to tell that a client sent too many.
 *
 * <p>A client's call also takes a place for a message as soon as the transport reads it ({@link
 * #read}), with its size on the wire, and asks for the next at once: reading ahead then never waits
 * for the thread the message goes to. The message fills the oldest place when grpc delivers it
 * ({@link #delivered}), however late: so a response that a client interceptor holds back still
 * counts. One that an interceptor drops never comes, and its place stays taken: an interceptor that
 * drops a response must ask for another ({@code request(1)}), as grpc's own stubs need it to, or
 * the call waits for it. Places are always the newest: {@link #poll} stops at the first.
 *
 * <p>The ring is made by the first message and released when recv waits on an empty inbox, so
 * that an idle or waiting stream carries none.
 *
 * @param <T> the message type
 */
final class Inbox<T> {

  /** The most messages an inbox holds (with fewer bytes than its bound), and one more. */
  static final int MAX_MESSAGES = 64;

  /** No message is asked for while the inbox holds this many bytes. */
  private final long maxBytes;

  /** Whether messages are asked for as recv takes them (false: a call of one request). */
  private final boolean streaming;

  /** The ring of messages and places, or null while it holds none. */
  private Object[] items;

  /** sizes[i] is the size in bytes of items[i]. */
  private int[] sizes;

  /** Index of the oldest message. */
  private int head;

  /** Messages held and places taken. */
  private int count;

  /** Sum of the sizes of the messages held and places taken. */
  private long bytes;

  /** How many of the newest places wait for their message. */
  private int reserved;

  /** Messages asked of grpc that have not arrived; 0 or 1 but for interceptors' asks. */
  private int inFlight;

  Inbox(int maxBytes, boolean streaming) {
    this.maxBytes = maxBytes;
    this.streaming = streaming;
  }

  /** Counts the first {@code count} messages asked for: the call's initial credit. */
  void requested(int count) {
    inFlight += count;
  }

  /**
   * The transport read a message of {@code size} bytes on the wire: takes its place, if the size is
   * known and the message was asked for. Returns whether to ask for the next.
   */
  boolean read(int size, boolean open) {
    if (size < 0 || inFlight == 0 || !open) {
      return false; // it counts from its delivery, as on a server
    }
    inFlight--;
    append(null, size);
    reserved++;
    return claimCredit(open);
  }

  /**
   * grpc delivered {@code message}, of {@code size} ({@link Marshalling#UNKNOWN_SIZE}: the size of
   * its place, or 0): fills the oldest place, or arrives as on a server if it has none. Returns
   * whether to ask for the next.
   */
  boolean delivered(T message, int size, boolean open) {
    if (reserved == 0 || !open) {
      return arrived(message, Math.max(0, size), open);
    }
    int slot = (head + count - reserved) % items.length;
    if (size >= 0) {
      bytes += size - sizes[slot];
      sizes[slot] = size;
    }
    items[slot] = message;
    reserved--;
    return claimCredit(open); // its own size may leave room that its size on the wire did not
  }

  /**
   * A message arrived with no place taken: held if {@code open}, even beyond what was asked for
   * (an interceptor asked too). Returns whether to ask for the next.
   */
  private boolean arrived(T message, int size, boolean open) {
    inFlight = Math.max(0, inFlight - 1);
    if (open) {
      append(message, size);
    }
    return claimCredit(open);
  }

  /** Takes the oldest message, or returns null if there is none (or it has yet to come). */
  @SuppressWarnings("unchecked")
  T poll() {
    if (count == reserved) {
      return null;
    }
    T message = (T) items[head];
    items[head] = null;
    bytes -= sizes[head];
    head = (head + 1) % items.length;
    count--;
    return message;
  }

  /** Drops every message held and every place: the call gave up. */
  void drop() {
    items = null;
    sizes = null;
    head = count = reserved = 0;
    bytes = 0;
  }

  /**
   * Whether to ask grpc for one more message now; if so, counts it as in flight. Called where room
   * may have appeared: as recv takes a message, and as one arrives.
   */
  boolean claimCredit(boolean open) {
    if (!streaming || !open || inFlight > 0
        || count >= MAX_MESSAGES || bytes >= maxBytes) {
      return false;
    }
    inFlight = 1;
    return true;
  }

  private void append(T message, int size) {
    if (items == null) {
      items = new Object[4];
      sizes = new int[4];
      head = 0;
    } else if (count == items.length) {
      grow();
    }
    int tail = (head + count) % items.length;
    items[tail] = message;
    sizes[tail] = size;
    count++;
    bytes += size;
  }

  private void grow() {
    Object[] grownItems = new Object[count * 2];
    int[] grownSizes = new int[count * 2];
    for (int i = 0; i < count; i++) {
      grownItems[i] = items[(head + i) % count];
      grownSizes[i] = sizes[(head + i) % count];
    }
    items = grownItems;
    sizes = grownSizes;
    head = 0;
  }

  /** Releases the ring if it holds nothing: called before recv waits. */
  void releaseIfEmpty() {
    if (count == 0) {
      items = null;
      sizes = null;
    }
  }
}
