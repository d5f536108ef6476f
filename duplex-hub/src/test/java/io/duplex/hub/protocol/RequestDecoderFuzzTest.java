package io.duplex.hub.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.duplex.hub.Publication;
import io.duplex.hub.StreamPosition;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Coverage-guided fuzzing of both ways a client request arrives: the input as the UTF-8 text of a JSON message,
 * and the same bytes as a binary publish frame. The only acceptable failure is a ProtocolException (bad_request,
 * with an id in the protocol's range); whatever decodes must pass the checks the decoder is meant to have made,
 * and a publication built from it must encode, since that happens later on the delivery path.
 */
class RequestDecoderFuzzTest {
    private static final int MAX_TOPIC = 200;
    private static final RequestDecoder DECODER = new RequestDecoder(MAX_TOPIC);

    @FuzzTest
    void decode(byte[] input) {
        String text = new String(input, StandardCharsets.UTF_8);
        // The id a rate refusal names is found without decoding: never an error, and the decoder's id when it decodes.
        long peeked = RequestDecoder.peekId(text);
        assertThat(peeked).isBetween(0L, RequestDecoder.MAX_ID);
        try {
            Request r = DECODER.decode(text);
            revalidate(r);
            assertThat(peeked).as("id peeked before decoding").isEqualTo(r.id());
        } catch (ProtocolException e) {
            checkRefusal(e);
        }
        try {
            Request.Publish p = DECODER.decodeBinary(ByteBuffer.wrap(input));
            assertThat(p.id()).isBetween(0L, 0xffffffffL);
            revalidate(p);
        } catch (ProtocolException e) {
            checkRefusal(e);
        }
    }

    private static void checkRefusal(ProtocolException e) {
        assertThat(e.code()).isEqualTo(ErrorCode.BAD_REQUEST);
        assertThat(e.getMessage()).isNotEmpty();
        assertThat(e.id()).isBetween(0L, RequestDecoder.MAX_ID);
    }

    private static void revalidate(Request r) {
        assertThat(r.id()).isBetween(0L, RequestDecoder.MAX_ID);
        if (r instanceof Request.Subscribe s) {
            topic(s.topic());
            position(s.recover());
            if (s.info() != null) {
                assertThat(s.info().isNull()).isFalse();
                Replies.bytes(s.info());
            }
        } else if (r instanceof Request.Unsubscribe u) {
            topic(u.topic());
        } else if (r instanceof Request.Presence p) {
            topic(p.topic());
        } else if (r instanceof Request.History h) {
            topic(h.topic());
            assertThat(h.limit()).isGreaterThanOrEqualTo(-1);
            position(h.since());
        } else if (r instanceof Request.Refresh t) {
            assertThat(t.token().length()).isBetween(1, RequestDecoder.MAX_TOKEN_LENGTH);
        } else if (r instanceof Request.Publish p) {
            publish(p);
        } else {
            assertThat(r).isInstanceOf(Request.Ping.class);
        }
    }

    private static void position(StreamPosition p) {
        if (p != null) {
            assertThat(p.offset()).isNotNegative();
            assertThat(p.epoch().length()).isLessThanOrEqualTo(64);
        }
    }

    private static void publish(Request.Publish p) {
        topic(p.topic());
        if (p.key() != null) {
            assertThat(p.key().length()).isBetween(1, RequestDecoder.MAX_KEY_LENGTH);
        }
        assertThat(p.json() == null).isNotEqualTo(p.binary() == null);
        if (p.json() != null) {
            assertThat(Utf8.wellFormed(p.json())).isTrue();
            assertThat(Utf8.length(p.json())).isEqualTo(p.json().getBytes(StandardCharsets.UTF_8).length);
        }
        // What the hub does with it next: one pub message for every subscriber, and the history form.
        Publication pub = new Publication(p.topic(), "e", 1, p.json(), p.binary(), "u", 0, null);
        assertThat(pub.wire()).isNotEmpty();
        assertThat(Replies.publication(pub).get("type").asText()).isEqualTo("pub");
    }

    private static void topic(String topic) {
        assertThat(Topics.problem(topic, MAX_TOPIC)).isNull();
    }
}
