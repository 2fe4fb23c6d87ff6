package dev.portico.undertow;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The scanner in memory: which request it refuses for its version and when it stops following, the same whatever
 * the reads that bring the bytes (every split in two, and one byte at a time).
 */
class HeadScannerTest {

    private static final String GET = "GET /a HTTP/1.1\r\nHost: x\r\n\r\n";
    private static final String BOGUS = "GET /b HTTP/9.9\r\nHost: x\r\n\r\n";

    /**
     * What the scanner concluded: the refused request's ordinal (0 for none), whether it still follows, and whether
     * a chunked body broke the RFC.
     */
    private record Verdict(long refused, boolean following, boolean malformed) {
        Verdict(long refused, boolean following) {
            this(refused, following, false);
        }
    }

    private static Verdict scan(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.ISO_8859_1);
        Verdict whole = scan(bytes, bytes.length);
        for (int split = 0; split < bytes.length; split++) {
            assertThat(scan(bytes, split)).as("split at %d", split).isEqualTo(whole);
        }
        assertThat(scan(bytes, 1)).as("a byte at a time").isEqualTo(whole);
        return whole;
    }

    /** Scans the bytes in reads of {@code first} bytes, then of {@code first} bytes again, and so on (1: one by one). */
    private static Verdict scan(byte[] bytes, int first) {
        HeadScanner scanner = new HeadScanner();
        ByteBuffer buffer = ByteBuffer.allocate(bytes.length + 8);
        buffer.position(3); // scans only what each read added, wherever it sits
        int step = Math.max(first, 1);
        for (int at = 0; at < bytes.length; at += step) {
            int n = Math.min(step, bytes.length - at);
            int from = buffer.position();
            buffer.put(bytes, at, n);
            scanner.scan(buffer, from, from + n);
        }
        return new Verdict(scanner.refusedHead(), scanner.following(), scanner.malformed());
    }

    /** A client may send a CRLF after a body (RFC 9112 2.2): it is no request line, and the next request is served. */
    @Test
    void emptyLinesBeforeARequestLineAreNotRequests() {
        assertThat(scan(lengthBody("{}") + "\r\n" + GET + "\r\n\r\n" + BOGUS)).isEqualTo(new Verdict(3, false));
        assertThat(scan("\r\n" + GET + GET)).isEqualTo(new Verdict(0, true));
    }

    private static String lengthBody(String body) {
        return "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length() + "\r\n\r\n" + body;
    }

    private static String chunkedBody() {
        return "POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5;name=\"v\"\r\nhello\r\n"
                + Integer.toHexString(BOGUS.length()) + "\r\n" + BOGUS + "\r\n"
                + "0;last\r\nX-Trailer: GET /c HTTP/9.9\r\nX-Other: 1\r\n\r\n";
    }

    @ParameterizedTest
    @ValueSource(strings = {"HTTP/1.2", "HTTP/3.0", "HTTP/9.9", "HTTP/0.9", "HTTP/2.0", "http/1.1", "HTTP/1.10", "HTTP/1.1 "})
    void refusesTheFirstRequestLineWhoseVersionIsNotExactlyHttp10Or11(String version) {
        assertThat(scan("GET /a " + version + "\r\nHost: x\r\n\r\n")).isEqualTo(new Verdict(1, false));
        assertThat(scan(GET + "GET /a " + version + "\r\n\r\n" + GET)).isEqualTo(new Verdict(2, false));
    }

    @Test
    void refusesARequestLineWithoutAVersion() {
        assertThat(scan("GET /a\r\n\r\n")).isEqualTo(new Verdict(1, false));
    }

    @Test
    void passesHttp10And11AfterEveryFraming() {
        String heads = GET + "GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n" + lengthBody(BOGUS) + chunkedBody()
                + lengthBody("") + "POST /a HTTP/1.1\r\nContent-Length: 000\r\n\r\n" + GET;

        assertThat(scan(heads)).isEqualTo(new Verdict(0, true));
    }

    @Test
    void countsRequestsAcrossBodiesThatContainRequestLines() {
        assertThat(scan(lengthBody(BOGUS) + GET + BOGUS)).isEqualTo(new Verdict(3, false));
        assertThat(scan(chunkedBody() + chunkedBody() + BOGUS)).isEqualTo(new Verdict(3, false));
    }

    @Test
    void readsFramingFieldNamesAndValuesInAnyCaseWithSpaces() {
        String length = "POST /a HTTP/1.1\r\ncontent-LENGTH:\t" + BOGUS.length() + " \r\n\r\n" + BOGUS;
        String chunked = "POST /a HTTP/1.1\r\nTRANSFER-encoding:  ChUnKeD\t\r\n\r\n0\r\n\r\n";

        assertThat(scan(length + chunked + BOGUS)).isEqualTo(new Verdict(3, false));
    }

    @Test
    void fieldsThatOnlyStartLikeFramingFieldsFrameNothing() {
        String head = "POST /a HTTP/1.1\r\nContent-Lengthy: 5\r\nX-Content-Length: 5\r\nTransfer-Encodings: chunked\r\n\r\n";

        assertThat(scan(head + BOGUS)).isEqualTo(new Verdict(2, false));
    }

    @Test
    void followsChunkedBodiesThatKeepTheRfc() {
        String head = "POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
        String chunks = "3 ; x\r\nabc\r\nA;a=\"b\";c\r\n0123456789\r\n000\r\nX-T: y\r\nX-U:\r\n\r\n";

        assertThat(scan(head + chunks + BOGUS)).isEqualTo(new Verdict(2, false));
        assertThat(scan(head + "0\r\n\r\n" + GET)).isEqualTo(new Verdict(0, true));
    }

    /** What Undertow's chunk reader takes leniently, so that bytes a proxy in front saw as body become a request. */
    @ParameterizedTest
    @ValueSource(strings = {
            "5\r\nhello\r\n\r\n\r\n",            // an empty size line, read as the last chunk
            "zz\r\n\r\n",                          // no hex digit
            ";x\r\n\r\n",
            "5x\r\nhello\r\n0\r\n\r\n",           // junk after the size
            "5 junk\r\nhello\r\n0\r\n\r\n",
            "5\r\nhelloXX\r\n0\r\n\r\n",          // bytes between the data and its CRLF
            "5\nhello\r\n0\r\n\r\n",              // bare LF
            "5\r\nhello\n0\r\n\r\n",
            "5\r\nhello\r\n0\n\r\n",
            "5\r\nhello\r\n0\r\n\n",
            "5;a\rb\r\nhello\r\n0\r\n\r\n",        // bare CR in an extension
            "5\r\nhello\r\n0\r\nX-T: y\n\r\n",     // a trailer line ended by a bare LF
            "5\r\nhello\r\n0\r\nno colon\r\n\r\n"  // a trailer line that is no field
    })
    void marksAChunkedBodyThatBreaksTheRfcAndStops(String chunks) {
        String head = "POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";

        assertThat(scan(head + chunks + BOGUS)).isEqualTo(new Verdict(0, false, true));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "Upgrade: websocket\r\n",
            "Transfer-Encoding: gzip, chunked\r\n",
            "Transfer-Encoding: chunked,\r\n",
            "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n",
            "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
            "Content-Length: 5\r\nContent-Length: 5\r\n",
            "Content-Length: +5\r\n",
            "Content-Length: 5 5\r\n",
            "Content-Length:\r\n",
            "Content-Length: 99999999999999999999\r\n"
    })
    void stopsFollowingAtWhatItCannotFrameAsUndertowDoes(String fields) {
        assertThat(scan("POST /a HTTP/1.1\r\n" + fields + "\r\n" + BOGUS)).isEqualTo(new Verdict(0, false));
    }

    /** RFC 9112 5.2: a proxy in front may not unfold, and would then frame the body otherwise than Undertow. */
    @ParameterizedTest
    @ValueSource(strings = {"Transfer-Encoding:\r\n chunked\r\n", "Content-Length: 5\r\n 5\r\n",
            "Transfer-Encoding: chunked\r\n\tx\r\n", "Content-Length:\r\n\t5\r\n"})
    void refusesARequestWhoseFramingFieldIsContinuedOnAFoldedLine(String fields) {
        String text = GET + "POST /a HTTP/1.1\r\n" + fields + "\r\n" + BOGUS;
        HeadScanner scanner = new HeadScanner();
        byte[] bytes = text.getBytes(StandardCharsets.ISO_8859_1);
        scanner.scan(ByteBuffer.wrap(bytes), 0, bytes.length);

        assertThat(scan(text)).isEqualTo(new Verdict(2, false));
        assertThat(scanner.refusedForFolding()).isTrue();
        assertThat(scan("POST /a HTTP/1.1\r\nContent-Length:\r\nHost: x\r\n\r\n" + BOGUS))
                .as("an empty framing field, not continued").isEqualTo(new Verdict(0, false));
    }

    @Test
    void anObsFoldOfAnotherFieldKeepsFollowing() {
        assertThat(scan("GET /a HTTP/1.1\r\nX-A: 1\r\n folded\r\n\tagain\r\n\r\n" + BOGUS)).isEqualTo(new Verdict(2, false));
    }

    @Test
    void skipsABodyOfKnownLengthThatIsNotScanned() {
        HeadScanner scanner = new HeadScanner();
        byte[] head = "POST /a HTTP/1.1\r\nContent-Length: 10\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
        scanner.scan(ByteBuffer.wrap(head), 0, head.length);

        assertThat(scanner.skippable()).isEqualTo(10);
        scanner.skipped(4);
        assertThat(scanner.skippable()).isEqualTo(6);
        scanner.skipped(6);
        assertThat(scanner.skippable()).isZero();
        byte[] next = BOGUS.getBytes(StandardCharsets.ISO_8859_1);
        scanner.scan(ByteBuffer.wrap(next), 0, next.length);
        assertThat(scanner.refusedHead()).isEqualTo(2);
    }
}
