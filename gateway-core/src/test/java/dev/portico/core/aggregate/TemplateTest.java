package dev.portico.core.aggregate;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** How a template fills a part's header: the gateway's own text as UTF-8 octets, a client's field as it came. */
class TemplateTest {

    private static String header(String template, String value) {
        return Template.parse(template).render(piece -> value, Template.Encoding.NONE);
    }

    @Test
    void textBeyondAsciiFillsAHeaderAsUtf8Octets() {
        for (String text : new String[] {"Иван", "Петр", "José"}) {
            String filled = header("user {sub}", text);

            assertThat(filled.getBytes(StandardCharsets.ISO_8859_1))
                    .isEqualTo(("user " + text).getBytes(StandardCharsets.UTF_8));
        }
        assertThat(header("{claim.name}", "Иван")).isNotEqualTo(header("{claim.name}", "Петр"));
        assertThat(header("{id}", "plain-ascii")).isEqualTo("plain-ascii");
    }

    @Test
    void aClientsHeaderIsCopiedAsItsOctetsUnchanged() {
        String octets = new String("José".getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);

        assertThat(header("{header.X-Name}", octets)).isEqualTo(octets);
    }
}
