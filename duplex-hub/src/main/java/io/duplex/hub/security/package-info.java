/**
 * Who may connect and what they may do: JWT verification ({@link io.duplex.hub.security.TokenVerifier}), where
 * a token is found in a request ({@link io.duplex.hub.security.TokenSource}), per-topic permissions
 * ({@link io.duplex.hub.security.Permissions}) and the rate limits that keep one client or one address from
 * using up the server ({@link io.duplex.hub.security.TokenBucket}, {@link io.duplex.hub.security.IpLimiter}).
 *
 * <p>Nothing here does I/O after construction or reads a clock by itself: time is passed in, so every rule can
 * be tested without sleeping.
 */
package io.duplex.hub.security;
