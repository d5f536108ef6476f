package io.duplex.protocol.deflate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.duplex.protocol.WebSocketProtocol;
import io.duplex.protocol.handshake.ExtensionHeader;
import io.duplex.protocol.handshake.ExtensionOffer;
import io.duplex.protocol.handshake.NegotiatedExtension;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** RFC 7692 section 7.1: offers and the answers the server gives, as a table. */
class PerMessageDeflateNegotiationTest {

    /** A factory that claims every window size, so the table tests negotiation only. */
    private static final DeflaterFactory ALL_WINDOWS = new DeflaterFactory() {
        @Override
        public boolean supportsWindowBits(int bits) {
            return bits >= 8 && bits <= 15;
        }

        @Override
        public MessageDeflater create(int windowBits, int level) {
            throw new UnsupportedOperationException();
        }
    };

    private static List<NegotiatedExtension> negotiate(PerMessageDeflate pmd, String header) {
        return pmd.negotiator().negotiate(ExtensionHeader.parse(List.of(header)));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        // offer | response params ('-' = declined) with server defaults but context takeover allowed
        "permessage-deflate | ''",
        "permessage-deflate; client_max_window_bits | ''",
        "permessage-deflate; client_max_window_bits=10 | ''",
        "permessage-deflate; server_no_context_takeover | server_no_context_takeover",
        "permessage-deflate; client_no_context_takeover | client_no_context_takeover",
        "permessage-deflate; server_max_window_bits=15 | server_max_window_bits=15",
        "permessage-deflate; server_max_window_bits=8 | server_max_window_bits=8",
        "permessage-deflate; server_max_window_bits=12; client_max_window_bits | server_max_window_bits=12",
        "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=9; client_max_window_bits=9 | server_no_context_takeover; client_no_context_takeover; server_max_window_bits=9",
        "permessage-deflate; server_max_window_bits=7 | -",
        "permessage-deflate; server_max_window_bits=16 | -",
        "permessage-deflate; server_max_window_bits=08 | -",
        "permessage-deflate; server_max_window_bits | -",
        "permessage-deflate; client_max_window_bits=7 | -",
        "permessage-deflate; server_no_context_takeover=1 | -",
        "permessage-deflate; server_no_context_takeover; server_no_context_takeover | -",
        "permessage-deflate; unknown_param | -",
        "permessage-deflate; server_max_window_bits=\"10\" | server_max_window_bits=10",
        "x-webkit-deflate-frame | -",
        "permessage-deflate; unknown, permessage-deflate; client_max_window_bits | ''",
        "permessage-deflate; server_max_window_bits=7, permessage-deflate; server_max_window_bits=10 | server_max_window_bits=10",
    })
    void serverAnswers(String offer, String expected) {
        PerMessageDeflate pmd = PerMessageDeflate.defaults().withServerNoContextTakeover(false)
                .withClientNoContextTakeover(false).withFactory(ALL_WINDOWS);
        List<NegotiatedExtension> result = negotiate(pmd, offer);
        if (expected.equals("-")) {
            assertThat(result).isEmpty();
        } else {
            assertThat(result).hasSize(1);
            assertThat(result.get(0).name()).isEqualTo("permessage-deflate");
            assertThat(result.get(0).responseParams()).isEqualTo(expected);
            assertThat(result.get(0).rsvBits()).isEqualTo(WebSocketProtocol.B0_RSV1);
        }
    }

    @Test
    @DisplayName("7.1.1.1 and 7.1.1.2: the server declares both no_context_takeover parameters unasked (shared compressor and "
            + "decompressor)")
    void serverDeclaresNoContextTakeover() {
        List<NegotiatedExtension> r = negotiate(PerMessageDeflate.defaults(), "permessage-deflate; client_max_window_bits");
        assertThat(r.get(0).responseParams()).isEqualTo("server_no_context_takeover; client_no_context_takeover");
        assertThat(((DeflateParams) r.get(0).state()).serverNoContextTakeover()).isTrue();
        assertThat(((DeflateParams) r.get(0).state()).clientNoContextTakeover()).isTrue();
    }

    @Test
    @DisplayName("7.1.2.1: with the JDK's deflater only, an offer limiting the server window is declined")
    void jdkFactoryDeclinesSmallWindows() {
        assertThat(negotiate(PerMessageDeflate.defaults(), "permessage-deflate; server_max_window_bits=10")).isEmpty();
        assertThat(negotiate(PerMessageDeflate.defaults(),
                "permessage-deflate; server_max_window_bits=10, permessage-deflate")).hasSize(1);
    }

    @Test
    @DisplayName("7.1: the client offer and its validation of the server's answer")
    void clientSide() {
        PerMessageDeflate pmd = PerMessageDeflate.defaults().withServerNoContextTakeover(false)
                .withClientNoContextTakeover(false).withFactory(ALL_WINDOWS);
        assertThat(pmd.offer().toHeaderValue()).isEqualTo("permessage-deflate; client_max_window_bits");
        DeflateParams p = pmd.acceptResponse(ExtensionHeader.parse(List.of(
                "permessage-deflate; server_no_context_takeover; client_max_window_bits=10")).get(0));
        assertThat(p).isEqualTo(new DeflateParams(true, false, 15, 10));
        ExtensionOffer bad = ExtensionHeader.parse(List.of("permessage-deflate; client_max_window_bits")).get(0);
        assertThatThrownBy(() -> pmd.acceptResponse(bad)).hasMessageContaining("malformed");
        ExtensionOffer unknown = ExtensionHeader.parse(List.of("permessage-deflate; foo=1")).get(0);
        assertThatThrownBy(() -> pmd.acceptResponse(unknown)).hasMessageContaining("malformed");
        ExtensionOffer small = ExtensionHeader.parse(List.of("permessage-deflate; client_max_window_bits=9")).get(0);
        assertThatThrownBy(() -> PerMessageDeflate.defaults().acceptResponse(small))
                .hasMessageContaining("cannot compress with client_max_window_bits=9");
    }

    @Test
    void paramsRoundTrip() {
        assertThat(new DeflateParams(true, true, 9, 10).toResponseParams())
                .isEqualTo("server_no_context_takeover; client_no_context_takeover; server_max_window_bits=9; client_max_window_bits=10");
        assertThat(new DeflateParams(false, false, 15, 15).toResponseParams()).isEmpty();
    }
}
