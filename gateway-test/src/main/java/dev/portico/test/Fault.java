package dev.portico.test;

/** A transport failure that a stub plays: the tester turns it into the error the real transport reports. */
final class Fault extends RuntimeException {

    /** The failures a stub can play. */
    enum Kind { REFUSED, RESET }

    final Kind kind;

    Fault(Kind kind) {
        super(kind.name(), null, false, false);
        this.kind = kind;
    }
}
