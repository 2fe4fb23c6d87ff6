package dev.portico.undertow.internal.client;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The strict reading of upstream response heads: what is framed how, and what is refused. */
class ResponseHeadTest {

    /** Parses a head that sits in a direct buffer between other bytes, as in a connection's read buffer. */
    private static ResponseHead parse(String head) throws BadResponseException {
        byte[] bytes = head.getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer buffer = ByteBuffer.allocateDirect(bytes.length + 8);
        buffer.put(new byte[] {'p', 'r', 'e', 'v'}).put(bytes).put(new byte[] {'n', 'e', 'x', 't'}).flip().position(4);
        int end = new ResponseHead.Scanner().scan(buffer, 4, buffer.limit());
        assertThat(end).as("a complete head").isEqualTo(4 + bytes.length);
        ResponseHead parsed = ResponseHead.parse(buffer, 4, end);
        assertThat(buffer.position()).as("absolute reads only").isEqualTo(4);
        return parsed;
    }

    @Test
    void readsStatusHeadersAndLength() throws Exception {
        ResponseHead head = parse("HTTP/1.1 201 Created\r\nContent-Length: 12\r\nX-A: b c \r\nX-Empty:\r\n\r\n");

        assertThat(head.status).isEqualTo(201);
        assertThat(head.length).isEqualTo(12);
        assertThat(head.keepAlive).isTrue();
        assertThat(head.headers.get("X-A")).isEqualTo("b c");
        assertThat(head.headers.get("X-Empty")).isEmpty();
        assertThat(head.headers.get("Content-Length")).isEqualTo("12");
    }

    @Test
    void chunkedFramingIsTheConnectionsOwnAndNotForwarded() throws Exception {
        ResponseHead head = parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\nConnection: keep-alive\r\n\r\n");

        assertThat(head.length).isEqualTo(ResponseHead.CHUNKED);
        assertThat(head.headers.contains("Transfer-Encoding")).isFalse();
        assertThat(head.headers.contains("Connection")).isFalse();
    }

    @Test
    void withoutLengthTheBodyRunsToTheConnectionsEnd() throws Exception {
        assertThat(parse("HTTP/1.1 200 OK\r\n\r\n").length).isEqualTo(ResponseHead.UNTIL_CLOSE);
    }

    @Test
    void http10ClosesUnlessItAsksToKeepAlive() throws Exception {
        assertThat(parse("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n").keepAlive).isFalse();
        assertThat(parse("HTTP/1.0 200 OK\r\nContent-Length: 0\r\nConnection: Keep-Alive\r\n\r\n").keepAlive).isTrue();
        assertThat(parse("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").keepAlive).isFalse();
        assertThat(parse("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: x-custom, close\r\n\r\n").keepAlive).isFalse();
    }

    @Test
    void acceptsAMissingReasonAndRepeatedEqualLengths() throws Exception {
        assertThat(parse("HTTP/1.1 204\r\n\r\n").status).isEqualTo(204);
        assertThat(parse("HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\nContent-Length: 5\r\n\r\n").length).isEqualTo(5);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "HTTP/1.1 600 X\r\n\r\n",
            "HTTP/1.1 099 X\r\n\r\n",
            "HTTP/1.1 abc X\r\n\r\n",
            "HTTP/1.1 2000 X\r\n\r\n",
            "HTTP/2.0 200 OK\r\n\r\n",
            "ICY 200 OK\r\n\r\n",
            "HTTP/1.1 200 O\u0001K\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunkedx\r\n\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n",
            "HTTP/1.1 200 OK\r\nX-A: a\r\n folded\r\n\r\n",
            "HTTP/1.1 200 OK\r\nX A: a\r\n\r\n",
            "HTTP/1.1 200 OK\r\nX-A : a\r\n\r\n",
            "HTTP/1.1 200 OK\r\nno colon\r\n\r\n",
            "HTTP/1.1 200 OK\r\n: empty name\r\n\r\n",
            "HTTP/1.1 200 OK\r\nX-A: a\u0000b\r\n\r\n",
            "HTTP/1.1 200 OK\r\nX-A: a\u007fb\r\n\r\n"})
    void refusesWhatItCannotFrameOrForwardSafely(String head) {
        assertThatThrownBy(() -> parse(head)).isInstanceOf(BadResponseException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"HTTP/1.1 200 OK\nX-A: a\r\n\r\n", "HTTP/1.1 200 OK\r\nX-A: a\rb\r\n\r\n",
            "HTTP/1.1 200 OK\r\nX-A: a\r\n\n"})
    void refusesABareCrOrLfWhileScanning(String head) {
        byte[] bytes = head.getBytes(StandardCharsets.ISO_8859_1);
        assertThatThrownBy(() -> new ResponseHead.Scanner().scan(ByteBuffer.wrap(bytes), 0, bytes.length))
                .isInstanceOf(BadResponseException.class);
    }

    @Test
    void findsTheEndOfAHeadThatArrivesOneByteAtATime() throws Exception {
        byte[] bytes = "HTTP/1.1 200 OK\r\nA: b\r\n\r\nbody".getBytes(StandardCharsets.ISO_8859_1);
        ResponseHead.Scanner scanner = new ResponseHead.Scanner();
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        int end = -1;
        for (int i = 0; i < bytes.length && end < 0; i++) {
            end = scanner.scan(buffer, i, i + 1);
        }
        assertThat(end).isEqualTo(bytes.length - 4);
    }

    @Test
    void findsTheEndAndABareCrOrLfAtEveryOffsetOfTheEightByteSteps() throws Exception {
        for (int pad = 0; pad < 24; pad++) {
            String value = "v".repeat(pad);
            String good = "HTTP/1.1 200 OK\r\nX-Long: " + value + "\r\n\r\n";
            byte[] bytes = (good + "body").getBytes(StandardCharsets.ISO_8859_1);
            assertThat(new ResponseHead.Scanner().scan(ByteBuffer.wrap(bytes), 0, bytes.length))
                    .as("end with %d bytes of value", pad).isEqualTo(good.length());
            for (int at = 0; at <= pad; at++) {
                for (String bare : new String[] {"\r", "\n"}) {
                    String value2 = value.substring(0, at) + bare + value.substring(at);
                    byte[] bad = ("HTTP/1.1 200 OK\r\nX-Long: " + value2 + "\r\n\r\n")
                            .getBytes(StandardCharsets.ISO_8859_1);
                    assertThatThrownBy(() -> new ResponseHead.Scanner().scan(ByteBuffer.wrap(bad), 0, bad.length))
                            .as("a bare %s at %d of %d", bare.equals("\r") ? "CR" : "LF", at, pad)
                            .isInstanceOf(BadResponseException.class);
                }
            }
        }
    }

    @Test
    void aControlCharacterAtEveryOffsetOfTheEightByteStepsIsRefusedAndLatin1TextIsNot() throws Exception {
        for (int length = 1; length < 24; length++) {
            for (int at = 0; at < length; at++) {
                for (char control : new char[] {0, 1, 0x1f, 0x7f}) {
                    char[] value = "v".repeat(length).toCharArray();
                    value[at] = control;
                    String head = "HTTP/1.1 200 OK\r\nX-Long: " + new String(value) + "\r\n\r\n";
                    assertThatThrownBy(() -> parse(head)).as("0x%x at %d of %d", (int) control, at, length)
                            .isInstanceOf(BadResponseException.class);
                }
                char[] value = "v".repeat(length).toCharArray();
                value[at] = at % 2 == 0 ? '\t' : (char) (0x80 + at);
                assertThat(parse("HTTP/1.1 200 OK\r\nX-Long: " + new String(value) + "\r\n\r\n").headers.get("X-Long"))
                        .isEqualTo(new String(value).strip());
            }
        }
    }

    @Test
    void aKnownNameInItsCanonicalOrLowerCaseSpellingIsAConstant() throws Exception {
        ResponseHead head = parse("HTTP/1.1 200 OK\r\nContent-Type: a\r\ncontent-type: b\r\n\r\n");

        assertThat(head.headers.name(0)).isSameAs("Content-Type");
        assertThat(head.headers.name(1)).isSameAs("content-type");
    }

    @Test
    void aKnownNameInAnotherCaseIsForwardedAsReceived() throws Exception {
        ResponseHead head = parse("HTTP/1.1 200 OK\r\nCONTENT-type: a\r\nEtag: b\r\n\r\n");

        assertThat(head.headers.name(0)).isEqualTo("CONTENT-type");
        assertThat(head.headers.name(1)).isEqualTo("Etag");
        assertThat(head.headers.get("Content-Type")).isEqualTo("a");
    }

    @ParameterizedTest
    @ValueSource(strings = {"Content-Typo", "Content-Type-X", "Dat", "Content-Lengths", "Transfer-Encodin",
            "Connections", "X-Content-Length"})
    void aPrefixOrVariantOfAKnownNameIsAnOrdinaryField(String name) throws Exception {
        ResponseHead head = parse("HTTP/1.1 200 OK\r\n" + name + ": close\r\n\r\n");

        assertThat(head.headers.name(0)).isEqualTo(name);
        assertThat(head.headers.get(name)).isEqualTo("close");
        assertThat(head.length).isEqualTo(ResponseHead.UNTIL_CLOSE);
        assertThat(head.keepAlive).isTrue();
    }

    @Test
    void framingFieldsAreFoundInAnyCase() throws Exception {
        assertThat(parse("HTTP/1.1 200 OK\r\ncontent-length: 7\r\n\r\n").length).isEqualTo(7);
        assertThat(parse("HTTP/1.1 200 OK\r\nCONTENT-LENGTH: 7\r\n\r\n").headers.name(0))
                .isEqualTo("CONTENT-LENGTH");
        assertThat(parse("HTTP/1.1 200 OK\r\nTRANSFER-ENCODING: CHUNKED\r\n\r\n").length)
                .isEqualTo(ResponseHead.CHUNKED);
        assertThat(parse("HTTP/1.1 200 OK\r\ncOnNeCtIoN: Close\r\n\r\n").keepAlive).isFalse();
        assertThatThrownBy(() -> parse("HTTP/1.1 200 OK\r\ncontent-length: 5\r\ntransfer-encoding: chunked\r\n\r\n"))
                .isInstanceOf(BadResponseException.class);
    }

    @Test
    void valuesKeepTheirInnerSpacesAndLatin1Bytes() throws Exception {
        ResponseHead head = parse("HTTP/1.1 200 OK\r\nX-A:\t a \tb\u00e9 \t\r\nContent-Length:  3 ,\t3 \r\n\r\n");

        assertThat(head.headers.get("X-A")).isEqualTo("a \tb\u00e9");
        assertThat(head.length).isEqualTo(3);
    }

    @Test
    void aConnectionFieldNamingMoreThanItsOwnStateIsForwarded() throws Exception {
        ResponseHead head = parse("HTTP/1.0 200 OK\r\nConnection: x-custom, Keep-Alive\r\n\r\n");

        assertThat(head.keepAlive).isTrue();
        assertThat(head.headers.get("Connection")).isEqualTo("x-custom, Keep-Alive");
    }

    @Test
    void messagesNameTheFaultWithoutInternals() {
        assertThatThrownBy(() -> parse("HTTP/1.1 600 X\r\n\r\n")).hasMessage("status 600 (expected: 100-599)");
    }
}
