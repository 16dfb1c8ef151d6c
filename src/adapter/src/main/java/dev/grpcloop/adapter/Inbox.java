package dev.grpcloop.adapter;

/**
 * The messages a call holds for {@code recv}, oldest first, with the sum of their sizes: a ring
 * that grows on demand (grpc may deliver more than the call asked for, when an interceptor asked
 * too). Not thread-safe: its call's lock guards it. The call drops it when it is empty, so that an
 * idle or parked stream carries none.
 *
 * <p>A client's call also holds places for messages the transport has read but grpc has not
 * delivered yet ({@link #reserve}): they count, with their sizes on the wire, from the moment they
 * are read, and take their message, in order, and its own size, when it comes ({@link #fill}).
 * They are always the newest: {@link #poll} stops at the first.
 *
 * @param <T> the message type
 */
final class Inbox<T> {

  /** The ring of messages; slots outside [head, head + count) are null. */
  private Object[] items = new Object[4];

  /** sizes[i] is the size in bytes of items[i]. */
  private int[] sizes = new int[4];

  /** Index of the oldest message. */
  private int head;

  /** Number of messages held. */
  private int count;

  /** Sum of the sizes of the messages held. */
  private long bytes;

  /** How many of the newest places wait for their message. */
  private int reserved;

  /** Messages held and places reserved. */
  int count() {
    return count;
  }

  /** Places that wait for their message. */
  int reserved() {
    return reserved;
  }

  long bytes() {
    return bytes;
  }

  void add(T message, int size) {
    if (reserved > 0) {
      throw new IllegalStateException("a message added behind places reserved for others");
    }
    append(message, size);
  }

  /** Holds a place, and its size, for a message read that grpc has yet to deliver. */
  void reserve(int size) {
    append(null, size);
    reserved++;
  }

  /**
   * Puts {@code message} in the oldest reserved place, which counts {@code size} from now on, or
   * still the size it was read with if that is {@link Marshalling#UNKNOWN_SIZE}.
   */
  void fill(T message, int size) {
    if (reserved == 0) {
      throw new IllegalStateException("no place reserved");
    }
    int slot = (head + count - reserved) % items.length;
    if (size >= 0) {
      bytes += size - sizes[slot];
      sizes[slot] = size;
    }
    items[slot] = message;
    reserved--;
  }

  /** Gives up the newest reserved place: its message will not come. */
  void unreserve() {
    if (reserved == 0) {
      throw new IllegalStateException("no place reserved");
    }
    int slot = (head + count - 1) % items.length;
    bytes -= sizes[slot];
    sizes[slot] = 0;
    count--;
    reserved--;
  }

  private void append(T message, int size) {
    if (count == items.length) {
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
    int tail = (head + count) % items.length;
    items[tail] = message;
    sizes[tail] = size;
    count++;
    bytes += size;
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
}
