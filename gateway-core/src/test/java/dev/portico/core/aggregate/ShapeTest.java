package dev.portico.core.aggregate;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Every shaping operation, alone and in sequence, on nested objects and arrays. */
class ShapeTest {

    private static final String USER = """
            {"data": {"id": "u1", "name": "Ann", "password": "x",
                      "address": {"city": "Oslo", "zip": "0150", "geo": {"lat": 59.9, "lng": 10.7}},
                      "orders": [{"id": "o1", "total": 10, "secret": 1}, {"id": "o2", "total": 20, "secret": 2}]}}""";

    private static JsonElement json(String text) {
        return JsonParser.parseString(text);
    }

    private static String shaped(Shape.Builder shape, String input) {
        return shape.build().apply(json(input)).toString();
    }

    @Test
    void unwrapsAContainerFieldAtANestedPath() {
        assertThat(shaped(Shape.builder().unwrap("data.address"), USER))
                .isEqualTo("{\"city\":\"Oslo\",\"zip\":\"0150\",\"geo\":{\"lat\":59.9,\"lng\":10.7}}");
        assertThat(shaped(Shape.builder().unwrap("data.missing"), USER)).isEqualTo("null");
    }

    @Test
    void unwrapsThroughAnArrayIndexOrEveryElement() {
        assertThat(shaped(Shape.builder().unwrap("data.orders.1.id"), USER)).isEqualTo("\"o2\"");
        assertThat(shaped(Shape.builder().unwrap("data.orders.id"), USER)).isEqualTo("[\"o1\",\"o2\"]");
        assertThat(shaped(Shape.builder().unwrap("data.orders.*.total"), USER)).isEqualTo("[10,20]");
    }

    @Test
    void takesAnArrayElementCountingFromEitherEnd() {
        assertThat(shaped(Shape.builder().element(0), "[1,2,3]")).isEqualTo("1");
        assertThat(shaped(Shape.builder().element(-1), "[1,2,3]")).isEqualTo("3");
        assertThat(shaped(Shape.builder().element(3), "[1,2,3]")).isEqualTo("null");
        assertThat(shaped(Shape.builder().element(0), "{\"a\":1}")).isEqualTo("null");
    }

    @Test
    void allowListKeepsOnlyNestedPathsAndWhatLeadsToThem() {
        assertThat(shaped(Shape.builder().unwrap("data").allow("id", "address.city", "address.geo.lat", "orders.id"), USER))
                .isEqualTo("{\"id\":\"u1\",\"address\":{\"city\":\"Oslo\",\"geo\":{\"lat\":59.9}},"
                        + "\"orders\":[{\"id\":\"o1\"},{\"id\":\"o2\"}]}");
    }

    @Test
    void allowListWithAWildcardOrAnIndexOnArrays() {
        assertThat(shaped(Shape.builder().allow("*.id"), "{\"a\":{\"id\":1,\"x\":2},\"b\":{\"id\":3}}"))
                .isEqualTo("{\"a\":{\"id\":1},\"b\":{\"id\":3}}");
        assertThat(shaped(Shape.builder().allow("items.0.name"), "{\"items\":[{\"name\":\"a\",\"p\":1},{\"name\":\"b\"}]}"))
                .isEqualTo("{\"items\":[{\"name\":\"a\"}]}");
    }

    @Test
    void denyListRemovesNestedPathsAndTheSameFieldInEveryArrayElement() {
        assertThat(shaped(Shape.builder().unwrap("data").deny("password", "address.geo", "orders.secret", "absent.field"), USER))
                .isEqualTo("{\"id\":\"u1\",\"name\":\"Ann\",\"address\":{\"city\":\"Oslo\",\"zip\":\"0150\"},"
                        + "\"orders\":[{\"id\":\"o1\",\"total\":10},{\"id\":\"o2\",\"total\":20}]}");
    }

    @Test
    void denyEndingInAnIndexOrStarRemovesArrayElements() {
        assertThat(shaped(Shape.builder().unwrap("data").allow("orders.id").deny("orders.0"), USER))
                .isEqualTo("{\"orders\":[{\"id\":\"o2\"}]}");
        assertThat(shaped(Shape.builder().deny("tags.*"), "{\"tags\":[1,2],\"id\":1}")).isEqualTo("{\"tags\":[],\"id\":1}");
    }

    @Test
    void renamesAFieldInPlaceAtANestedPathAndInArrays() {
        assertThat(shaped(Shape.builder().unwrap("data").allow("id", "name", "address.zip", "orders.total")
                .rename("name", "title").rename("address.zip", "postcode").rename("orders.*.total", "amount"), USER))
                .isEqualTo("{\"id\":\"u1\",\"title\":\"Ann\",\"address\":{\"postcode\":\"0150\"},"
                        + "\"orders\":[{\"amount\":10},{\"amount\":20}]}");
    }

    @Test
    void renamingAnAbsentFieldChangesNothing() {
        assertThat(shaped(Shape.builder().rename("nope", "other"), "{\"a\":1}")).isEqualTo("{\"a\":1}");
    }

    @Test
    void setsAFieldCreatingTheObjectsOnTheWay() {
        assertThat(shaped(Shape.builder().set("meta.source", new JsonPrimitive("gateway")).set("a", new JsonPrimitive(2)),
                "{\"a\":1}")).isEqualTo("{\"a\":2,\"meta\":{\"source\":\"gateway\"}}");
    }

    @Test
    void mapsAShapeOverEachElementOfANestedArrayOrTheRootArray() {
        Shape item = Shape.builder().allow("id", "total").rename("total", "amount").build();
        assertThat(shaped(Shape.builder().unwrap("data").allow("orders").map("orders", item), USER))
                .isEqualTo("{\"orders\":[{\"id\":\"o1\",\"amount\":10},{\"id\":\"o2\",\"amount\":20}]}");
        assertThat(shaped(Shape.builder().map(Shape.builder().unwrap("id").build()), "[{\"id\":1},{\"id\":2}]"))
                .isEqualTo("[1,2]");
    }

    @Test
    void appliesACustomOperationInOrder() {
        assertThat(shaped(Shape.builder().unwrap("a").then(value -> new JsonPrimitive(value.getAsInt() * 2)), "{\"a\":21}"))
                .isEqualTo("42");
    }

    @Test
    void operationsRunInTheOrderAdded() {
        assertThat(shaped(Shape.builder().rename("a", "b").allow("b"), "{\"a\":1,\"c\":2}")).isEqualTo("{\"b\":1}");
        assertThat(shaped(Shape.builder().allow("b").rename("a", "b"), "{\"a\":1,\"c\":2}")).isEqualTo("{}");
    }

    @Test
    void identityAndNullInputs() {
        assertThat(Shape.identity().apply(json("{\"a\":[1]}")).toString()).isEqualTo("{\"a\":[1]}");
        assertThat(Shape.builder().allow("a").build().apply(null).toString()).isEqualTo("null");
    }

    @Test
    void rejectsMalformedPathsAtBuild() {
        assertThatThrownBy(() -> Shape.builder().allow("a..b")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("a..b");
        assertThatThrownBy(() -> Shape.builder().rename("a.*", "b")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Shape.builder().set("a.0", new JsonPrimitive(1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Shape.builder().unwrap("")).isInstanceOf(IllegalArgumentException.class);
    }
}
