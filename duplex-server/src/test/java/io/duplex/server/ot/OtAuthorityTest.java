package io.duplex.server.ot;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.duplex.hub.Hub;
import io.duplex.hub.HubConfig;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The authority on an embedded hub: requests published to editor.demo.in, answers read from editor.demo. */
class OtAuthorityTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Hub hub = Hub.builder().config(HubConfig.defaults()).build();
    private final OtAuthority authority = OtAuthority.start(hub, List.of("demo", "", "demo"), 2);
    private final LinkedBlockingQueue<String> answers = new LinkedBlockingQueue<>();
    private final AutoCloseable tap = hub.listen("editor.demo", p -> answers.add(p.json()));

    @AfterEach
    void stop() throws Exception {
        tap.close();
        authority.close();
        hub.close();
    }

    private JsonNode ask(String json) throws Exception {
        hub.publish("editor.demo.in", json, null).get(5, TimeUnit.SECONDS);
        String answer = answers.poll(5, TimeUnit.SECONDS);
        assertThat(answer).as("answer to %s", json).isNotNull();
        return JSON.readTree(answer);
    }

    @Test
    void aNewDocumentIsEmptyAtRevisionZero() throws Exception {
        assertThat(ask("{\"client\":\"a\",\"snapshot\":true}"))
                .isEqualTo(JSON.readTree("{\"client\":\"a\",\"rev\":0,\"text\":\"\"}"));
    }

    @Test
    void operationsAreTransformedAppliedAndPublishedAsTheNextRevision() throws Exception {
        assertThat(ask("{\"client\":\"a\",\"seq\":1,\"rev\":0,\"op\":[\"hello\"]}"))
                .isEqualTo(JSON.readTree("{\"client\":\"a\",\"seq\":1,\"rev\":1,\"op\":[\"hello\"]}"));
        assertThat(ask("{\"client\":\"a\",\"seq\":2,\"rev\":1,\"op\":[5,\" world\"]}"))
                .isEqualTo(JSON.readTree("{\"client\":\"a\",\"seq\":2,\"rev\":2,\"op\":[5,\" world\"]}"));
        // b saw only "hello" (revision 1) and put "!" in front.
        assertThat(ask("{\"client\":\"b\",\"seq\":1,\"rev\":1,\"op\":[\"!\",5]}"))
                .isEqualTo(JSON.readTree("{\"client\":\"b\",\"seq\":1,\"rev\":3,\"op\":[\"!\",11]}"));
        assertThat(ask("{\"client\":\"c\",\"snapshot\":true}"))
                .isEqualTo(JSON.readTree("{\"client\":\"c\",\"rev\":3,\"text\":\"!hello world\"}"));
    }

    @Test
    void unknownOrTooOldRevisionsAreAnsweredWithResync() throws Exception {
        JsonNode future = ask("{\"client\":\"a\",\"seq\":1,\"rev\":5,\"op\":[]}");
        assertThat(future.path("error").asText()).isEqualTo("resync");
        assertThat(future.path("client").asText()).isEqualTo("a");
        assertThat(future.path("seq").asLong()).isEqualTo(1);
        for (int i = 0; i < 3; i++) {
            ask("{\"client\":\"a\",\"seq\":" + (i + 1) + ",\"rev\":" + i + ",\"op\":[" + (i == 0 ? "" : i + ",")
                    + "\"x\"]}");
        }
        // History 2: revision 0 is gone.
        assertThat(ask("{\"client\":\"b\",\"seq\":1,\"rev\":0,\"op\":[\"y\"]}").path("message").asText())
                .isEqualTo("revision 0 is older than the 2 operations kept (oldest 1)");
    }

    @Test
    void malformedRequestsAreAnsweredWithInvalid() throws Exception {
        assertThat(ask("{\"client\":\"a\",\"seq\":1,\"rev\":0,\"op\":[0]}").path("error").asText())
                .isEqualTo("invalid");
        assertThat(ask("{\"client\":\"a\",\"seq\":-1,\"rev\":0,\"op\":[]}"))
                .isEqualTo(JSON.readTree("{\"client\":\"a\",\"error\":\"invalid\","
                        + "\"message\":\"seq and rev must be integers >= 0\"}"));
    }

    @Test
    void messagesWithoutAClientAndRepeatedOperationsGetNoAnswer() throws Exception {
        hub.publish("editor.demo.in", "{\"seq\":1,\"rev\":0,\"op\":[\"x\"]}", null).get(5, TimeUnit.SECONDS);
        hub.publish("editor.demo.in", "[1,2]", null).get(5, TimeUnit.SECONDS);
        ask("{\"client\":\"a\",\"seq\":1,\"rev\":0,\"op\":[\"x\"]}");
        hub.publish("editor.demo.in", "{\"client\":\"a\",\"seq\":1,\"rev\":0,\"op\":[\"x\"]}", null)
                .get(5, TimeUnit.SECONDS);
        assertThat(ask("{\"client\":\"a\",\"snapshot\":true}").path("text").asText()).isEqualTo("x");
        assertThat(answers).isEmpty();
    }

    @Test
    void documentsNotConfiguredAreNotServed() throws Exception {
        LinkedBlockingQueue<String> other = new LinkedBlockingQueue<>();
        try (AutoCloseable t = hub.listen("editor.other", p -> other.add(p.json()))) {
            hub.publish("editor.other.in", "{\"client\":\"a\",\"snapshot\":true}", null).get(5, TimeUnit.SECONDS);
            ask("{\"client\":\"a\",\"snapshot\":true}");
            assertThat(other).isEmpty();
        }
    }
}
