package dev.portico.examples;

/** Entry point of the examples jar. */
public final class Main {
    public static void main(String[] args) {
        System.out.println("portico");
    }
}
