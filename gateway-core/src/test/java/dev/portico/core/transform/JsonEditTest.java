package dev.portico.core.transform;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The JSON edits at nested paths and over arrays, applied to documents in memory. */
class JsonEditTest {

    private static String edited(String json, JsonEdit... edits) {
        JsonElement document = JsonParser.parseString(json);
        for (JsonEdit edit : edits) {
            edit.apply(document);
        }
        return document.toString();
    }

    private static FieldPath path(String text) {
        return FieldPath.parse(text);
    }

    @Test
    void renameKeepsTheFieldsPlace() {
        assertThat(edited("{\"id\":\"p1\",\"name\":\"Mug\",\"priceCents\":900}", JsonEdit.rename(path("name"), "title")))
                .isEqualTo("{\"id\":\"p1\",\"title\":\"Mug\",\"priceCents\":900}");
    }

    @Test
    void renameReachesNestedObjectsAndEveryArrayElement() {
        String json = "{\"order\":{\"items\":[{\"sku\":\"a\",\"qty\":1},{\"sku\":\"b\",\"qty\":2},{\"qty\":3}]}}";

        assertThat(edited(json, JsonEdit.rename(path("order.items[].sku"), "productId")))
                .isEqualTo("{\"order\":{\"items\":[{\"productId\":\"a\",\"qty\":1},{\"productId\":\"b\",\"qty\":2},{\"qty\":3}]}}");
    }

    @Test
    void renameOntoAnExistingNameReplacesThatField() {
        assertThat(edited("{\"a\":1,\"b\":2}", JsonEdit.rename(path("a"), "b"))).isEqualTo("{\"b\":1}");
    }

    @Test
    void removeDropsANestedFieldInEachElementOfARootArray() {
        assertThat(edited("[{\"id\":1,\"meta\":{\"x\":1,\"y\":2}},{\"id\":2,\"meta\":{\"x\":3}}]",
                JsonEdit.remove(path("[].meta.x"))))
                .isEqualTo("[{\"id\":1,\"meta\":{\"y\":2}},{\"id\":2,\"meta\":{}}]");
    }

    @Test
    void setReplacesAValueAndAddsTheMissingObjectsOnTheWay() {
        assertThat(edited("{\"meta\":{\"v\":0}}", JsonEdit.set(path("meta.v"), new JsonPrimitive(1)),
                JsonEdit.set(path("links.self.href"), new JsonPrimitive("/x"))))
                .isEqualTo("{\"meta\":{\"v\":1},\"links\":{\"self\":{\"href\":\"/x\"}}}");
    }

    @Test
    void setInsideArrayElementsGivesEachElementItsOwnCopy() {
        JsonElement document = JsonParser.parseString("{\"items\":[{},{}]}");
        JsonEdit.set(path("items[].tags"), JsonParser.parseString("[\"new\"]")).apply(document);
        document.getAsJsonObject().getAsJsonArray("items").get(0).getAsJsonObject().getAsJsonArray("tags").add("only-first");

        assertThat(document.toString()).isEqualTo("{\"items\":[{\"tags\":[\"new\",\"only-first\"]},{\"tags\":[\"new\"]}]}");
    }

    @Test
    void addKeepsAnExistingValue() {
        assertThat(edited("[{\"currency\":\"USD\"},{}]", JsonEdit.add(path("[].currency"), new JsonPrimitive("EUR"))))
                .isEqualTo("[{\"currency\":\"USD\"},{\"currency\":\"EUR\"}]");
    }

    @Test
    void mapReplacesAFieldInEachArrayElement() {
        String json = "{\"items\":[{\"price\":1999},{\"price\":500},{\"name\":\"no price\"}]}";

        assertThat(edited(json, JsonEdit.map(path("items[].price"),
                price -> new JsonPrimitive(price.getAsLong() / 100.0))))
                .isEqualTo("{\"items\":[{\"price\":19.99},{\"price\":5.0},{\"name\":\"no price\"}]}");
    }

    @Test
    void mapOverArrayElementsThemselves() {
        assertThat(edited("{\"tags\":[\"a\",\"b\"]}", JsonEdit.map(path("tags[]"),
                tag -> new JsonPrimitive(tag.getAsString().toUpperCase()))))
                .isEqualTo("{\"tags\":[\"A\",\"B\"]}");
    }

    @Test
    void mapToNullRemovesTheField() {
        assertThat(edited("{\"a\":1,\"b\":2}", JsonEdit.map(path("a"), value -> null))).isEqualTo("{\"b\":2}");
    }

    @Test
    void nestedArraysAreWalkedElementByElement() {
        assertThat(edited("{\"grid\":[[{\"v\":1}],[{\"v\":2},{\"v\":3}]]}", JsonEdit.rename(path("grid[][].v"), "value")))
                .isEqualTo("{\"grid\":[[{\"value\":1}],[{\"value\":2},{\"value\":3}]]}");
    }

    @Test
    void pathsThatReachNothingOrAnotherKindOfValueChangeNothing() {
        String json = "{\"a\":\"text\",\"list\":{\"not\":\"an array\"},\"n\":null}";

        assertThat(edited(json,
                JsonEdit.rename(path("missing.x"), "y"),
                JsonEdit.remove(path("a.b")),
                JsonEdit.set(path("list[].x"), new JsonPrimitive(1)),
                JsonEdit.set(path("a.b"), new JsonPrimitive(1)),
                JsonEdit.set(path("n.b"), new JsonPrimitive(1)),
                JsonEdit.map(path("[].a"), value -> new JsonPrimitive("changed"))))
                .isEqualTo(json);
    }

    @Test
    void rejectsMalformedPaths() {
        for (String bad : new String[] {"", "a..b", ".a", "a.", "a[", "a[0]", "a]", "a[]x", "a.[]"}) {
            assertThatThrownBy(() -> FieldPath.parse(bad)).as(bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("expected: field names separated by '.'");
        }
    }

    @Test
    void onlyMapTakesAPathEndingInAnArray() {
        assertThatThrownBy(() -> JsonEdit.remove(path("items[]")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("path: items[] (expected: a field name at the end for remove; only map takes a path ending in [])");
        assertThat(JsonEdit.map(path("items[]"), value -> value)).isNotNull();
    }
}
