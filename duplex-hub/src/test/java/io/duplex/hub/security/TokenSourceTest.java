package io.duplex.hub.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.duplex.protocol.handshake.HttpHeaders;
import io.duplex.protocol.handshake.HttpRequest;
import io.duplex.protocol.handshake.HttpVersion;
import org.junit.jupiter.api.Test;

class TokenSourceTest {

    private static HttpRequest request(String query, String... headerPairs) {
        HttpHeaders headers = new HttpHeaders();
        for (int i = 0; i < headerPairs.length; i += 2) {
            headers.add(headerPairs[i], headerPairs[i + 1]);
        }
        String target = query == null ? "/ws" : "/ws?" + query;
        return new HttpRequest("GET", target, "/ws", query, HttpVersion.HTTP_1_1, headers);
    }

    @Test
    void bearerAuthorizationHeader() {
        assertThat(TokenSource.find(request(null, "Authorization", "Bearer abc.def.ghi"))).isEqualTo("abc.def.ghi");
        assertThat(TokenSource.find(request(null, "authorization", "bEaReR   abc"))).isEqualTo("abc");
        assertThat(TokenSource.find(request(null, "Authorization", "Basic dXNlcjpwYXNz"))).isNull();
        assertThat(TokenSource.find(request(null, "Authorization", "Bearer"))).isNull();
        assertThat(TokenSource.find(request(null, "Authorization", "Bearerabc"))).isNull();
    }

    @Test
    void subprotocolEntry() {
        assertThat(TokenSource.find(request(null, "Sec-WebSocket-Protocol", "duplex.v1, duplex.bearer.abc.def.ghi")))
                .isEqualTo("abc.def.ghi");
        assertThat(TokenSource.find(request(null,
                "Sec-WebSocket-Protocol", "duplex.v1", "Sec-WebSocket-Protocol", "duplex.bearer.xyz")))
                .isEqualTo("xyz");
        assertThat(TokenSource.find(request(null, "Sec-WebSocket-Protocol", "duplex.v1, duplex.bearer."))).isNull();
        assertThat(TokenSource.find(request(null, "Sec-WebSocket-Protocol", "duplex.v1"))).isNull();
    }

    @Test
    void queryParameterIsPercentDecoded() {
        assertThat(TokenSource.find(request("token=abc.def"))).isEqualTo("abc.def");
        assertThat(TokenSource.find(request("a=1&token=ab%2Ecd%3D&b=2"))).isEqualTo("ab.cd=");
        assertThat(TokenSource.find(request("%74oken=x"))).isEqualTo("x");
        assertThat(TokenSource.find(request("tokens=x&xtoken=y&token"))).isNull();
        assertThat(TokenSource.find(request("token=&token=second"))).isEqualTo("second");
        assertThat(TokenSource.find(request("token=bad%zz"))).as("left as is").isEqualTo("bad%zz");
    }

    @Test
    void noTokenAnywhere() {
        assertThat(TokenSource.find(request(null))).isNull();
        assertThat(TokenSource.find(request("a=b", "Origin", "https://example.com"))).isNull();
    }

    @Test
    void precedenceIsHeaderThenSubprotocolThenQuery() {
        assertThat(TokenSource.find(request("token=q",
                "Sec-WebSocket-Protocol", "duplex.bearer.s", "Authorization", "Bearer h"))).isEqualTo("h");
        assertThat(TokenSource.find(request("token=q", "Sec-WebSocket-Protocol", "duplex.bearer.s"))).isEqualTo("s");
        assertThat(TokenSource.find(request("token=q", "Authorization", "Basic x"))).isEqualTo("q");
    }
}
