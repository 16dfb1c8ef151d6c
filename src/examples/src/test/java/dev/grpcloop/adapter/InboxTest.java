package dev.grpcloop.adapter;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The inbox's flow control alone, as its call drives it under the lock: what a read, a delivery
 * and the initial credit do to the credit that the call may give grpc next ({@code true}: ask
 * for one more). The calls' tests see these rules only through the messages a transport
 * delivers; a few of them change nothing a transport test can see at once, and are pinned here.
 */
@Timeout(10)
class InboxTest {

  /** Eight bytes: one message of 8, or two of 4, fill it. */
  private static final int BOUND = 8;

  private final Inbox<String> inbox = new Inbox<>(BOUND, true);

  @Test
  void theInitialCreditIsInFlightSoNoMoreIsAskedForBeforeAMessageComes() {
    inbox.requested(1);
    assertThat(inbox.claimCredit(true)).isFalse();
  }

  @Test
  void aReadOfAMessageAskedForTakesItsPlaceAndAsksForTheNext() {
    inbox.requested(1);
    assertThat(inbox.read(0, true)).as("a read of an empty message").isTrue();
    assertThat(inbox.poll()).as("its place holds no message yet").isNull();
    assertThat(inbox.delivered("a", 0, true)).as("in flight: the next").isFalse();
    assertThat(inbox.poll()).isEqualTo("a");
  }

  @Test
  void aReadOfUnknownSizeTakesNoPlace() {
    inbox.requested(1);
    assertThat(inbox.read(Marshalling.UNKNOWN_SIZE, true)).isFalse();
    assertThat(inbox.claimCredit(true)).as("the message is still in flight").isFalse();
    assertThat(inbox.delivered("a", Marshalling.UNKNOWN_SIZE, true)).as("counted from here")
        .isTrue();
    assertThat(inbox.poll()).isEqualTo("a");
  }

  @Test
  void aReadOfAMessageNotAskedForTakesNoPlace() {
    assertThat(inbox.read(4, true)).isFalse();
    assertThat(inbox.delivered("a", 4, true)).as("it arrives as on a server").isTrue();
    assertThat(inbox.poll()).isEqualTo("a");
  }

  @Test
  void aReadOnceMessagesCanNoLongerArriveChangesNothing() {
    inbox.requested(1);
    assertThat(inbox.read(4, false)).isFalse();
    assertThat(inbox.claimCredit(true)).as("the credit is untouched").isFalse();
  }

  @Test
  void aDeliveryCountsItsOwnSizeInsteadOfItsSizeOnTheWire() {
    inbox.requested(1);
    assertThat(inbox.read(BOUND, true)).as("the bound is full with the read").isFalse();
    assertThat(inbox.delivered("a", 0, true)).as("its own size leaves room").isTrue();
  }

  @Test
  void aDeliveryOfUnknownSizeKeepsItsSizeOnTheWire() {
    inbox.requested(1);
    assertThat(inbox.read(BOUND, true)).isFalse();
    assertThat(inbox.delivered("a", Marshalling.UNKNOWN_SIZE, true)).isFalse();
    assertThat(inbox.poll()).isEqualTo("a");
    assertThat(inbox.claimCredit(true)).as("taken: room again").isTrue();
  }
}
