package dev.portico.core.internal.json;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The JSON edits at nested paths, array indexes, {@code *} and names met on arrays, applied to documents in memory. */
class JsonEditTest {

    private static String edited(String json, JsonEdit... edits) {
        JsonElement document = JsonParser.parseString(json);
        for (JsonEdit edit : edits) {
            edit.apply(document);
        }
        return document.toString();
    }

    private static JsonPath path(String text) {
        return JsonPath.parse(text);
    }

    @Test
    void renameKeepsTheFieldsPlace() {
        assertThat(edited("{\"id\":\"p1\",\"name\":\"Mug\",\"priceCents\":900}", JsonEdit.rename(path("name"), "title")))
                .isEqualTo("{\"id\":\"p1\",\"title\":\"Mug\",\"priceCents\":900}");
    }

    @Test
    void renameReachesNestedObjectsAndEveryArrayElement() {
        String json = "{\"order\":{\"items\":[{\"sku\":\"a\",\"qty\":1},{\"sku\":\"b\",\"qty\":2},{\"qty\":3}]}}";
        String renamed = "{\"order\":{\"items\":[{\"productId\":\"a\",\"qty\":1},{\"productId\":\"b\",\"qty\":2},{\"qty\":3}]}}";

        assertThat(edited(json, JsonEdit.rename(path("order.items.*.sku"), "productId"))).isEqualTo(renamed);
        assertThat(edited(json, JsonEdit.rename(path("order.items.sku"), "productId"))).isEqualTo(renamed);
    }

    @Test
    void renameOntoAnExistingNameReplacesThatField() {
        assertThat(edited("{\"a\":1,\"b\":2}", JsonEdit.rename(path("a"), "b"))).isEqualTo("{\"b\":1}");
    }

    @Test
    void anIndexEditsOneElementOnly() {
        assertThat(edited("{\"items\":[{\"sku\":\"a\"},{\"sku\":\"b\"}]}", JsonEdit.rename(path("items.1.sku"), "id")))
                .isEqualTo("{\"items\":[{\"sku\":\"a\"},{\"id\":\"b\"}]}");
        assertThat(edited("{\"items\":[{\"sku\":\"a\"}]}", JsonEdit.rename(path("items.5.sku"), "id")))
                .isEqualTo("{\"items\":[{\"sku\":\"a\"}]}");
    }

    @Test
    void removeDropsANestedFieldInEachElementOfARootArray() {
        String json = "[{\"id\":1,\"meta\":{\"x\":1,\"y\":2}},{\"id\":2,\"meta\":{\"x\":3}}]";
        String removed = "[{\"id\":1,\"meta\":{\"y\":2}},{\"id\":2,\"meta\":{}}]";

        assertThat(edited(json, JsonEdit.remove(path("*.meta.x")))).isEqualTo(removed);
        assertThat(edited(json, JsonEdit.remove(path("meta.x")))).isEqualTo(removed);
    }

    @Test
    void removeEndingInAnIndexOrStarRemovesArrayElementsOrEveryField() {
        assertThat(edited("{\"tags\":[\"a\",\"b\",\"c\"]}", JsonEdit.remove(path("tags.1")))).isEqualTo("{\"tags\":[\"a\",\"c\"]}");
        assertThat(edited("{\"tags\":[\"a\",\"b\",\"c\"]}", JsonEdit.remove(path("tags.*")))).isEqualTo("{\"tags\":[]}");
        assertThat(edited("{\"meta\":{\"x\":1,\"y\":2},\"id\":1}", JsonEdit.remove(path("meta.*")))).isEqualTo("{\"meta\":{},\"id\":1}");
    }

    @Test
    void aNumberOnAnObjectIsAFieldName() {
        assertThat(edited("{\"codes\":{\"404\":\"missing\",\"500\":\"broken\"}}", JsonEdit.remove(path("codes.404"))))
                .isEqualTo("{\"codes\":{\"500\":\"broken\"}}");
    }

    @Test
    void setReplacesAValueAndAddsTheMissingObjectsOnTheWay() {
        assertThat(edited("{\"meta\":{\"v\":0}}", JsonEdit.set(path("meta.v"), new JsonPrimitive(1)),
                JsonEdit.set(path("links.self.href"), new JsonPrimitive("/x"))))
                .isEqualTo("{\"meta\":{\"v\":1},\"links\":{\"self\":{\"href\":\"/x\"}}}");
    }

    @Test
    void setAddsNoObjectForAMissingArrayOrElement() {
        assertThat(edited("{}", JsonEdit.set(path("items.0.x"), new JsonPrimitive(1)),
                JsonEdit.set(path("items.*.x"), new JsonPrimitive(1))))
                .isEqualTo("{}");
    }

    @Test
    void setInsideArrayElementsGivesEachElementItsOwnCopy() {
        JsonElement document = JsonParser.parseString("{\"items\":[{},{}]}");
        JsonEdit.set(path("items.*.tags"), JsonParser.parseString("[\"new\"]")).apply(document);
        document.getAsJsonObject().getAsJsonArray("items").get(0).getAsJsonObject().getAsJsonArray("tags").add("only-first");

        assertThat(document.toString()).isEqualTo("{\"items\":[{\"tags\":[\"new\",\"only-first\"]},{\"tags\":[\"new\"]}]}");
    }

    @Test
    void addKeepsAnExistingValue() {
        assertThat(edited("[{\"currency\":\"USD\"},{}]", JsonEdit.add(path("*.currency"), new JsonPrimitive("EUR"))))
                .isEqualTo("[{\"currency\":\"USD\"},{\"currency\":\"EUR\"}]");
    }

    @Test
    void mapReplacesAFieldInEachArrayElement() {
        String json = "{\"items\":[{\"price\":1999},{\"price\":500},{\"name\":\"no price\"}]}";

        assertThat(edited(json, JsonEdit.map(path("items.*.price"),
                price -> new JsonPrimitive(price.getAsLong() / 100.0))))
                .isEqualTo("{\"items\":[{\"price\":19.99},{\"price\":5.0},{\"name\":\"no price\"}]}");
    }

    @Test
    void mapOverArrayElementsThemselvesOrTheWholeArray() {
        assertThat(edited("{\"tags\":[\"a\",\"b\"]}", JsonEdit.map(path("tags.*"),
                tag -> new JsonPrimitive(tag.getAsString().toUpperCase()))))
                .isEqualTo("{\"tags\":[\"A\",\"B\"]}");
        assertThat(edited("{\"tags\":[\"a\",\"b\"]}", JsonEdit.map(path("tags"),
                tags -> new JsonPrimitive(tags.getAsJsonArray().size()))))
                .isEqualTo("{\"tags\":2}");
    }

    @Test
    void mapOverEveryFieldValueOfAnObject() {
        assertThat(edited("{\"prices\":{\"mug\":900,\"cup\":450}}", JsonEdit.map(path("prices.*"),
                cents -> new JsonPrimitive(cents.getAsLong() / 100.0))))
                .isEqualTo("{\"prices\":{\"mug\":9.0,\"cup\":4.5}}");
    }

    @Test
    void mapToNullRemovesTheFieldAndNullsAnElement() {
        assertThat(edited("{\"a\":1,\"b\":2}", JsonEdit.map(path("a"), value -> null))).isEqualTo("{\"b\":2}");
        assertThat(edited("[1,2]", JsonEdit.map(path("0"), value -> null))).isEqualTo("[null,2]");
    }

    @Test
    void nestedArraysAreWalkedElementByElement() {
        String json = "{\"grid\":[[{\"v\":1}],[{\"v\":2},{\"v\":3}]]}";
        String renamed = "{\"grid\":[[{\"value\":1}],[{\"value\":2},{\"value\":3}]]}";

        assertThat(edited(json, JsonEdit.rename(path("grid.*.*.v"), "value"))).isEqualTo(renamed);
        assertThat(edited(json, JsonEdit.rename(path("grid.v"), "value"))).isEqualTo(renamed);
    }

    @Test
    void pathsThatReachNothingOrAnotherKindOfValueChangeNothing() {
        String json = "{\"a\":\"text\",\"list\":{\"not\":\"an array\"},\"n\":null}";

        assertThat(edited(json,
                JsonEdit.rename(path("missing.x"), "y"),
                JsonEdit.remove(path("a.b")),
                JsonEdit.remove(path("list.0")),
                JsonEdit.set(path("list.*.x"), new JsonPrimitive(1)),
                JsonEdit.set(path("a.b"), new JsonPrimitive(1)),
                JsonEdit.set(path("n.b"), new JsonPrimitive(1)),
                JsonEdit.map(path("*.a"), value -> new JsonPrimitive("changed"))))
                .isEqualTo(json);
    }

    @Test
    void aDotAlwaysSeparatesSegments() {
        assertThat(edited("{\"a.b\":1,\"a\":{\"b\":2}}", JsonEdit.remove(path("a.b")))).isEqualTo("{\"a.b\":1,\"a\":{}}");
        assertThatThrownBy(() -> JsonEdit.rename(path("a"), "b.c"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("name: \"b.c\" (expected: a field name without dots, not a path)");
    }

    @Test
    void rejectsMalformedPaths() {
        for (String bad : new String[] {"", "a..b", ".a", "a.", "."}) {
            assertThatThrownBy(() -> JsonPath.parse(bad)).as(bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("path: \"" + bad + "\" (expected: names, indexes or * separated by single dots, such as items.*.price)");
        }
    }

    @Test
    void onlyRemoveAndMapTakeAPathEndingInAnIndexOrStar() {
        assertThatThrownBy(() -> JsonEdit.rename(path("items.*"), "x"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("rename: items.* (expected: a path ending in a field name, not a number or *; "
                        + "only remove and map edit elements)");
        assertThatThrownBy(() -> JsonEdit.set(path("items.0"), new JsonPrimitive(1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> JsonEdit.add(path("*"), new JsonPrimitive(1))).isInstanceOf(IllegalArgumentException.class);
    }
}
