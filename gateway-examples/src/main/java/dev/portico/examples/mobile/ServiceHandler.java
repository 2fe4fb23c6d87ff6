package dev.portico.examples.mobile;

/** The logic of one demo service: it answers a call from in-memory data at once, without blocking. */
@FunctionalInterface
interface ServiceHandler {

    /** Answers the call. */
    Reply handle(Call call);
}
