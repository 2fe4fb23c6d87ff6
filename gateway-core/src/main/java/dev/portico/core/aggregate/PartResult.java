package dev.portico.core.aggregate;

import com.google.gson.JsonElement;
import com.google.gson.JsonNull;

import java.util.Objects;

/**
 * How one part of an aggregation ended, as a value: its shaped JSON when it succeeded, or why it failed; a failed
 * part never throws.
 */
public final class PartResult {

    /** How a part ended. */
    public enum Outcome {
        /** It answered 2xx with valid JSON (or 404, taken as {@code null}, when the part allows it). */
        OK,
        /** It answered another status, invalid JSON or too large a body, could not be called, or needed a failed part. */
        FAILED,
        /** Its own timeout or the aggregation's deadline passed first. */
        TIMED_OUT
    }

    private final String name;
    private final Outcome outcome;
    private final JsonElement value;
    private final int status;
    private final String message;

    PartResult(String name, Outcome outcome, JsonElement value, int status, String message) {
        this.name = name;
        this.outcome = outcome;
        this.value = value == null ? JsonNull.INSTANCE : value;
        this.status = status;
        this.message = message;
    }

    /** Returns the part's name. */
    public String name() {
        return name;
    }

    /** Returns how it ended. */
    public Outcome outcome() {
        return outcome;
    }

    /** Returns whether it succeeded. */
    public boolean isOk() {
        return outcome == Outcome.OK;
    }

    /** Returns its shaped value; {@code JsonNull} when it failed. */
    public JsonElement value() {
        return value;
    }

    /** Returns the upstream's status, or 0 when no response came (for a fan-out, the first failing call's). */
    public int status() {
        return status;
    }

    /** Returns why it failed, written for clients (it names the upstream, never an address), or {@code null}. */
    public String message() {
        return message;
    }

    @Override
    public String toString() {
        return "PartResult{" + name + ' ' + outcome + (message == null ? "" : ": " + message) + '}';
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof PartResult that && name.equals(that.name) && outcome == that.outcome
                && value.equals(that.value) && status == that.status && Objects.equals(message, that.message);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, outcome, value, status, message);
    }
}
