/**
 * The messaging hub: topics, presence, history and recovery, acknowledged and idempotent publishing, auth and
 * limits, behind a transport-neutral session. Depends on duplex-net, never on the server application.
 */
package io.duplex.hub;
