package io.duplex.protocol.handshake;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class AcceptKeyTest {
    @Test
    @DisplayName("RFC 6455 section 1.3: the sample nonce hashes to the sample accept value")
    void section1_3Example() {
        assertThat(AcceptKey.compute("dGhlIHNhbXBsZSBub25jZQ==")).isEqualTo("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    }
}
