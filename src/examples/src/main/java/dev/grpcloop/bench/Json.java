package dev.grpcloop.bench;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import com.google.gson.ToNumberPolicy;
import com.google.gson.TypeAdapter;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.JsonWriter;
import java.io.IOException;

/**
 * summary.json through Gson: writes maps, lists, strings, numbers, booleans and null, indented;
 * reads them back as Gson does into {@code Object} (objects as ordered maps, arrays as lists,
 * numbers as {@code Double}).
 *
 * <p>Two rules of our own for numbers: NaN and the infinities (a ratio against a zero, a figure
 * not measured) become null, since JSON has no form for them; whole numbers are written without a
 * fraction ({@code 5}, not {@code 5.0}), so that counts read as counts.
 */
final class Json {
  private Json() {}

  private static final Gson GSON = new GsonBuilder()
      .setPrettyPrinting()
      .serializeNulls() // a target not measured keeps its "value": null
      .disableHtmlEscaping()
      .registerTypeAdapter(Double.class, new Numbers())
      .setObjectToNumberStrategy(ToNumberPolicy.DOUBLE)
      .create();

  /** The value as indented JSON text. */
  static String write(Object value) {
    return GSON.toJson(value) + "\n";
  }

  /** The value of a JSON text; throws IllegalArgumentException if it is not JSON. */
  static Object parse(String text) {
    try {
      return GSON.fromJson(text, Object.class);
    } catch (JsonParseException e) {
      throw new IllegalArgumentException("not JSON: " + e.getMessage(), e);
    }
  }

  /** Doubles as summary.json writes them; see the class comment. */
  private static final class Numbers extends TypeAdapter<Double> {
    @Override
    public void write(JsonWriter out, Double d) throws IOException {
      if (d == null || d.isNaN() || d.isInfinite()) {
        out.nullValue();
      } else if (d == Math.rint(d) && Math.abs(d) < 1e15) {
        out.value(d.longValue());
      } else {
        out.value(d.doubleValue());
      }
    }

    @Override
    public Double read(JsonReader in) throws IOException {
      if (in.peek() == JsonToken.NULL) {
        in.nextNull();
        return null;
      }
      return in.nextDouble();
    }
  }
}
