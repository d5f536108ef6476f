package io.duplex.protocol;

/** Close status codes of RFC 6455 section 7.4 and the rules on which may appear on the wire. */
public final class CloseCodes {
    private CloseCodes() {}

    public static final int NORMAL = 1000;
    public static final int GOING_AWAY = 1001;
    public static final int PROTOCOL_ERROR = 1002;
    public static final int UNSUPPORTED_DATA = 1003;
    /** Reserved: never sent; reported when a close frame had no status code (section 7.1.5). */
    public static final int NO_STATUS = 1005;
    /** Reserved: never sent; reported when the connection ended without a close frame (section 7.1.5). */
    public static final int ABNORMAL = 1006;
    public static final int INVALID_PAYLOAD = 1007;
    public static final int POLICY_VIOLATION = 1008;
    public static final int MESSAGE_TOO_BIG = 1009;
    public static final int MANDATORY_EXTENSION = 1010;
    public static final int INTERNAL_ERROR = 1011;
    public static final int SERVICE_RESTART = 1012;
    public static final int TRY_AGAIN_LATER = 1013;
    public static final int BAD_GATEWAY = 1014;
    /** Reserved: never sent; TLS handshake failure. */
    public static final int TLS_HANDSHAKE = 1015;

    /**
     * Whether {@code code} may appear in a close frame (section 7.4.1 and the IANA registry): 1000-1003,
     * 1007-1014 and 3000-4999. Below 1000, 1004-1006, 1015, the unassigned 1016-2999 and 5000 and above
     * are not.
     */
    public static boolean isValidOnWire(int code) {
        if (code >= 3000 && code <= 4999) {
            return true;
        }
        return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014);
    }
}
