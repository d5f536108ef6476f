package io.duplex.hub;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One presence entry: a client subscribed to a topic. Immutable.
 *
 * @param client the session's id, unique per connection
 * @param user the user id from its token, or null for an anonymous client
 * @param userInfo the token's {@code info} claim (vouched for by whoever signed the token), or null
 * @param info what the client said about itself when subscribing (at most {@link HubConfig#maxInfoBytes()}
 *     of JSON), or null
 */
public record Member(String client, String user, JsonNode userInfo, JsonNode info) {}
